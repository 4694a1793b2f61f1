/** What a plan does to one resource instance. */
export type Action = "no-op" | "create" | "read" | "update" | "replace" | "delete" | "forget";

export function isReplace(a: Action): boolean {
  return a === "replace";
}

/** Terraform's `actions` array for plan JSON (`["delete","create"]` for a destroy-then-create replace). */
export function terraformActions(a: Action, createBeforeDestroy: boolean): string[] {
  switch (a) {
    case "replace":
      return createBeforeDestroy ? ["create", "delete"] : ["delete", "create"];
    case "no-op":
    case "create":
    case "read":
    case "update":
    case "delete":
    case "forget":
      return [a];
    default:
      return assertNever(a);
  }
}

/** Why an instance gets its action, in Terraform's `action_reason` vocabulary. */
export type ActionReason =
  | "replace_because_cannot_update"
  | "replace_because_tainted"
  | "replace_by_request"
  | "replace_by_triggers"
  | "delete_because_no_resource_config"
  | "delete_because_wrong_repetition"
  | "delete_because_count_index"
  | "delete_because_each_key"
  | "delete_because_no_module"
  | "delete_because_no_move_target"
  | "read_because_config_unknown"
  | "read_because_dependency_pending";

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
