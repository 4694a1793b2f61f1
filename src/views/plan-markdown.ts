import { shownDrift } from "./relevant-drift.js";
import { assertNever } from "../plan/action.js";
import type { Plan, PlanDiagnostic, ResourceChange } from "../plan/plan.js";
import { reviewCounts, reviewPlanLine, sortedChanges, type ReviewCounts } from "./counts.js";
import {
  code,
  details,
  escapeHtml,
  fenced,
  GITHUB_COMMENT_LIMIT,
  htmlCode,
  inertText,
  quote,
  toDiffSyntax,
} from "./markdown.js";
import { formatAttributePath } from "./paths.js";
import { renderOutputChanges } from "./plan-text.js";
import { deleteReason, isMoved, isShown, renderResourceChange } from "./resource-text.js";
import { PLAIN } from "./style.js";
import { protectionOf } from "../protection/plan-report.js";
import { protectionMarkdown } from "./protection-markdown.js";

/**
 * `backplan show -markdown PLANFILE`: a pull-request comment a reviewer can act on without expanding anything.
 * Top to bottom: a hidden marker (so CI can find and update its previous comment), the count line, a CAUTION
 * callout naming every destroy and replacement with what forces it, a WARNING callout for other things that need
 * a look (drift, forgets, partial plans, warnings), the addresses grouped by action, then collapsed details: one
 * attribute-level diff per resource, changes made outside backplan, output changes. Sensitive values are masked
 * (the diffs come from the text renderer, which never prints them).
 *
 * Over `maxLength` (GitHub's 65,536 characters) it sheds detail in this order and says what it cut: per-resource
 * diffs (largest first), the drift diffs, the output diffs, then long address lists; the count line, the callouts
 * and the marker stay.
 */

export interface PlanMarkdownOptions {
  /** Identifies the comment (one per directory/workspace): `<!-- backplan-plan:<id> -->`. Default "default". */
  id?: string;
  /** Heading, e.g. "infra/prod". Default: "backplan plan". */
  title?: string;
  /** Where the full plan can be read (a CI log); linked from the truncation notice. */
  detailsUrl?: string;
  /** The command that shows the full plan, named in the truncation notice. Default `backplan show PLANFILE`. */
  fullPlanCommand?: string;
  /** Default 65,536. */
  maxLength?: number;
}

/** The hidden marker line for `id`. Characters that could end an HTML comment are percent-encoded. */
export function commentMarker(id = "default"): string {
  const safe = id.replace(/[^A-Za-z0-9._/:@+=-]/g, (c) => encodeURIComponent(c)).replace(/--/g, "-%2D");
  return `<!-- backplan-plan:${safe} -->`;
}

function forcedBy(rc: ResourceChange): string {
  return rc.replacePaths.map((p) => code(formatAttributePath(p))).join(", ");
}

function replaceOrder(rc: ResourceChange): string {
  return rc.createBeforeDestroy ? "create the new object, then destroy the old one" : "destroy, then create";
}

function replaceWhy(rc: ResourceChange): string {
  switch (rc.reason) {
    case "replace_because_tainted":
      return "the object is tainted (a previous apply failed part-way)";
    case "replace_by_request":
      return "requested with -replace";
    case "replace_by_triggers":
      return "a replace_triggered_by reference changed";
    default:
      return rc.replacePaths.length > 0 ? `forced by ${forcedBy(rc)}` : "the provider cannot update it in place";
  }
}

function cautionLine(rc: ResourceChange): string {
  if (rc.action === "replace") {
    const forced = rc.reason && rc.reason !== "replace_because_cannot_update" && rc.replacePaths.length > 0 ? `; forced by ${forcedBy(rc)}` : "";
    const imported = rc.importing ? " The object is being imported and the replacement destroys it." : "";
    return `- **replace** ${code(rc.address)} (${replaceOrder(rc)}): ${replaceWhy(rc)}${forced}.${imported}`;
  }
  const why = deleteReason(rc);
  const deposed = rc.deposed ? ` (deposed object ${code(rc.deposed)}, left over from a failed replacement)` : "";
  return `- **destroy** ${code(rc.address)}${deposed}${why ? `: ${why}` : ""}.`;
}

