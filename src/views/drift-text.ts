import type { DriftReport, PendingEntry } from "../plan/drift.js";
import { changeLine } from "./drift-values.js";
import { styleFor, type Style } from "./style.js";

export interface DriftTextOptions {
  color: boolean;
}

/** The verb of a pending change, as `plan` prints it. */
function pendingVerb(p: PendingEntry): string {
  switch (p.action) {
    case "create":
      return "would be created";
    case "update":
      return "would be updated in-place";
    case "replace":
      return "would be replaced";
    case "delete":
      return "would be destroyed";
    case "forget":
      return "would no longer be managed";
  }
}

function pendingSymbol(p: PendingEntry, s: Style): string {
  switch (p.action) {
    case "create":
      return s.green("+");
    case "update":
      return s.yellow("~");
    case "replace":
      return s.red("-/+");
    case "delete":
      return s.red("-");
    case "forget":
      return s.dim(".");
  }
}

/**
 * `backplan drift` for a terminal: per source, what changed or vanished outside backplan and what the
 * configuration would still change; then the objects no state manages; then the coverage line and the verdict.
 */
export function renderDriftText(r: DriftReport, options: DriftTextOptions): string {
  const s = styleFor(options.color);
  const out: string[] = [];
  for (const src of r.sources) {
    const what = src.kind === "config" ? "configuration" : "state";
    out.push(s.bold(`${src.name}`) + s.dim(` (${what}, ${src.state_path} serial ${src.serial}, ${src.managed} managed)`));
    const drift = r.drift.filter((d) => d.source === src.name);
    const pending = r.pending.filter((p) => p.source === src.name);
    for (const e of src.errors) out.push(`  ${s.red("Error:")} ${e.split("\n").join("\n    ")}`);
    if (drift.length === 0 && pending.length === 0 && src.errors.length === 0) out.push(s.green("  No drift."));
    for (const d of drift) {
      if (d.action === "delete") {
        out.push(`  ${s.red("-")} ${s.bold(d.address)} has been deleted outside backplan`);
        continue;
      }
      out.push(`  ${s.yellow("~")} ${s.bold(d.address)} has changed outside backplan`);
      for (const c of d.changes) out.push(`      ${s.yellow("~")} ${changeLine(c)}`);
    }
    if (pending.length > 0) {
      out.push(s.dim("  The configuration differs from the live objects; apply would change:"));
      for (const p of pending) {
        out.push(`  ${pendingSymbol(p, s)} ${s.bold(p.address)} ${pendingVerb(p)}`);
        for (const c of p.changes) out.push(`      ${s.yellow("~")} ${changeLine(c)}`);
      }
    }
    out.push("");
  }
  if (r.unmanaged.length > 0) {
    out.push(s.bold(`Unmanaged objects (${r.unmanaged.length}): in the live APIs, in no given state`));
    for (const u of r.unmanaged) {
      out.push(`  ${s.cyan("?")} ${u.type} ${u.id}${u.name ? ` "${u.name}"` : ""}`);
      out.push(s.dim(`      import with: ${u.import_command}`));
    }
    out.push("");
  }
  for (const e of r.errors.filter((e) => e.source === undefined)) out.push(`${s.red("Error:")} ${e.message}`);
  out.push(coverageLine(r));
  const note = runtimeNote(r);
  if (note) out.push(s.dim(note));
  out.push(verdictLine(r, s));
  return out.join("\n") + "\n";
}

/** `Coverage: 85.7% — 6 of 7 listed objects are managed (1 through its policy), 1 unmanaged, 2 ignored.` */
export function coverageLine(r: DriftReport): string {
  const c = r.coverage;
  const total = c.managed + c.unmanaged;
  const owner = c.managed_by_owner > 0 ? ` (${c.managed_by_owner} through a managed owner)` : "";
  const ignored = c.ignored > 0 ? `, ${c.ignored} ignored` : "";
  return `Coverage: ${c.percent}% — ${c.managed} of ${total} listed objects are managed${owner}, ${c.unmanaged} unmanaged${ignored}.`;
}

/** The one-line verdict, also the webhook's headline. */
export function driftHeadline(r: DriftReport): string {
  const n = r.counts;
  if (!r.drifted) return r.errored ? "Drift check incomplete: errors (see above)." : "No drift: every checked object matches its state and configuration.";
  const parts = [
    n.changed ? `${n.changed} changed` : "",
    n.deleted ? `${n.deleted} deleted` : "",
    n.pending ? `${n.pending} pending configuration change${n.pending === 1 ? "" : "s"}` : "",
    n.unmanaged ? `${n.unmanaged} unmanaged` : "",
  ].filter((p) => p !== "");
  return `Drift detected: ${parts.join(", ")}${n.ignored ? ` (${n.ignored} ignored by .backplanignore)` : ""}.`;
}

/** Says how many runtime attribute changes were left out, when any were. */
export function runtimeNote(r: DriftReport): string | undefined {
  const n = r.counts.runtime;
  return n > 0 ? `${n} change${n === 1 ? "" : "s"} of runtime attributes (status, usage, latency) not counted as drift; -include-runtime shows them.` : undefined;
}

function verdictLine(r: DriftReport, s: Style): string {
  const text = driftHeadline(r);
  return r.drifted ? s.bold(s.yellow(text)) : r.errored ? s.bold(s.red(text)) : s.bold(s.green(text));
}
