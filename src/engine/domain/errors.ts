/**
 * What went wrong in a domain operation, independent of any wire format. Each API family maps the kind onto
 * its own error shape (ZStack `SYS.1007`, CSBS `CSBS.3000`, Keystone 401...).
 */
export type DomainErrorKind =
  | "invalid_argument" // the caller sent something wrong; `field` names it
  | "not_found" // a referenced object does not exist
  | "conflict" // the object is in a state that forbids the operation
  | "permission_denied" // authenticated, but not allowed
  | "unauthenticated" // no or bad credentials, expired session
  | "timeout"
  | "internal";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** The request field (wire name) the error is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function invalidArgument(field: string, message: string): DomainError {
  return new DomainError("invalid_argument", message, field);
}

export function notFound(what: string, uuid: string): DomainError {
  return new DomainError("not_found", `${what}[uuid:${uuid}] is not found`);
}

export function conflict(message: string): DomainError {
  return new DomainError("conflict", message);
}
