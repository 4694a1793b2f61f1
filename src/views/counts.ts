import { countChanges, type ChangeCounts, type Plan, type ResourceChange } from "../plan/plan.js";
import { compareStrings } from "./encoding.js";
import { isMoved } from "./resource-text.js";

/**
 * The counts reviewers see. Data sources dropping out of state are not counted as destroys (Terraform does not
 * show them either); moves are counted separately because a move alone changes nothing remote.
 */
export interface ReviewCounts extends ChangeCounts {
  move: number;
  /** Root outputs whose value changes. */
  outputs: number;
}

export function reviewCounts(plan: Plan): ReviewCounts {
  const counted = plan.changes.filter((c) => !(c.action === "delete" && c.mode === "data"));
  return {
    ...countChanges(counted),
    move: plan.changes.filter(isMoved).length,
    outputs: plan.outputs.filter((o) => o.action !== "no-op").length,
  };
}

/**
 * Terraform's summary line, which folds a replacement into one add plus one destroy:
 * `Plan: [N to import, ]N to add, N to change, N to destroy[, N to forget].` (the shape Atlantis and friends parse).
 */
export function terraformPlanLine(c: ChangeCounts): string {
  return `Plan: ${terraformCountsText(c)}`;
}

/** The counting part of `terraformPlanLine` (`1 to add, 0 to change, 1 to destroy.`). */
export function terraformCountsText(c: ChangeCounts): string {
  const parts: string[] = [];
  if (c.import > 0) parts.push(`${c.import} to import`);
  parts.push(`${c.add + c.replace} to add`, `${c.change} to change`, `${c.destroy + c.replace} to destroy`);
  if (c.forget > 0) parts.push(`${c.forget} to forget`);
  return `${parts.join(", ")}.`;
}

/**
 * backplan's review line, which names replacements on their own: `Plan: 2 to add, 1 to change, 1 to replace,
 * 1 to destroy.` with `N to import` first and `N to forget`, `N to move`, `N to read` last when non-zero.
 */
export function reviewPlanLine(c: ReviewCounts): string {
  const parts: string[] = [];
  if (c.import > 0) parts.push(`${c.import} to import`);
  parts.push(`${c.add} to add`, `${c.change} to change`, `${c.replace} to replace`, `${c.destroy} to destroy`);
  if (c.forget > 0) parts.push(`${c.forget} to forget`);
  if (c.move > 0) parts.push(`${c.move} to move`);
  if (c.read > 0) parts.push(`${c.read} to read`);
  return `Plan: ${parts.join(", ")}.`;
}

/** Changes in the order every view lists them: by address (Terraform's order), deposed objects after current. */
export function sortedChanges(changes: readonly ResourceChange[]): ResourceChange[] {
  return [...changes].sort((a, b) => {
    if (a.address !== b.address) return compareStrings(a.address, b.address);
    return compareStrings(a.deposed ?? "", b.deposed ?? "");
  });
}
