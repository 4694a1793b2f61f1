import { hasProtectionNews, type PlanProtection } from "../protection/plan-report.js";
import { changeText, itemText, lostText, vmLabel } from "./protection-format.js";
import { styleFor } from "./style.js";

/**
 * The plan text's protection section, printed after the summary line: the data the plan removes (totals, then
 * per object), the VMs whose protection changes, and the controls the plan breaks. Empty when there is nothing to
 * say, so plans that touch no protection look as before.
 */
export function renderProtectionText(p: PlanProtection | undefined, options: { color: boolean }): string {
  if (!p || !hasProtectionNews(p)) return "";
  const s = styleFor(options.color);
  const out: string[] = ["", s.bold("Protection:")];
  if (p.data_at_risk.length > 0) {
    out.push(`  ${s.red("Data removed by this plan:")} ${lostText(p.lost)}`);
    for (const d of p.data_at_risk) for (const item of d.items) out.push(`    - ${d.address} (${d.action}): ${itemText(item)}`);
  }
  if (p.vms.length > 0) {
    out.push("  VMs whose protection changes (- weaker, ~ otherwise):");
    for (const v of p.vms) out.push(`    ${v.weaker ? s.red("-") : s.yellow("~")} ${vmLabel(v)}: ${changeText(v)}`);
  }
  const v = p.controls.violations;
  if (v.length > 0) {
    out.push(
      p.controls.allowed
        ? `  ${s.yellow("Warning:")} the plan breaks ${v.length === 1 ? "1 protection control" : `${v.length} protection controls`}; allowed by -allow-protection-loss:`
        : `  ${s.red("Error:")} the plan breaks ${v.length === 1 ? "1 protection control" : `${v.length} protection controls`}:`,
    );
    for (const f of v) for (const x of f.failures) out.push(`    ✗ ${f.control} (${f.where}): ${vmLabel(f)} ${x.check} wants ${x.want}, would have ${x.got}`);
  }
  if (p.controls.already_failing.length > 0) {
    out.push(`  Already failing before this plan (not caused by it): ${p.controls.already_failing.map((f) => `${f.control} on ${f.name ?? f.vm}`).join(", ")}`);
  }
  for (const e of p.errors) out.push(`  ${s.yellow("Warning:")} ${e}`);
  return `${out.join("\n")}\n`;
}
