import { isApplyable, type OutputChange, type Plan, type ResourceChange } from "../plan/plan.js";
import { reviewCounts, sortedChanges, terraformCountsText } from "./counts.js";
import { compareStrings, rootNode } from "./encoding.js";
import { shownDrift } from "./relevant-drift.js";
import { isShown, renderResourceChange } from "./resource-text.js";
import { styleFor, wordWrap, type Style } from "./style.js";
import { diffValues } from "./value-diff.js";
import { attributeKey, diffSymbol, renderDiff, renderOptions } from "./value-render.js";

/**
 * `backplan plan` / `backplan show PLANFILE` as a person reads it: Terraform's familiar layout with "backplan" in
 * place of "Terraform". Pure: the caller decides color (from -no-color, NO_COLOR, whether stdout is a TTY) and the
 * wrap width (terminal columns).
 */

export interface PlanTextOptions {
  /** ANSI colors. */
  color: boolean;
  /** Columns for wrapping prose and drawing rules; 78 when not a terminal. */
  width?: number;
}

export const DEFAULT_WIDTH = 78;

type LegendKey = "create" | "update" | "delete" | "delete-create" | "create-delete" | "read" | "forget";

function legendKey(rc: ResourceChange): LegendKey | undefined {
  switch (rc.action) {
    case "create":
    case "update":
    case "delete":
    case "read":
    case "forget":
      return rc.action;
    case "replace":
      return rc.createBeforeDestroy ? "create-delete" : "delete-create";
    case "no-op":
      return undefined;
  }
}

const LEGEND_ORDER: readonly LegendKey[] = ["create", "update", "delete", "delete-create", "create-delete", "read", "forget"];

function legendLine(k: LegendKey, s: Style): string {
  switch (k) {
    case "create":
      return `  ${s.green("+")} create`;
    case "update":
      return `  ${s.yellow("~")} update in-place`;
    case "delete":
      return `  ${s.red("-")} destroy`;
    case "delete-create":
      return `${s.red("-")}/${s.green("+")} destroy and then create replacement`;
    case "create-delete":
      return `${s.green("+")}/${s.red("-")} create replacement and then destroy`;
    case "read":
      return ` ${s.cyan("<=")} read (data resources)`;
    case "forget":
      return `  ${s.red(".")} forget (stop managing, keep the remote object)`;
  }
}

export function horizontalRule(width: number, s: Style): string {
  return `\n${s.dim("─".repeat(Math.max(width - 1, 1)))}`;
}

function driftSection(plan: Plan, drift: readonly ResourceChange[], s: Style, width: number): string {
  let out = `\n${s.bold(`${s.cyan("Note:")} Objects have changed outside of backplan`)}\n\n`;
  out += `${wordWrap('backplan detected the following changes made outside of backplan since the last "backplan apply" which may have affected this plan:', width)}\n`;
  for (const d of drift) out += `\n${renderResourceChange(d, "drift", s)}\n`;
  const closing =
    plan.mode === "refresh-only"
      ? "This is a refresh-only plan, so backplan will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the backplan state without changing any remote objects."
      : "Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.";
  out += `\n\n${wordWrap(closing, width)}\n`;
  return out;
}

/** Lines of the "Changes to Outputs:" section (no trailing newline), or "" when no output changes. */
export function renderOutputChanges(outputs: readonly OutputChange[], s: Style): string {
  const changed = [...outputs].filter((o) => o.action !== "no-op").sort((a, b) => compareStrings(a.name, b.name));
  if (changed.length === 0) return "";
  const width = Math.max(...changed.map((o) => attributeKey(o.name).length));
  return changed
    .map((o) => {
      const mark = (pv: OutputChange["before"]) => (pv && o.sensitive ? { ...pv, sensitive: true } : pv);
      const diff = diffValues(rootNode(mark(o.before)), rootNode(mark(o.after)));
      const action = o.action === "create" ? "create" : o.action === "delete" ? "delete" : "update";
      return `${diffSymbol(action, s)} ${attributeKey(o.name).padEnd(width)} = ${renderDiff(diff, 0, renderOptions(s))}`;
    })
    .join("\n");
}

