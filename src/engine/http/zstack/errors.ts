import { ZodError } from "zod";
import { DomainError, type DomainErrorKind } from "../../domain/errors.js";
import type { JobError } from "../../domain/jobs.js";
import { BodyError } from "../body.js";
import type { HttpResponse } from "../router.js";

/** ZStack's `ErrorCode` as it travels in `{"error": ...}`; null-valued reserved fields are left out, as Gson does. */
export interface ZStackError {
  code: string;
  description: string;
  details: string;
}

/** The ZStack code and its fixed description for each kind of domain failure (research §1.4). */
const CODES: Record<DomainErrorKind, { code: string; description: string }> = {
  invalid_argument: { code: "SYS.1007", description: "One or more API argument is invalid" },
  not_found: { code: "SYS.1003", description: "Resource not found" },
  conflict: { code: "SYS.1006", description: "Operation failure" },
  permission_denied: { code: "ID.1002", description: "Permission denied" },
  unauthenticated: { code: "ID.1001", description: "Invalid session, the session doesn't exist or has expired" },
  timeout: { code: "SYS.1001", description: "A message or a operation timeout" },
  internal: { code: "SYS.1000", description: "An internal error happened in system" },
};

export function zstackError(e: JobError): ZStackError {
  const { code, description } = CODES[e.kind];
  return { code, description, details: e.message };
}

/** Turns anything thrown by domain code into a job error; unexpected errors become `internal`. */
export function toJobError(e: unknown): JobError {
  if (e instanceof DomainError) return { kind: e.kind, message: e.message, ...(e.field ? { field: e.field } : {}) };
  if (e instanceof Error && e.name === "AbortError") return { kind: "internal", message: "the backup engine is shutting down; the operation was abandoned" };
  return { kind: "internal", message: e instanceof Error ? e.message : String(e) };
}

/** A synchronous API failure: 503 with the error object (how ZStack answers failed GETs and logins). */
export function failure(e: unknown): HttpResponse {
  return { status: 503, json: { error: zstackError(toJobError(e)) } };
}

/** A REST-layer rejection: a plain-text 4xx body, as the real RestServer sends for bad requests. */
export function plain(status: number, text: string): HttpResponse {
  return { status, text };
}

/** Thrown by request parsing; answered as a plain-text 4xx before any job exists. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** Maps body-reading and validation errors onto the 4xx answer; other errors are rethrown. */
export function requestErrorResponse(e: unknown): HttpResponse | undefined {
  if (e instanceof RequestError) return plain(e.status, e.message);
  if (e instanceof BodyError) return plain(e.reason === "too_large" ? 413 : 400, e.message);
  if (e instanceof ZodError) return plain(400, describeZodError(e));
  return undefined;
}

/** One line per issue, each naming the field path (`params.maxLatency: expected an integer, got string`). */
export function describeZodError(e: ZodError, prefix = "Invalid request body"): string {
  const lines = e.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => `${path ? `${path}.` : ""}${k}: unknown field`).join("; ");
    }
    if (issue.code === "invalid_type" && (issue as { input?: unknown }).input === undefined) {
      return `${path}: required field is missing`;
    }
    return `${path || "(body)"}: ${issue.message}`;
  });
  return `${prefix}: ${lines.join("; ")}`;
}
