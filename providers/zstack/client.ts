import { backoffDelay, POLL_BACKOFF, sleep } from "../http/backoff.js";
import { wasCancelled, type Deadline } from "../http/deadline.js";
import { ApiError, OperationTimeoutError } from "../http/errors.js";
import { asObject } from "../http/json.js";
import { HttpTransport, parseJson, type HttpMethod, type HttpResponse } from "../http/transport.js";
import { accessKeyAuthorization, sha512Hex, type ZStackAuth } from "./auth.js";
import { nodeDate } from "./node-time.js";
import type { ResolvedZStackConfig } from "./config.js";

/** ZStack's "invalid or expired session" code; answered by re-logging in once. */
export const SESSION_EXPIRED = "ID.1001";

export type QueryValue = string | number | boolean | readonly string[];

/** One API call, described relative to the `/zstack/v1` base. */
export interface ZStackCall {
  method: HttpMethod;
  /** Path below `/zstack/v1`, e.g. `/cdp-backup-storage/task`. */
  path: string;
  /** Query parameters; arrays become comma-separated values (ZStack's list syntax). */
  query?: Readonly<Record<string, QueryValue | undefined>>;
  /** `q=` conditions for query APIs, each sent as its own `q` parameter. */
  conditions?: readonly string[];
  /** The JSON body (already wrapped: `{params: ...}` or `{updateCdpTask: ...}`). */
  body?: Readonly<Record<string, unknown>>;
  /**
   * Safe to repeat: reads, updates to a fixed value, deletes, and creates carrying a `resourceUuid`. Defaults to
   * true for GET/PUT/DELETE and false for POST.
   */
  idempotent?: boolean;
}

type JsonObject = Record<string, unknown>;

/**
 * The ZStack REST client: authentication (session login with a SHA-512 password, or AccessKey signing),
 * async-job polling (202 + location) within the caller's deadline, one re-login on an expired session, and
 * errors as ApiError with the API's code plus the call's method and path. Transport retries are the
 * HttpTransport's; ZStack's 503 carrying an error object is a definitive answer and is not retried.
 */
export class ZStackClient {
  readonly transport: HttpTransport;
  private session: Promise<string> | undefined;
  /** Logins performed, for tests and diagnostics. */
  logins = 0;
  /** Async-job polls performed, for tests and diagnostics. */
  jobPolls = 0;

  constructor(readonly config: ResolvedZStackConfig) {
    this.transport = new HttpTransport({
      api: "ZStack",
      maxConcurrency: config.maxConcurrency,
      maxRetries: config.maxRetries,
      isTransient: (res) => res.status !== 503 || TRANSIENT_CODES.has(errorCodeOf(res) ?? "SYS.1012"),
    });
  }

  /** `/zstack/v1/cdp-task` for `/cdp-task`: the path as users see it in error messages. */
  fullPath(path: string): string {
    return `${new URL(this.config.baseUrl).pathname}${path}`;
  }

  /**
   * Performs a call and resolves to its result body (`{inventory}`, `{inventories}`, `{}`...), following an
   * async job to its end. Rejects with ApiError (API failure), OperationTimeoutError (deadline passed while the
   * job still ran, or cancelled) or ConnectionError.
   */
  async call(d: Deadline, call: ZStackCall): Promise<JsonObject> {
    try {
      return await this.callOnce(d, call, false);
    } catch (e) {
      if (e instanceof ApiError && e.code === SESSION_EXPIRED && this.config.auth.kind === "session") {
        this.session = undefined;
        return await this.callOnce(d, call, true);
      }
      throw e;
    }
  }

  /** Runs a query API (`GET /cdp-task?q=...`) and returns its `inventories`. */
  async query(d: Deadline, path: string, conditions: readonly string[], query: ZStackCall["query"] = {}): Promise<JsonObject[]> {
    const out = await this.call(d, { method: "GET", path, conditions, query });
    const inv = out["inventories"];
    if (!Array.isArray(inv)) throw new ApiError("ZStack", "HTTP.200", "query reply has no inventories array", "GET", this.fullPath(path), 200);
    return inv.filter((x): x is JsonObject => x !== null && typeof x === "object");
  }

