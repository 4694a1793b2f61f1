import type { ComplianceReport, LiveVm } from "../protection/compliance.js";
import { code, inertText } from "./markdown.js";
import { retentionText, span } from "./protection-format.js";
import { styleFor } from "./style.js";

/** `backplan drift`'s protection section: live coverage per VM and a pass/fail table per control and VM. */

function label(v: { vm: string; name: string | null }): string {
  return v.name ? `${v.name} (${v.vm})` : v.vm;
}

function rpo(v: LiveVm): string {
  return v.rpo_seconds === null ? "none" : span(v.rpo_seconds);
}

/** A protected VM whose retention no object states has an unknown retention, not none. */
function retention(v: LiveVm): string {
  return v.protected && v.retention_days === null ? "unknown" : retentionText(v.retention_days);
}

function age(v: LiveVm): string {
  return v.newest_age_seconds === null ? "none" : `${span(Math.max(1, v.newest_age_seconds))} ago`;
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

export function renderComplianceText(r: ComplianceReport, options: { color: boolean }): string {
  const s = styleFor(options.color);
  const out: string[] = ["", s.bold("Protection:")];
  if (r.vms.length === 0) out.push("  No VMs listed.");
  else {
    const rows = [["VM", "Protected", "By", "RPO", "Retention", "Newest point"], ...r.vms.map((v) => [label(v), v.protected ? "yes" : "NO", v.management, rpo(v), retention(v), age(v)])];
    out.push(...pad(rows).map((l) => `  ${l}`));
  }
  if (r.controls.length > 0) {
    const failing = r.controls.filter((c) => c.failed > 0).length;
    out.push("", s.bold(`Protection controls: ${failing === 0 ? "all pass" : `${failing} of ${r.controls.length} failing (${r.failed} VM ${r.failed === 1 ? "check" : "checks"})`}`));
    for (const c of r.controls) {
      out.push(`  ${c.failed ? s.red("✗") : s.green("✓")} ${c.control} (${c.where}): ${c.passed} pass, ${c.failed} fail`);
      for (const row of c.results) {
        if (row.pass) continue;
        for (const f of row.failures) out.push(`      ${label(row)} [${row.management}] ${f.check}: wants ${f.want}, has ${f.got}`);
      }
    }
  }
  for (const e of r.errors) out.push(`  ${s.yellow("Warning:")} ${e}`);
  return `${out.join("\n")}\n`;
}

const cell = (t: string) => inertText(t).replace(/\n/g, " ");

export function renderComplianceMarkdown(r: ComplianceReport): string {
  const out: string[] = ["#### Protection", ""];
  out.push("| VM | Protected | By | RPO | Retention | Newest point |", "| --- | --- | --- | --- | --- | --- |");
  for (const v of r.vms) out.push(`| ${cell(label(v))} | ${v.protected ? "yes" : "**no**"} | ${v.management} | ${rpo(v)} | ${retention(v)} | ${age(v)} |`);
  if (r.controls.length > 0) {
    out.push("", `**Protection controls:** ${r.failed === 0 ? "all pass." : `${r.failed} failing ${r.failed === 1 ? "check" : "checks"}.`}`, "");
    out.push("| Control | VM | By | Result | Details |", "| --- | --- | --- | --- | --- |");
    for (const c of r.controls) {
      for (const row of c.results) {
        const details = row.failures.map((f) => `${f.check}: wants ${f.want}, has ${f.got}`).join("; ");
        out.push(`| ${code(c.control)} | ${cell(label(row))} | ${row.management} | ${row.pass ? "pass" : "**FAIL**"} | ${cell(details)} |`);
      }
    }
  }
  for (const e of r.errors) out.push("", `> [!WARNING]\n> Protection report incomplete: ${cell(e)}`);
  return `${out.join("\n")}\n`;
}
