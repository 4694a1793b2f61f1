import { DomainError, type DomainErrorKind } from "../errors.js";

/**
 * Why a CSBS operation failed, finer than `DomainErrorKind`: each wire format (CSBS `error_code`, Karbor fault
 * name, Keystone error) picks its own code from it.
 */
export type CsbsReason =
  | "invalid_parameter"
  | "provider_invalid"
  | "server_not_found"
  | "resource_type_unsupported"
  | "plan_not_found"
  | "checkpoint_not_found"
  | "checkpoint_item_not_found"
  | "not_found"
  | "policy_executing"
  | "plan_has_no_resource"
  | "item_in_executing"
  | "plan_not_suspended"
  | "duplicate_name"
  | "bad_credentials"
  | "token_invalid"
  | "project_forbidden"
  | "token_forbidden"
  | "too_many_attempts";

const KIND_OF: Record<CsbsReason, DomainErrorKind> = {
  invalid_parameter: "invalid_argument",
  provider_invalid: "invalid_argument",
  server_not_found: "invalid_argument",
  resource_type_unsupported: "invalid_argument",
  plan_not_found: "not_found",
  checkpoint_not_found: "not_found",
  checkpoint_item_not_found: "not_found",
  not_found: "not_found",
  policy_executing: "conflict",
  plan_has_no_resource: "conflict",
  item_in_executing: "conflict",
  plan_not_suspended: "conflict",
  duplicate_name: "conflict",
  bad_credentials: "unauthenticated",
  token_invalid: "unauthenticated",
  project_forbidden: "permission_denied",
  token_forbidden: "permission_denied",
  too_many_attempts: "unauthenticated",
};

/** A domain error of the CSBS / Keystone services; `field` names the request field when there is one. */
export class CsbsError extends DomainError {
  constructor(
    readonly reason: CsbsReason,
    message: string,
    field?: string,
  ) {
    super(KIND_OF[reason], message, field);
    this.name = "CsbsError";
  }
}

export function invalidParameter(field: string, message: string): CsbsError {
  return new CsbsError("invalid_parameter", message, field);
}