interface Group {
  label: string;
  entries: string[];
}

function groups(changes: readonly ResourceChange[]): Group[] {
  const pick = (f: (rc: ResourceChange) => boolean) => changes.filter(f).map((rc) => code(rc.address));
  return [
    { label: "Destroy", entries: pick((rc) => rc.action === "delete" && rc.mode === "managed") },
    { label: "Replace", entries: pick((rc) => rc.action === "replace") },
    { label: "Update", entries: pick((rc) => rc.action === "update") },
    { label: "Create", entries: pick((rc) => rc.action === "create") },
    { label: "Import", entries: pick((rc) => rc.importing !== undefined) },
    { label: "Move", entries: changes.filter(isMoved).map((rc) => `${code(rc.previousAddress!)} → ${code(rc.address)}`) },
    { label: "Forget", entries: pick((rc) => rc.action === "forget") },
    { label: "Read", entries: pick((rc) => rc.action === "read") },
  ].filter((g) => g.entries.length > 0);
}

/** Order of the per-resource details: what can lose data first. Stable sort keeps address order within a rank. */
function severity(rc: ResourceChange): number {
  switch (rc.action) {
    case "delete":
      return 0;
    case "replace":
      return 1;
    case "update":
      return 2;
    case "create":
      return 3;
    case "forget":
      return 4;
    case "no-op":
      return 5;
    case "read":
      return 6;
    default:
      return assertNever(rc.action);
  }
}

function actionPhrase(rc: ResourceChange): string {
  const moved = isMoved(rc) ? `, moved from ${htmlCode(rc.previousAddress!)}` : "";
  const imported = rc.importing ? `, imported from ID ${htmlCode(rc.importing.id)}` : "";
  switch (rc.action) {
    case "create":
      return `create${moved}${imported}`;
    case "update":
      return `update in-place${moved}${imported}`;
    case "replace": {
      const forced = rc.replacePaths.length > 0 ? `, forced by ${rc.replacePaths.map((p) => htmlCode(formatAttributePath(p))).join(", ")}` : "";
      return `<b>replace</b> (${rc.createBeforeDestroy ? "create, then destroy" : "destroy, then create"})${forced}${moved}${imported}`;
    }
    case "delete": {
      const why = deleteReason(rc);
      return `<b>destroy</b>${why ? ` (${escapeHtml(why)})` : ""}${moved}`;
    }
    case "read":
      return "read during apply";
    case "forget":
      return "forget (the remote object is kept)";
    case "no-op":
      return rc.importing ? `import from ID ${htmlCode(rc.importing.id)}${moved}` : `move from ${htmlCode(rc.previousAddress ?? "")}`;
    default:
      return assertNever(rc.action);
  }
}

function resourceDetails(rc: ResourceChange): string {
  const summary = `${htmlCode(rc.address)}: ${actionPhrase(rc)}`;
  return details(summary, fenced(toDiffSyntax(renderResourceChange(rc, "change", PLAIN)), "diff"));
}

function driftBody(drift: readonly ResourceChange[]): string {
  const text = drift.map((d) => renderResourceChange(d, "drift", PLAIN)).join("\n\n");
  return fenced(toDiffSyntax(text), "diff");
}

