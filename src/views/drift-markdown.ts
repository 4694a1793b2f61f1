import type { AttributeChange, DriftReport } from "../plan/drift.js";
import { changeLine } from "./drift-values.js";
import { code, details, escapeHtml, fenced, GITHUB_COMMENT_LIMIT, htmlCode, inertText, quote } from "./markdown.js";
import { coverageLine, driftHeadline } from "./drift-text.js";

export interface DriftMarkdownOptions {
  /** Identifies the issue/comment a scheduled job keeps updating: `<!-- backplan-drift:<id> -->`. Default "default". */
  id?: string;
  /** Heading. Default "backplan drift report". */
  title?: string;
  /** A link to the job's log, shown in the footer and the truncation notice. */
  detailsUrl?: string;
  /** Default 65,536 (GitHub's comment and issue-body limit). */
  maxLength?: number;
}

/** The hidden marker line for `id` (characters that could end an HTML comment are percent-encoded). */
export function driftMarker(id = "default"): string {
  const safe = id.replace(/[^A-Za-z0-9._/:@+=-]/g, (c) => encodeURIComponent(c)).replace(/--/g, "-%2D");
  return `<!-- backplan-drift:${safe} -->`;
}

/**
 * The drift report as an issue body or comment: marker, headline, coverage, a CAUTION alert for objects deleted
 * outside backplan, a WARNING alert for changed objects, pending configuration changes and unmanaged objects,
 * then collapsed attribute details. Over `maxLength` the per-resource details go first, then the unmanaged list;
 * the alerts and the counts stay. Attribute values arrive masked when sensitive.
 */
export function renderDriftMarkdown(r: DriftReport, options: DriftMarkdownOptions = {}): string {
  const max = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const head: string[] = [driftMarker(options.id), "", `### ${inertText(options.title ?? "backplan drift report")}`, "", `**${inertText(driftHeadline(r))}**`, "", inertText(coverageLine(r))];
  const deleted = r.drift.filter((d) => d.action === "delete");
  if (deleted.length > 0) {
    head.push("", quote(["[!CAUTION]", `**${deleted.length} managed object${deleted.length === 1 ? " was" : "s were"} deleted outside backplan.** Their backups or recovery points may be gone:`, ...deleted.map((d) => `- ${code(d.address)} (${inertText(d.source)})`)]));
  }
  const changed = r.drift.filter((d) => d.action === "update");
  const warn = [
    ...(changed.length ? [`- ${changed.length} object${changed.length === 1 ? "" : "s"} changed outside backplan: ${changed.map((d) => code(d.address)).join(", ")}`] : []),
    ...(r.pending.length ? [`- ${r.pending.length} configuration change${r.pending.length === 1 ? " is" : "s are"} not applied: ${r.pending.map((p) => `${code(p.address)} (${p.action})`).join(", ")}`] : []),
    ...(r.unmanaged.length ? [`- ${r.unmanaged.length} object${r.unmanaged.length === 1 ? " exists" : "s exist"} in the live APIs but in no given state`] : []),
    ...r.errors.map((e) => `- error${e.source ? ` in ${code(e.source)}` : ""}: ${inertText(e.message.split("\n")[0] ?? "")}`),
  ];
  if (warn.length) head.push("", quote(["[!WARNING]", ...warn]));

  const table = ["| Source | Changed | Deleted | Pending | Errors |", "|---|---:|---:|---:|---:|", ...r.sources.map((s) => `| ${code(s.name)} | ${s.changed} | ${s.deleted} | ${s.pending} | ${s.errors.length} |`)];
  const entry = (address: string, source: string, verb: string, changes: readonly AttributeChange[]): string =>
    details(
      `${htmlCode(address)}: ${escapeHtml(verb)} <sub>(${escapeHtml(source)})</sub>`,
      changes.length ? fenced(changes.map((c) => `! ${changeLine(c)}`).join("\n"), "diff") : "_The object no longer exists._",
    );
  const perResource = [
    ...r.drift.map((d) => entry(d.address, d.source, d.action === "delete" ? "deleted outside backplan" : "changed outside backplan", d.changes)),
    ...r.pending.filter((p) => p.changes.length > 0).map((p) => entry(p.address, p.source, `apply would ${p.action} it`, p.changes)),
  ];
  const unmanaged = r.unmanaged.length
    ? ["#### Unmanaged objects", "", "| Type | Id | Name | Import with |", "|---|---|---|---|", ...r.unmanaged.map((u) => `| ${code(u.type)} | ${code(u.id)} | ${u.name ? inertText(u.name) : ""} | ${code(u.import_command)} |`)]
    : [];
  const footer = `<sub>backplan ${escapeHtml(r.backplan_version)} · checked ${escapeHtml(r.checked_at)}${options.detailsUrl ? ` · [job log](${options.detailsUrl})` : ""}</sub>`;

  const assemble = (res: string[], unm: string[], notice: string): string =>
    [...head, ...(notice ? ["", notice] : []), "", ...table, ...(res.length ? ["", "#### Details", "", res.join("\n")] : []), ...(unm.length ? ["", ...unm] : []), "", footer, ""].join("\n");
  let text = assemble(perResource, unmanaged, "");
  if (text.length <= max) return text;
  const where = options.detailsUrl ? ` or [the job log](${options.detailsUrl})` : "";
  text = assemble([], unmanaged, quote(["[!NOTE]", `Shortened to fit ${max.toLocaleString("en-US")} characters: the attribute details are left out. Run \`backplan drift\`${where} for everything.`]));
  if (text.length <= max) return text;
  return assemble([], [], quote(["[!NOTE]", `Shortened to fit ${max.toLocaleString("en-US")} characters: the attribute details and the list of ${r.unmanaged.length} unmanaged objects are left out. Run \`backplan drift -json\`${where} for everything.`])).slice(0, max);
}