  /**
   * Fetches the objects whose `field` is one of `values`, in chunks of `chunkSize` (`q=uuid?=a,b,c`), so a
   * refresh of many objects costs one request per chunk.
   */
  async queryIn(d: Deadline, path: string, field: string, values: readonly string[], chunkSize = 100): Promise<JsonObject[]> {
    const unique = [...new Set(values)];
    const out: JsonObject[] = [];
    for (let i = 0; i < unique.length; i += chunkSize) {
      const chunk = unique.slice(i, i + chunkSize);
      const cond = chunk.length === 1 ? `${field}=${chunk[0]}` : `${field}?=${chunk.join(",")}`;
      out.push(...(await this.query(d, path, [cond], { limit: Math.max(1000, chunk.length * 16) })));
    }
    return out;
  }

  /** Closes the connection pool; the client must not be used afterwards. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private async callOnce(d: Deadline, call: ZStackCall, afterRelogin: boolean): Promise<JsonObject> {
    const fullPath = this.fullPath(call.path);
    const idempotent = call.idempotent ?? call.method !== "POST";
    const res = await this.send(
      d,
      { method: call.method, url: this.url(call), apiPath: call.path, ...(call.body ? { body: call.body } : {}), idempotent },
      { method: call.method, fullPath, pending: () => "request still in flight" },
    );
    if (res.status === 202) {
      const body = asObject(parseJson(res.text));
      const location = typeof body?.["location"] === "string" ? body["location"] : undefined;
      if (!location) throw new ApiError("ZStack", "HTTP.202", "accepted without a job location", call.method, fullPath, 202);
      return await this.pollJob(d, call.method, fullPath, location, afterRelogin);
    }
    return this.interpret(res, call.method, fullPath);
  }

  /**
   * Polls a job location until it answers 200 (result) or an error, backing off up to 2 s between polls. A poll
   * answered with an expired session logs in again and keeps polling the same job (the job itself is not
   * repeated); a job that *failed* with an expired session is reported as ID.1001 so `call` may resubmit.
   */
  private async pollJob(d: Deadline, method: string, fullPath: string, location: string, afterRelogin: boolean): Promise<JsonObject> {
    const jobPath = this.jobPath(location);
    const jobUuid = jobPath.split("/").pop() ?? location;
    let relogged = afterRelogin;
    for (let attempt = 0; ; attempt++) {
      this.jobPolls++;
      const res = await this.send(
        d,
        { method: "GET", url: `${this.config.baseUrl}${jobPath}`, apiPath: jobPath, idempotent: true },
        { method, fullPath, pending: () => `async job ${jobUuid} still running after ${attempt} polls` },
      );
      if (res.status === 202) {
        try {
          await sleep(backoffDelay(POLL_BACKOFF, attempt, Math.random()), d.signal);
        } catch {
          throw this.timeout(d, method, fullPath, `async job ${jobUuid} still running after ${attempt + 1} polls`);
        }
        continue;
      }
      if (res.status === 404) {
        throw new ApiError("ZStack", "HTTP.404", `async job ${jobUuid} is unknown or expired: ${res.text.slice(0, 200)}`, method, fullPath, 404);
      }
      try {
        return this.interpret(res, method, fullPath);
      } catch (e) {
        if (e instanceof ApiError && e.code === SESSION_EXPIRED && !relogged && this.config.auth.kind === "session") {
          // Either the poll's own session expired (re-poll) or the job ran with a dead session (re-poll shows it
          // again, and the caller resubmits). Re-polling first never repeats work that may have happened.
          relogged = true;
          this.session = undefined;
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Sends one request with auth headers. `call` names the API call it serves (for a job poll: the call that
   * started the job), so a deadline passing mid-request is reported against that call.
   */
  private async send(
    d: Deadline,
    req: { method: HttpMethod; url: string; apiPath: string; body?: Readonly<Record<string, unknown>>; idempotent: boolean },
    call: { method: string; fullPath: string; pending: () => string },
  ): Promise<HttpResponse> {
    try {
      const headers = await this.authHeaders(d, req.method, req.apiPath);
      if (req.method !== "GET") {
        // Lets the server give up on the job when the caller will have stopped waiting anyway.
        headers["x-api-timeout"] = String(Math.max(1, Math.ceil((d.expiresAt - Date.now()) / 1000)));
      }
      return await this.transport.request({
        method: req.method,
        url: req.url,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        idempotent: req.idempotent,
        signal: d.signal,
      });
    } catch (e) {
      if (d.signal.aborted) throw this.timeout(d, call.method, call.fullPath, call.pending());
      throw e;
    }
  }

  private timeout(d: Deadline, method: string, fullPath: string, what: string): OperationTimeoutError {
    return new OperationTimeoutError("ZStack", method, fullPath, d.timeoutMs, what, wasCancelled(d));
  }

  private interpret(res: HttpResponse, method: string, fullPath: string): JsonObject {
    const body = parseJson(res.text);
    if (res.status >= 200 && res.status < 300) return asObject(body) ?? {};
    const err = asObject(asObject(body)?.["error"]);
    if (err) {
      const code = typeof err["code"] === "string" ? err["code"] : `HTTP.${res.status}`;
      const description = typeof err["description"] === "string" ? err["description"] : "";
      const details = typeof err["details"] === "string" ? err["details"] : "";
      const message = [description, details].filter((s) => s !== "").join(": ") || `HTTP ${res.status}`;
      throw new ApiError("ZStack", code, message, method, fullPath, res.status);
    }
    throw new ApiError("ZStack", `HTTP.${res.status}`, res.text.trim().slice(0, 500) || `HTTP ${res.status}`, method, fullPath, res.status);
  }

  private async authHeaders(d: Deadline, method: string, apiPath: string): Promise<Record<string, string>> {
    const auth: ZStackAuth = this.config.auth;
    switch (auth.kind) {
      case "access_key": {
        const date = nodeDate(new Date(), auth.timeZone);
        return { date, authorization: accessKeyAuthorization(auth.accessKeyId, auth.accessKeySecret, method, date, apiPath) };
      }
      case "session":
        return { authorization: `OAuth ${await this.sessionUuid(d, auth)}` };
      default:
        return assertNever(auth);
    }
  }

  private sessionUuid(d: Deadline, auth: Extract<ZStackAuth, { kind: "session" }>): Promise<string> {
    if (!this.session) {
      const login = this.login(d, auth);
      this.session = login;
      login.catch(() => {
        if (this.session === login) this.session = undefined;
      });
    }
    return this.session;
  }

  private async login(d: Deadline, auth: Extract<ZStackAuth, { kind: "session" }>): Promise<string> {
    this.logins++;
    const path = "/accounts/login";
    const res = await this.transport.request({
      method: "PUT",
      url: `${this.config.baseUrl}${path}`,
      body: JSON.stringify({ logInByAccount: { accountName: auth.accountName, password: sha512Hex(auth.password) } }),
      idempotent: true,
      signal: d.signal,
    });
    const out = this.interpret(res, "PUT", this.fullPath(path));
    const uuid = asObject(out["inventory"])?.["uuid"];
    if (typeof uuid !== "string") throw new ApiError("ZStack", "HTTP.200", "login reply has no session uuid", "PUT", this.fullPath(path), res.status);
    return uuid;
  }

  private url(call: ZStackCall): string {
    const params = new URLSearchParams();
    for (const c of call.conditions ?? []) params.append("q", c);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined) continue;
      params.append(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    const qs = params.toString();
    return `${this.config.baseUrl}${call.path}${qs ? `?${qs}` : ""}`;
  }

  /**
   * The job's path below the base. The server builds `location` from its own idea of its address, which may
   * not be reachable from here (proxies, NAT), so only the part after `/v1` is kept, as ZStack's Go SDK does.
   */
  private jobPath(location: string): string {
    const i = location.indexOf("/v1/api-jobs/");
    return i >= 0 ? location.slice(i + 3) : `/api-jobs/${location.split("/").pop() ?? location}`;
  }
}

/**
 * ZStack answers business failures with 503 + an error object, which repeating cannot fix; these codes say the
 * management node was momentarily unable to serve, so they (and a 503 without an error object) are retried.
 */
const TRANSIENT_CODES = new Set(["SYS.1010", "SYS.1011", "SYS.1012"]); // not ready, undeliverable, node unavailable

function errorCodeOf(res: HttpResponse): string | undefined {
  const code = asObject(asObject(parseJson(res.text))?.["error"])?.["code"];
  return typeof code === "string" ? code : undefined;
}

/** Marks a switch as exhaustive: adding a variant becomes a compile error here. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
