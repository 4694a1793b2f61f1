import { formatSpan } from "../protection/controls.js";

/** Version of the JSON report and history lines; bump on incompatible changes (docs/restore-testing.md). */
export const REPORT_FORMAT = "backplan-restore-test/1";

export type Outcome = "passed" | "failed" | "error";

export interface CheckResult {
  check: "point" | "restore" | "running" | "volume_sizes" | "engine_checksums" | "rto";
  pass: boolean;
  detail: string;
}

/** One VM's restore test. */
export interface VmResult {
  test: string;
  vm: string;
  name: string | null;
  outcome: Outcome;
  /** Why it did not pass, in one line; null when it passed. */
  reason: string | null;
  point: { label: string; kind: "cdp" | "backup" | "csbs"; time: string; ageSeconds: number } | null;
  restoredVm: string | null;
  restoreSeconds: number | null;
  rtoSeconds: number | null;
  checks: CheckResult[];
  cleanup: { done: boolean; detail: string };
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** VMs a previous, killed run left behind and this run removed. */
  leftoversRemoved: string[];
  results: VmResult[];
}

/** 0 every VM passed, 2 some failed; errors of the run itself are the caller's (exit 1). */
export function exitCodeOf(r: RunReport): number {
  return r.results.every((x) => x.outcome === "passed") ? 0 : 2;
}

const secs = (s: number | null) => (s === null ? "-" : s < 60 ? `${s.toFixed(1)}s` : formatSpan(Math.round(s)));

export function renderText(r: RunReport): string {
  const out: string[] = [`Restore test run ${r.runId} (${r.startedAt} → ${r.finishedAt})`];
  if (r.leftoversRemoved.length) out.push(`Removed ${r.leftoversRemoved.length} VM(s) left by an earlier run: ${r.leftoversRemoved.join(", ")}`);
  for (const x of r.results) {
    out.push("");
    out.push(`${x.outcome === "passed" ? "PASS" : x.outcome === "failed" ? "FAIL" : "ERROR"} ${x.name ?? x.vm} (${x.vm}) [${x.test}]`);
    if (x.point) out.push(`  point:    ${x.point.label} at ${x.point.time} (age ${secs(x.point.ageSeconds)}: achieved RPO)`);
    out.push(`  restore:  ${secs(x.restoreSeconds)}${x.rtoSeconds !== null ? ` (RTO target ${formatSpan(x.rtoSeconds)})` : ""}${x.restoredVm ? ` as ${x.restoredVm}` : ""}`);
    for (const c of x.checks) out.push(`  ${c.pass ? "ok  " : "FAIL"} ${c.check}: ${c.detail}`);
    out.push(`  cleanup:  ${x.cleanup.done ? "ok" : "FAILED"} (${x.cleanup.detail})`);
  }
  const passed = r.results.filter((x) => x.outcome === "passed").length;
  out.push("", `${passed} of ${r.results.length} VM(s) passed.`);
  return out.join("\n") + "\n";
}

export function renderJson(r: RunReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Markdown table for an issue or PR comment; `history` adds the last runs per VM (newest first). */
export function renderMarkdown(r: RunReport, history: readonly RunReport[] = [], lastN = 5): string {
  const passed = r.results.filter((x) => x.outcome === "passed").length;
  const out = [
    `### Restore test ${passed === r.results.length ? "passed" : "FAILED"}: ${passed} of ${r.results.length} VM(s)`,
    "",
    `Run \`${r.runId}\`, ${r.startedAt}.`,
    "",
    "| VM | Result | Point (age = RPO) | Restore time (RTO) | Clean-up | Last runs |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const x of r.results) {
    const past = history
      .flatMap((h) => h.results.filter((y) => y.vm === x.vm && y.test === x.test).map((y) => (y.outcome === "passed" ? "✅" : "❌")))
      .slice(-lastN)
      .join("");
    const result = x.outcome === "passed" ? "✅ passed" : `❌ ${x.outcome}: ${x.reason ?? ""}`;
    const point = x.point ? `${x.point.kind} ${x.point.time} (${secs(x.point.ageSeconds)})` : "-";
    const rto = `${secs(x.restoreSeconds)}${x.rtoSeconds !== null ? ` / ${formatSpan(x.rtoSeconds)}` : ""}`;
    out.push(`| **${cell(x.name ?? x.vm)}** | ${cell(result)} | ${point} | ${rto} | ${x.cleanup.done ? "deleted" : `⚠️ ${cell(x.cleanup.detail)}`} | ${past || "-"} |`);
  }
  return out.join("\n") + "\n";
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

/** JUnit XML: one testsuite per restore test, one testcase per VM; a failed check is a <failure>. */
export function renderJunit(r: RunReport): string {
  const suites = [...new Set(r.results.map((x) => x.test))];
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="backplan restore-test" tests="${r.results.length}" failures="${r.results.filter((x) => x.outcome === "failed").length}" errors="${r.results.filter((x) => x.outcome === "error").length}">`];
  for (const s of suites) {
    const cases = r.results.filter((x) => x.test === s);
    out.push(`  <testsuite name="${xml(s)}" tests="${cases.length}" failures="${cases.filter((x) => x.outcome === "failed").length}" errors="${cases.filter((x) => x.outcome === "error").length}" timestamp="${xml(r.startedAt)}">`);
    for (const x of cases) {
      out.push(`    <testcase classname="${xml(s)}" name="${xml(x.name ?? x.vm)} (${x.vm})" time="${(x.restoreSeconds ?? 0).toFixed(3)}">`);
      if (x.outcome !== "passed") {
        const tag = x.outcome === "failed" ? "failure" : "error";
        const body = x.checks.filter((c) => !c.pass).map((c) => `${c.check}: ${c.detail}`).join("\n");
        out.push(`      <${tag} message="${xml(x.reason ?? "")}">${xml(body)}</${tag}>`);
      }
      out.push(`      <system-out>${xml(renderText({ ...r, leftoversRemoved: [], results: [x] }))}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
