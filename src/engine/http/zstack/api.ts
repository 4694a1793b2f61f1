import type { z } from "zod";
import type { EngineContext } from "../../context.js";
import type { Principal } from "../../domain/accounts.js";
import { isZStackUuid, newZStackUuid } from "../../domain/ids.js";
import type { EngineServices } from "../../domain/services.js";
import { readJsonObject } from "../body.js";
import type { HttpRequest, HttpResponse, Router } from "../router.js";
import { authenticate } from "./auth.js";
import { failure, requestErrorResponse, RequestError, toJobError } from "./errors.js";
import { parseParams, unwrap } from "./envelope.js";
import { nodeZoneOf } from "./request-date.js";

export const ZSTACK = "/zstack/v1";

/** Default `apiTimeout` of a job, in ms, when the client sends no `X-API-Timeout` (seconds). */
export const DEFAULT_API_TIMEOUT_MS = 1_800_000;

export interface Api {
  readonly router: Router;
  readonly ctx: EngineContext;
  readonly services: EngineServices;
}

/**
 * Registers a synchronous GET API under /zstack/v1. Bad credentials are answered as ZStack does (400/403 plain
 * text, or 503 ID.1001); `run` may throw RequestError (400) or DomainError (503 with the error object).
 */
export function getApi(api: Api, pattern: string, run: (req: HttpRequest, principal: Principal) => HttpResponse | Promise<HttpResponse>): void {
  api.router.add("GET", ZSTACK + pattern, async (req) => {
    const auth = authenticate(req, api.services.accounts, api.ctx.clock, nodeZoneOf(api.ctx.options.timeZone));
    if (auth.kind === "rejected") return auth.response;
    if (auth.kind === "invalid") return failure(auth.error);
    try {
      return await run(req, auth.principal);
    } catch (e) {
      return requestErrorResponse(e) ?? failure(e);
    }
  });
}

export interface AsyncSpec<S extends z.ZodType, Q> {
  /** ZStack's API name, recorded with the job. */
  apiName: string;
  /**
   * The action's lowerCamel name (`updateCdpTask`): the body key of a PUT action, as RestServer reads it. POST
   * APIs (creates, enable/disable) take `params` whatever their name.
   */
  actionName?: string;
  /** Schema of the wrapped parameters; omit for APIs without a body (DELETE). */
  params?: S;
  /** Parses query-string parameters (DELETE's `deleteMode`...); throw RequestError for bad ones. */
  query?: (q: URLSearchParams) => Q;
  /** The operation; resolves to the job's success body (`{"inventory": ...}`, `{}`...). */
  run: (input: { params: z.infer<S>; query: Q; req: HttpRequest; principal: Principal; signal: AbortSignal }) => Promise<unknown>;
}

/**
 * Registers an asynchronous ZStack API: after auth and input checks it records a job, answers
 * `202 {"location", "apiTimeout"}` and runs the operation in the background. Input errors (malformed JSON,
 * unknown/mistyped/missing fields, oversized body, bad X-Job-UUID) are 4xx plain text and create no job;
 * an invalid or expired session creates a job that fails with ID.1001, as on ZStack.
 */
export function asyncApi<S extends z.ZodType, Q = undefined>(api: Api, method: "POST" | "PUT" | "DELETE", pattern: string, spec: AsyncSpec<S, Q>): void {
  api.router.add(method, ZSTACK + pattern, async (req) => {
    const auth = authenticate(req, api.services.accounts, api.ctx.clock, nodeZoneOf(api.ctx.options.timeZone));
    if (auth.kind === "rejected") return auth.response;
    let jobUuid: string;
    let params: z.infer<S>;
    let query: Q;
    let apiTimeoutMs: number;
    let tagsOf: { systemTags: string[]; userTags: string[] } = { systemTags: [], userTags: [] };
    try {
      jobUuid = jobUuidOf(req);
      apiTimeoutMs = apiTimeoutOf(req);
      query = spec.query ? spec.query(req.query) : (undefined as Q);
      if (spec.params) {
        const envelope = unwrap(await readJsonObject(req.raw), method === "PUT" && spec.actionName ? spec.actionName : "params");
        params = parseParams(envelope, spec.params);
        tagsOf = envelope;
      } else {
        params = undefined as z.infer<S>;
      }
    } catch (e) {
      const response = requestErrorResponse(e);
      if (response) return response;
      throw e;
    }
    // Checked right before the job is recorded, with no await in between, so two racing requests cannot both pass.
    if (api.services.jobs.has(jobUuid)) return { status: 400, text: `Duplicate job uuid[${jobUuid}]` };
    api.services.jobs.start(
      jobUuid,
      spec.apiName,
      apiTimeoutMs,
      async (signal) => {
        if (auth.kind !== "ok") throw auth.error;
        const out = await spec.run({ params, query, req, principal: auth.principal, signal });
        // The tags a create was given stay with what it made, for `__systemTag__`/`__userTag__` queries.
        const made = out !== null && typeof out === "object" ? (out as { inventory?: { uuid?: unknown } }).inventory?.uuid : undefined;
        if (typeof made === "string") api.services.tags.attach(made, tagsOf.systemTags, tagsOf.userTags);
        return out;
      },
      toJobError,
    );
    return { status: 202, json: { location: `${req.origin}${ZSTACK}/api-jobs/${jobUuid}`, apiTimeout: apiTimeoutMs } };
  });
}

function jobUuidOf(req: HttpRequest): string {
  const given = req.headers["x-job-uuid"];
  if (given === undefined) return newZStackUuid();
  const text = Array.isArray(given) ? given[0]! : given;
  if (!isZStackUuid(text)) throw new RequestError(400, `Invalid header X-Job-UUID: '${text}' is not a 32-character lowercase hex uuid`);
  return text;
}

function apiTimeoutOf(req: HttpRequest): number {
  const given = req.headers["x-api-timeout"];
  if (given === undefined) return DEFAULT_API_TIMEOUT_MS;
  const text = Array.isArray(given) ? given[0]! : given;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new RequestError(400, `Invalid header X-API-Timeout: '${text}' must be a positive number of seconds`);
  return Number(text) * 1000;
}

/** Reads `deleteMode` (Permissive | Enforcing, default Permissive) of a DELETE. */
export function deleteModeOf(q: URLSearchParams): "Permissive" | "Enforcing" {
  const mode = q.get("deleteMode") ?? "Permissive";
  if (mode !== "Permissive" && mode !== "Enforcing") throw new RequestError(400, `Invalid query parameter. 'deleteMode' must be Permissive or Enforcing, got '${mode}'`);
  return mode;
}

/** Reads an optional boolean query parameter. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  if (v !== "true" && v !== "false") throw new RequestError(400, `Invalid query parameter. '${name}' must be true or false`);
  return v === "true";
}

/** Reads DeleteVmBackup's / DeleteVolumeBackup's `backupStorageUuids` (repeated or comma-separated; non-empty when given). */
export function backupStorageUuidsOf(q: URLSearchParams): string[] | undefined {
  const raw = q.getAll("backupStorageUuids").flatMap((v) => v.split(","));
  if (q.has("backupStorageUuids") && raw.filter(Boolean).length === 0) {
    throw new RequestError(400, "Invalid query parameter. 'backupStorageUuids' must not be empty when given");
  }
  return raw.length ? raw.filter(Boolean) : undefined;
}