function driftList(drift: readonly ResourceChange[]): string {
  return drift.map((d) => `- ${code(d.address)}: ${d.action === "delete" ? "deleted" : d.action === "no-op" ? "moved" : "changed"}`).join("\n");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Diagnostics listed in a callout; the rest are counted (they are all in the full plan). */
const MAX_DIAGNOSTICS = 20;

function diagnosticLines(ds: readonly PlanDiagnostic[]): string[] {
  const lines = ds.slice(0, MAX_DIAGNOSTICS).map((d) => {
    const where = d.address ? ` (${code(d.address)})` : "";
    const detail = d.detail ? `: ${inertText(d.detail).replace(/\n+/g, " ")}` : "";
    return `- **${inertText(d.summary)}**${where}${detail}`;
  });
  if (ds.length > MAX_DIAGNOSTICS) lines.push(`- …and ${ds.length - MAX_DIAGNOSTICS} more (see the full plan).`);
  return lines;
}

/** Everything the comment may contain, before any budget is applied. */
interface Parts {
  head: string[];
  /** Error diagnostics of a failed plan (their own CAUTION alert, first). */
  errors: string[];
  /** The sentence that opens the CAUTION callout. */
  cautionHeadline: string;
  caution: string[];
  /** `#### Protection`: the VMs whose protection the plan changes (src/protection). */
  protection: string;
  warning: string[];
  groups: Group[];
  resources: { rc: ResourceChange; text: string }[];
  drift: ResourceChange[];
  outputs: string;
  footer: string;
}

interface Budget {
  droppedResources: Set<ResourceChange>;
  driftMode: "diff" | "list" | "count";
  outputs: boolean;
  /** Entries kept per address group (Infinity: all). */
  groupLimit: number;
  /** Lines kept in the CAUTION callout (Infinity: all). */
  cautionLimit: number;
}

function sectionDrift(drift: readonly ResourceChange[], mode: Budget["driftMode"]): string {
  if (drift.length === 0) return "";
  const title = `<b>Changes outside backplan</b> (${drift.length}): objects changed since the last apply`;
  switch (mode) {
    case "diff":
      return details(title, driftBody(drift));
    case "list":
      return details(title, driftList(drift));
    case "count":
      return "";
  }
}

/** A URL made safe as a Markdown link target (no spaces, parentheses or angle brackets to end it early). */
function linkTarget(url: string): string {
  return url.replace(/[\s()<>]/g, (c) => encodeURIComponent(c).replace(/\(/g, "%28").replace(/\)/g, "%29"));
}

function truncationNotice(parts: Parts, b: Budget, options: PlanMarkdownOptions, limit: number): string {
  const cut: string[] = [];
  if (b.droppedResources.size > 0) cut.push(`the diffs of ${plural(b.droppedResources.size, "resource")} (largest first)`);
  if (b.driftMode !== "diff" && parts.drift.length > 0) cut.push(b.driftMode === "list" ? "the diffs of changes made outside backplan" : "the list of changes made outside backplan");
  if (!b.outputs && parts.outputs !== "") cut.push("the output changes");
  if (b.groupLimit !== Infinity) cut.push("part of the address lists");
  if (b.cautionLimit !== Infinity) cut.push("part of the destroy/replace list");
  if (cut.length === 0) return "";
  const command = options.fullPlanCommand ?? "backplan show PLANFILE";
  const where = options.detailsUrl ? ` or [the full plan](${linkTarget(options.detailsUrl)})` : "";
  return quote([
    "[!NOTE]",
    `This comment was shortened to fit the ${limit.toLocaleString("en-US")}-character limit: it leaves out ${cut.join(", ")}. ` +
      `Run ${code(command)}${where} for everything.`,
  ]);
}

function assemble(parts: Parts, b: Budget, options: PlanMarkdownOptions, limit: number): string {
  const blocks: string[] = [parts.head.join("\n\n")];
  if (parts.errors.length > 0) blocks.push(quote(["[!CAUTION]", "**Planning failed with these errors:**", ...parts.errors]));
  if (parts.caution.length > 0) {
    const shown = parts.caution.slice(0, b.cautionLimit);
    const more = parts.caution.length - shown.length;
    const lines = ["[!CAUTION]", parts.cautionHeadline, ...shown];
    if (more > 0) lines.push(`- …and ${more} more (see the full plan).`);
    blocks.push(quote(lines));
  }
  if (parts.warning.length > 0) blocks.push(quote(["[!WARNING]", ...parts.warning]));
  if (parts.protection) blocks.push(parts.protection);
  const notice = truncationNotice(parts, b, options, limit);
  if (notice) blocks.push(notice);
  if (parts.groups.length > 0) {
    const lines = parts.groups.map((g) => {
      const shown = g.entries.slice(0, b.groupLimit);
      const more = g.entries.length - shown.length;
      const list = shown.length > 0 ? `${shown.join(", ")}${more > 0 ? `, …and ${more} more` : ""}` : "listed in the full plan";
      return `- **${g.label}** (${g.entries.length}): ${list}`;
    });
    blocks.push(lines.join("\n"));
  }
  const kept = parts.resources.filter((r) => !b.droppedResources.has(r.rc));
  if (kept.length > 0) blocks.push(`#### Changes by resource\n\n${kept.map((r) => r.text).join("\n")}`);
  const drift = sectionDrift(parts.drift, b.driftMode);
  if (drift) blocks.push(drift);
  if (parts.outputs !== "" && b.outputs) {
    blocks.push(details(`<b>Output changes</b>`, fenced(toDiffSyntax(parts.outputs), "diff")));
  }
  blocks.push(parts.footer);
  return `${blocks.join("\n\n")}\n`;
}

function buildParts(plan: Plan, options: PlanMarkdownOptions): Parts {
  const changes = sortedChanges(plan.changes);
  const shown = changes.filter(isShown);
  const drift = shownDrift(plan);
  const counts: ReviewCounts = reviewCounts(plan);
  const title = (options.title ?? "backplan plan").replace(/\s+/g, " ");
  const head: string[] = [commentMarker(options.id), `### ${inertText(title)}`];

  const noResourceChanges = shown.length === 0;
  const outputs = renderOutputChanges(plan.outputs, PLAIN);
  if (plan.errored) {
    head.push("**Planning failed.** backplan could not finish this plan; nothing below is safe to apply.");
  } else if (plan.mode === "refresh-only") {
    head.push(
      drift.length > 0
        ? `**Refresh-only plan:** ${plural(drift.length, "object")} changed outside backplan. Applying it records their current values in the state and changes no remote object.`
        : "**No changes.** Your infrastructure still matches the configuration.",
    );
  } else if (noResourceChanges && outputs === "") {
    head.push(
      plan.mode === "destroy"
        ? "**No changes.** No objects need to be destroyed."
        : "**No changes.** Your infrastructure matches the configuration.",
    );
  } else {
    head.push(`**${reviewPlanLine(counts)}**`);
    if (noResourceChanges) head.push("Only root output values change: applying records them in the state and changes no remote object.");
  }

  const destructive = shown.filter((rc) => rc.action === "replace" || (rc.action === "delete" && rc.mode === "managed"));
  // Destroys first, then replacements; each group by address.
  destructive.sort((a, b) => (a.action === b.action ? 0 : a.action === "delete" ? -1 : 1));
  const caution = destructive.map(cautionLine);

  const warning: string[] = [];
  if (drift.length > 0 && plan.mode !== "refresh-only") {
    warning.push(
      noResourceChanges
        ? `- ${plural(drift.length, "object")} changed outside backplan since the last apply, and the configuration already matches. Apply a refresh-only plan (\`backplan apply -refresh-only\`) to record the changes in the state.`
        : `- ${plural(drift.length, "object")} changed outside backplan since the last apply; the plan may undo or respond to that (see *Changes outside backplan*).`,
    );
  }
  const forgets = shown.filter((c) => c.action === "forget");
  for (const rc of forgets.slice(0, MAX_DIAGNOSTICS)) {
    warning.push(`- ${code(rc.address)} will no longer be managed by backplan; the remote object is kept.`);
  }
  if (forgets.length > MAX_DIAGNOSTICS) warning.push(`- …and ${forgets.length - MAX_DIAGNOSTICS} more objects will no longer be managed.`);
  if (!plan.complete && !plan.errored) {
    const t = plan.targets.length > 0 ? ` (${plan.targets.map(code).join(", ")})` : "";
    warning.push(`- This plan is incomplete: targeting${t} left parts of the configuration out.`);
  }
  const warnings = plan.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) warning.push(...diagnosticLines(warnings));

  const destroyed = destructive.filter((rc) => rc.action === "delete").length;
  const replaced = destructive.length - destroyed;
  const what = [destroyed > 0 ? `destroys ${plural(destroyed, "object")}` : "", replaced > 0 ? `replaces ${plural(replaced, "object")}` : ""]
    .filter(Boolean)
    .join(" and ");
  const prot = protectionMarkdown(protectionOf(plan));
  warning.push(...prot.warning);
  const dataHeadline = prot.headline ? ` ${prot.headline}` : " Data held by a destroyed or replaced backup object may be lost.";
  return {
    head,
    errors: plan.errored ? diagnosticLines(plan.diagnostics.filter((d) => d.severity === "error")) : [],
    cautionHeadline: `**This plan ${what || "weakens VM protection"}.**${dataHeadline} Check each one:`,
    caution: [...caution, ...prot.caution],
    protection: prot.table,
    warning,
    groups: groups(shown),
    resources: [...shown].sort((a, b) => severity(a) - severity(b)).map((rc) => ({ rc, text: resourceDetails(rc) })),
    drift,
    outputs,
    footer: `<sub>backplan · plan made ${escapeHtml(plan.timestamp)} · state lineage ${htmlCode(plan.prior.lineage)} serial ${plan.prior.serial}</sub>`,
  };
}

