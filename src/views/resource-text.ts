import { assertNever } from "../plan/action.js";
import type { ResourceChange } from "../plan/plan.js";
import { rootNode } from "./encoding.js";
import { formatIndexKey } from "./paths.js";
import type { Style } from "./style.js";
import { diffValues, replaceSet } from "./value-diff.js";
import { renderObjectBody, renderOptions } from "./value-render.js";

/**
 * One resource instance in Terraform's human plan layout: the `# address will be ...` comment with its reason
 * lines, then `<symbol> resource "type" "name" { ...attribute diff... }`.
 */

/** Whether the change is what the plan will do, or what was found to have changed outside backplan. */
export type ChangeCause = "change" | "drift";

/** The resource-level symbol (three characters). */
export function resourceSymbol(rc: ResourceChange, style: Style): string {
  switch (rc.action) {
    case "create":
      return `  ${style.green("+")}`;
    case "delete":
      return `  ${style.red("-")}`;
    case "update":
      return `  ${style.yellow("~")}`;
    case "replace":
      return rc.createBeforeDestroy ? `${style.green("+")}/${style.red("-")}` : `${style.red("-")}/${style.green("+")}`;
    case "read":
      return ` ${style.cyan("<=")}`;
    case "forget":
      return `  ${style.red(".")}`;
    case "no-op":
      return "   ";
    default:
      return assertNever(rc.action);
  }
}

/** Whether a change is worth showing at all (no-ops only when they move or import something). */
export function isShown(rc: ResourceChange): boolean {
  if (rc.action === "no-op") return isMoved(rc) || rc.importing !== undefined;
  // A data source simply dropping out of state is not news.
  if (rc.action === "delete" && rc.mode === "data") return false;
  return true;
}

export function isMoved(rc: ResourceChange): boolean {
  return rc.previousAddress !== undefined && rc.previousAddress !== rc.address;
}

/** The `# (because ...)` note explaining a deletion, or undefined. */
export function deleteReason(rc: ResourceChange): string | undefined {
  switch (rc.reason) {
    case "delete_because_no_resource_config":
      return `because ${rc.type}.${rc.name} is not in configuration`;
    case "delete_because_no_move_target":
      return `because ${rc.previousAddress ?? "its old address"} was moved to ${rc.address}, which is not in configuration`;
    case "delete_because_no_module":
      return `because ${rc.moduleAddress ?? "its module"} is not in configuration`;
    case "delete_because_wrong_repetition":
      if (rc.index === undefined) return "because resource uses count or for_each";
      return typeof rc.index === "number" ? "because resource does not use count" : "because resource does not use for_each";
    case "delete_because_count_index":
      return `because index ${formatIndexKey(rc.index)} is out of range for count`;
    case "delete_because_each_key":
      return `because key ${formatIndexKey(rc.index)} is not in for_each map`;
    default:
      return undefined;
  }
}

/** Why a replacement happens, in words, for the header (`must be replaced`, `will be replaced, as requested`). */
export function replaceHeadline(rc: ResourceChange, style: Style): string {
  const replaced = style.bold(style.red("replaced"));
  switch (rc.reason) {
    case "replace_because_tainted":
      return `is tainted, so must be ${replaced}`;
    case "replace_by_request":
      return `will be ${replaced}, as requested`;
    case "replace_by_triggers":
      return `will be ${replaced} due to changes in replace_triggered_by`;
    default:
      return `must be ${replaced}`;
  }
}

function readReason(rc: ResourceChange): string | undefined {
  switch (rc.reason) {
    case "read_because_config_unknown":
      return "config refers to values not yet known";
    case "read_because_dependency_pending":
      return "depends on a resource or a module with changes pending";
    default:
      return undefined;
  }
}

/** The comment lines above a resource block (each ends with "\n"). */
export function resourceComment(rc: ResourceChange, cause: ChangeCause, style: Style): string {
  const addr = rc.deposed ? `${rc.address} (deposed object ${rc.deposed})` : rc.address;
  const head = (text: string) => `${style.bold(`  # ${addr}`)} ${text}`;
  const lines: string[] = [];
  let movedSaid = false;
  let importSaid = false;
  switch (rc.action) {
    case "create":
      lines.push(head("will be created"));
      break;
    case "read": {
      lines.push(head("will be read during apply"));
      const why = readReason(rc);
      if (why) lines.push(`  # (${why})`);
      break;
    }
    case "update":
      lines.push(head(cause === "drift" ? "has changed" : "will be updated in-place"));
      break;
    case "replace":
      lines.push(head(replaceHeadline(rc, style)));
      break;
    case "delete": {
      lines.push(head(cause === "drift" ? "has been deleted" : `will be ${style.bold(style.red("destroyed"))}`));
      const why = deleteReason(rc);
      if (why) lines.push(`  # (${why})`);
      if (rc.deposed) lines.push("  # (left over from a partially-failed replacement of this instance)");
      break;
    }
    case "forget":
      lines.push(head(`will no longer be managed by backplan, but ${style.bold(style.red("will not be destroyed"))}`));
      lines.push("  # (destroy = false is set in the configuration)");
      break;
    case "no-op":
      if (isMoved(rc)) {
        lines.push(`${style.bold(`  # ${rc.previousAddress}`)} has moved to ${style.bold(addr)}`);
        movedSaid = true;
      } else if (rc.importing) {
        lines.push(head("will be imported"));
        importSaid = true;
      } else {
        lines.push(head("is unchanged"));
      }
      break;
    default:
      return assertNever(rc.action);
  }
  if (isMoved(rc) && !movedSaid) lines.push(`  # (moved from ${rc.previousAddress})`);
  if (rc.importing && !importSaid) lines.push(`  # (imported from ${JSON.stringify(rc.importing.id)})`);
  if (rc.importing && rc.action === "replace") lines.push(`  # ${style.yellow("Warning: this will destroy the imported resource")}`);
  return lines.map((l) => `${l}\n`).join("");
}

export function resourceHeader(rc: ResourceChange): string {
  return `${rc.mode === "data" ? "data" : "resource"} ${JSON.stringify(rc.type)} ${JSON.stringify(rc.name)}`;
}

/**
 * The whole rendering of one change: comment lines, then the block with its attribute-level diff. Sensitive values
 * print as `(sensitive value)`; unknown ones as `(known after apply)`.
 */
export function renderResourceChange(rc: ResourceChange, cause: ChangeCause, style: Style): string {
  const o = renderOptions(style);
  // A forgotten object stays as it is: show it unchanged rather than as a removal.
  const after = rc.action === "forget" ? rc.before : rc.after;
  const diff = diffValues(rootNode(rc.before), rootNode(after), replaceSet(rc.replacePaths));
  const attributes = diff.kind === "object" ? diff.attributes : [];
  const body = renderObjectBody(attributes, "no-op", false, 0, { ...o, showUnchanged: rc.importing !== undefined }, true);
  return `${resourceComment(rc, cause, style)}${resourceSymbol(rc, style)} ${resourceHeader(rc)} ${body}`;
}
