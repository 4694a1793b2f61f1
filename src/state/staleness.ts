/**
 * Whether a saved plan still applies to the current state, by the rule Terraform uses: the state a plan was
 * made from is identified by its lineage and serial. A plan made when there was no state file records lineage
 * "" and is checked by serial alone (the first apply gives the state its lineage).
 */

export interface StateStamp {
  /** "" when the plan was made with no state file. */
  lineage: string;
  serial: number;
}

export type StampCheck =
  | { ok: true }
  | { ok: false; kind: "lineage_mismatch" | "stale"; summary: string; detail: string };

export function checkPlanStamp(planned: StateStamp, current: StateStamp): StampCheck {
  if (planned.lineage !== "" && planned.lineage !== current.lineage) {
    return {
      ok: false,
      kind: "lineage_mismatch",
      summary: "Saved plan does not match the given state",
      detail: `The given plan file can not be applied because it was created from a different state lineage (plan: ${planned.lineage}, state: ${current.lineage || "none"}).`,
    };
  }
  if (planned.serial !== current.serial) {
    return {
      ok: false,
      kind: "stale",
      summary: "Saved plan is stale",
      detail: `The given plan file can no longer be applied because the state was changed by another operation after the plan was created (plan made at serial ${planned.serial}, state is at serial ${current.serial}).`,
    };
  }
  return { ok: true };
}