function noChanges(plan: Plan, haveDrift: boolean, s: Style, width: number): string {
  const rule = haveDrift ? `${horizontalRule(width, s)}\n` : "";
  if (plan.errored) {
    return `${rule}\n${s.bold(`${s.red("Planning failed.")} backplan encountered an error while generating this plan.`)}\n\n`;
  }
  switch (plan.mode) {
    case "refresh-only":
      if (haveDrift) return "";
      return (
        `\n${s.bold(`${s.green("No changes.")} Your infrastructure still matches the configuration.`)}\n\n` +
        `${wordWrap("backplan has checked that the real remote objects still match the result of your most recent changes, and found no differences.", width)}\n`
      );
    case "destroy":
      return (
        `${rule}\n${s.bold(`${s.green("No changes.")} No objects need to be destroyed.`)}\n\n` +
        `${wordWrap("Either you have not created any objects yet or the existing objects were already deleted outside of backplan.", width)}\n`
      );
    case "normal": {
      let out = `${rule}\n${s.bold(`${s.green("No changes.")} Your infrastructure matches the configuration.`)}\n\n`;
      if (!haveDrift) {
        return `${out}${wordWrap("backplan has compared your real infrastructure against your configuration and found no differences, so no changes are needed.", width)}\n`;
      }
      out += isApplyable(plan)
        ? wordWrap(
            "Your configuration already matches the changes detected above, so applying this plan will only update the state to include the changes detected above and won't change any real infrastructure.",
            width,
          )
        : `${wordWrap("Your configuration already matches the changes detected above. If you'd like to update the backplan state to match, create and apply a refresh-only plan:", width)}\n  backplan apply -refresh-only`;
      return `${out}\n`;
    }
  }
}

/**
 * Renders a whole plan: drift ("Objects have changed outside of backplan", only what may have affected the plan,
 * by Terraform's rule: see `shownDrift`), the legend, each change, the `Plan:` line (Terraform's
 * counting: a replacement is one add and one destroy), output changes, or the "No changes." message.
 */
export function renderPlanText(plan: Plan, options: PlanTextOptions): string {
  const s = styleFor(options.color);
  const width = options.width ?? DEFAULT_WIDTH;
  const drift = shownDrift(plan);
  const haveDrift = drift.length > 0;
  let out = haveDrift ? driftSection(plan, drift, s, width) : "";

  // Filtered before sorting: a no-op plan of 100,000 instances sorted them all to show none.
  const shown = sortedChanges(plan.changes.filter(isShown));
  const legend = new Set<LegendKey>();
  for (const rc of shown) {
    const k = legendKey(rc);
    if (k) legend.add(k);
  }
  const outputs = renderOutputChanges(plan.outputs, s);

  // A failed plan with no resource changes is only a failure (Terraform does not list its output changes either).
  if (shown.length === 0 && (outputs === "" || plan.errored)) return out + noChanges(plan, haveDrift, s, width);
  if (haveDrift) out += `${horizontalRule(width, s)}\n`;

  if (legend.size > 0) {
    out += `${wordWrap("\nbackplan used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:", width)}\n`;
    for (const k of LEGEND_ORDER) if (legend.has(k)) out += `${legendLine(k, s)}\n`;
  }
  if (shown.length > 0) {
    out += plan.errored
      ? "\nbackplan planned the following actions, but then encountered a problem:\n"
      : "\nbackplan will perform the following actions:\n";
    for (const rc of shown) out += `\n${renderResourceChange(rc, "change", s)}\n`;
    const counts = reviewCounts({ ...plan, changes: shown });
    out += `\n${s.bold("Plan:")} ${terraformCountsText(counts)}\n`;
  }
  if (outputs !== "") {
    out += `\nChanges to Outputs:\n${outputs}\n`;
    if (legend.size === 0 && !plan.errored) {
      out += `${wordWrap("\nYou can apply this plan to save these new output values to the backplan state, without changing any real infrastructure.", width)}\n`;
    }
  }
  return out;
}

/**
 * What `plan` prints after the plan: how to apply exactly it (`savedTo`: the -out path), or the warning that an
 * unsaved plan may differ from what apply will do. Empty when the plan has nothing to apply.
 */
export function planFooter(plan: Plan, options: PlanTextOptions & { savedTo?: string }): string {
  if (!isApplyable(plan)) return "";
  const s = styleFor(options.color);
  const width = options.width ?? DEFAULT_WIDTH;
  if (options.savedTo !== undefined) {
    const quoted = JSON.stringify(options.savedTo);
    return `${horizontalRule(width, s)}\n\nSaved the plan to: ${options.savedTo}\n\nTo perform exactly these actions, run the following command to apply:\n    backplan apply ${quoted}\n`;
  }
  return `${horizontalRule(width, s)}\n\n${wordWrap(`Note: You didn't use the -out option to save this plan, so backplan can't guarantee to take exactly these actions if you run "backplan apply" now.`, width)}\n`;
}