/**
 * Renders the PR comment. The result is at most `maxLength` characters (UTF-16 code units, which never undercount
 * GitHub's character count) unless the marker, count line and callouts alone exceed it, in which case the
 * callout list is shortened too and the result is cut to the limit as a last resort.
 */
export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): string {
  const limit = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const parts = buildParts(plan, options);
  const budget: Budget = { droppedResources: new Set(), driftMode: "diff", outputs: true, groupLimit: Infinity, cautionLimit: Infinity };
  let text = assemble(parts, budget, options, limit);
  if (text.length <= limit) return text;

  // 1. Per-resource diffs, largest first. Sizes are known, so drop by arithmetic and render once more to check.
  const bySize = [...parts.resources].sort((a, b) => b.text.length - a.text.length);
  let excess = text.length - limit + 400; // room for the truncation notice
  for (const r of bySize) {
    if (excess <= 0) break;
    budget.droppedResources.add(r.rc);
    excess -= r.text.length + 1;
  }
  text = assemble(parts, budget, options, limit);
  for (const r of bySize) {
    if (text.length <= limit) return text;
    if (budget.droppedResources.has(r.rc)) continue;
    budget.droppedResources.add(r.rc);
    text = assemble(parts, budget, options, limit);
  }
  if (text.length <= limit) return text;

  // 2. Drift diffs, then the drift list. 3. Output diffs.
  for (const step of [() => (budget.driftMode = "list"), () => (budget.driftMode = "count"), () => (budget.outputs = false)]) {
    step();
    text = assemble(parts, budget, options, limit);
    if (text.length <= limit) return text;
  }

  // 4. Address lists, then (last resort) the callout list: keep as many entries as fit (binary search).
  for (const key of ["groupLimit", "cautionLimit"] as const) {
    let lo = 0;
    let hi = Math.max(0, ...(key === "groupLimit" ? parts.groups.map((g) => g.entries.length) : [parts.caution.length])) - 1;
    budget[key] = 0;
    if (assemble(parts, budget, options, limit).length > limit) continue;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      budget[key] = mid;
      if (assemble(parts, budget, options, limit).length <= limit) lo = mid;
      else hi = mid - 1;
    }
    budget[key] = lo;
    return assemble(parts, budget, options, limit);
  }
  text = assemble(parts, budget, options, limit);
  if (text.length <= limit) return text;
  return text.slice(0, limit);
}
