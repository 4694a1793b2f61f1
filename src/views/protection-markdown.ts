import { hasProtectionNews, type PlanProtection } from "../protection/plan-report.js";
import { code, inertText } from "./markdown.js";
import { changeText, coverageText, itemText, lostText, retentionText, rpoText } from "./protection-format.js";

/** The protection parts of the PR comment: CAUTION lines with numbers, WARNING lines, and the per-VM table. */
export interface ProtectionMarkdown {
  /** Opens the CAUTION callout when the plan removes recovery data or breaks a control. */
  headline: string | null;
  caution: string[];
  warning: string[];
  /** `#### Protection` with a table of the VMs whose protection changes; empty when none do. */
  table: string;
}

const cell = (s: string) => inertText(s).replace(/\n/g, " ");

export function protectionMarkdown(p: PlanProtection | undefined): ProtectionMarkdown {
  const none: ProtectionMarkdown = { headline: null, caution: [], warning: [], table: "" };
  if (!p || !hasProtectionNews(p)) return none;
  const caution: string[] = [];
  const warning: string[] = [];
  for (const d of p.data_at_risk) for (const item of d.items) caution.push(`- ${code(d.address)} (${d.action}) removes ${cell(itemText(item))}.`);
  const v = p.controls.violations;
  const broken = v.flatMap((f) => f.failures.map((x) => `${code(f.control)} (${cell(f.where)}): **${cell(f.name ?? f.vm)}** ${x.check} wants ${cell(x.want)}, would have ${cell(x.got)}`));
  if (p.controls.allowed) warning.push(...broken.map((b) => `- Protection control broken, allowed by \`-allow-protection-loss\`: ${b}`));
  else caution.push(...broken.map((b) => `- Breaks protection control ${b}`));
  const weaker = p.vms.filter((x) => x.weaker);
  for (const x of weaker) caution.push(`- **${cell(x.name ?? x.vm)}** loses protection: ${cell(changeText(x))}.`);
  const parts: string[] = [];
  if (p.data_at_risk.length > 0) parts.push(`It deletes ${cell(lostText(p.lost))}.`);
  if (weaker.length > 0) parts.push(`It weakens the protection of ${weaker.length === 1 ? "1 VM" : `${weaker.length} VMs`}: ${weaker.map((x) => `**${cell(x.name ?? x.vm)}**`).join(", ")}.`);
  const headline = caution.length > 0 || weaker.length > 0 ? parts.join(" ") : null;
  for (const e of p.errors) warning.push(`- Protection report incomplete: ${cell(e)}`);
  if (p.controls.already_failing.length > 0) {
    warning.push(`- Protection controls already failing before this plan: ${p.controls.already_failing.map((f) => `${code(f.control)} on ${cell(f.name ?? f.vm)}`).join(", ")}.`);
  }
  let table = "";
  if (p.vms.length > 0) {
    const rows = p.vms.map((x) =>
      [
        x.weaker ? `**${cell(x.name ?? x.vm)}** (weaker)` : cell(x.name ?? x.vm),
        `${coverageText(x.before)} → ${coverageText(x.after)}`,
        `${rpoText(x.before)} → ${rpoText(x.after)}`,
        `${retentionText(x.before.retention_days)} → ${retentionText(x.after.retention_days)}`,
        cell(changeText(x)),
      ].join(" | "),
    );
    table = ["#### Protection", "", "| VM | Coverage | RPO | Retention | Change |", "| --- | --- | --- | --- | --- |", ...rows.map((r) => `| ${r} |`)].join("\n");
  }
  return { headline, caution, warning, table };
}
