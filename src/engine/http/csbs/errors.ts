import { DomainError } from "../../domain/errors.js";
import { CsbsError, type CsbsReason } from "../../domain/csbs/errors.js";
import { BodyError } from "../body.js";
import type { HttpResponse } from "../router.js";

/**
 * Which error shape a route answers with:
 * - `csbs`: `{"error_code": "CSBS.xxxx", "error_msg": "..."}` (CSBS-only routes);
 * - `karbor`: Karbor's fault `{"badRequest": {"code": 400, "message": "..."}}` (Karbor-only routes);
 * - `shared`: both at once, the Karbor fault first — python-karborclient reads the first value of the body as
 *   the fault, CSBS clients read `error_code`/`error_msg` (routes both APIs share: create/delete checkpoint);
 * - `keystone`: `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`.
 */
export type Dialect = "csbs" | "karbor" | "shared" | "keystone";

interface WireError {
  status: number;
  code: string; // CSBS error_code
  message: string;
}

const BY_REASON: Record<CsbsReason, { status: number; code: string }> = {
  invalid_parameter: { status: 400, code: "CSBS.9001" },
  provider_invalid: { status: 400, code: "CSBS.9001" },
  server_not_found: { status: 400, code: "CSBS.6000" },
  resource_type_unsupported: { status: 400, code: "CSBS.6003" },
  plan_not_found: { status: 404, code: "CSBS.3000" },
  checkpoint_not_found: { status: 404, code: "CSBS.3001" },
  checkpoint_item_not_found: { status: 404, code: "CSBS.3001" },
  not_found: { status: 404, code: "CSBS.3001" },
  // CSBS documents 1001 and 6032 as 500; a client mistake is not a server fault, so the engine answers 400.
  policy_executing: { status: 400, code: "CSBS.1001" },
  plan_has_no_resource: { status: 400, code: "CSBS.6032" },
  item_in_executing: { status: 400, code: "CSBS.2003" },
  plan_not_suspended: { status: 400, code: "CSBS.9001" },
  duplicate_name: { status: 400, code: "CSBS.9007" },
  // Authentication is answered by the API gateway in front of CSBS on public clouds, with APIGW codes.
  bad_credentials: { status: 401, code: "APIGW.0301" },
  token_invalid: { status: 401, code: "APIGW.0301" },
  project_forbidden: { status: 403, code: "APIGW.0302" },
  token_forbidden: { status: 403, code: "APIGW.0302" },
  // The API gateway's throttling answer.
  too_many_attempts: { status: 429, code: "APIGW.0308" },
};

const KARBOR_FAULT: Record<number, string> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
};

const KEYSTONE_TITLE: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

/** Maps anything a handler threw onto the wire: known errors keep their status, the rest is a logged 500. */
export function toWireError(e: unknown): WireError {
  if (e instanceof CsbsError) {
    const { status, code } = BY_REASON[e.reason];
    return { status, code, message: withField(e) };
  }
  if (e instanceof DomainError) {
    switch (e.kind) {
      case "invalid_argument":
      case "conflict":
        return { status: 400, code: "CSBS.9001", message: withField(e) };
      case "not_found":
        return { status: 404, code: "CSBS.3001", message: e.message };
      case "permission_denied":
        return { status: 403, code: "APIGW.0302", message: e.message };
      case "unauthenticated":
        return { status: 401, code: "APIGW.0301", message: e.message };
      case "timeout":
      case "internal":
        return { status: 500, code: "CSBS.9999", message: e.message };
    }
  }
  if (e instanceof BodyError) {
    // Oversized, malformed and non-object bodies are all the client's to fix: 400, never 413/500.
    return { status: 400, code: "CSBS.9001", message: `request body: ${e.message}` };
  }
  console.error("backplan engine: csbs handler failed", e);
  return { status: 500, code: "CSBS.9999", message: `request failed: ${String(e)}` };
}

export function errorResponse(e: unknown, dialect: Dialect): HttpResponse {
  return renderError(toWireError(e), dialect);
}

export function renderError(w: WireError, dialect: Dialect): HttpResponse {
  const fault = KARBOR_FAULT[w.status] ?? "computeFault";
  switch (dialect) {
    case "csbs":
      return { status: w.status, json: { error_code: w.code, error_msg: w.message } };
    case "karbor":
      return { status: w.status, json: { [fault]: { code: w.status, message: w.message } } };
    case "shared":
      return { status: w.status, json: { [fault]: { code: w.status, message: w.message }, error_code: w.code, error_msg: w.message } };
    case "keystone":
      return {
        status: w.status,
        headers: w.status === 401 ? { "www-authenticate": 'Keystone uri="/v3"' } : {},
        json: { error: { code: w.status, title: KEYSTONE_TITLE[w.status] ?? "Error", message: w.message } },
      };
  }
}

function withField(e: DomainError): string {
  return e.field && !e.message.includes(e.field) ? `${e.field}: ${e.message}` : e.message;
}
