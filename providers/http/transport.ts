import type { Agent } from "undici";
import { backoffDelay, RETRY_BACKOFF, retryAfterMs, sleep, type BackoffPolicy } from "./backoff.js";
import { ConnectionError, type ApiName } from "./errors.js";
import { Semaphore } from "./semaphore.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "HEAD";

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL, query string included. */
  url: string;
  headers?: Record<string, string>;
  /** Serialized JSON (or other text) body. */
  body?: string;
  /**
   * Whether repeating the request cannot do harm: GET/PUT-style reads and replaces, DELETE, and creates carrying a
   * client-chosen id. Only idempotent requests are retried after a 429/5xx or a broken connection.
   */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  text: string;
}

export interface TransportOptions {
  api: ApiName;
  /** Requests in flight at once (also the pool's connection count). Default 8. */
  maxConcurrency?: number;
  /** Attempts after the first one. Default 4. */
  maxRetries?: number;
  backoff?: BackoffPolicy;
  /**
   * Whether a 429/5xx answer is transient. Default: every 429 and 5xx. APIs that use 503 for business
   * failures (ZStack) narrow this so a definitive error is not repeated.
   */
  isTransient?(res: HttpResponse): boolean;
  /** Source of randomness for jitter, [0, 1). Default Math.random. */
  random?(): number;
  connectTimeoutMs?: number;
}

/** A server's Retry-After is honoured up to this long; beyond it the caller's timeout is the better judge. */
const RETRY_AFTER_CAP_MS = 60_000;

/** Connection failures after which the request certainly never reached the server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** Connection failures where the server may or may not have acted. */
const MAYBE_SENT = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ETIMEDOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * One API's HTTP connection: a keep-alive undici pool, a bound on concurrent requests, and retries with
 * exponential backoff and jitter. Non-2xx answers are returned, not thrown (the API client interprets bodies);
 * only connection failures that outlive the retries throw a ConnectionError, and an abort rejects with the
 * signal's reason.
 */
export class HttpTransport {
  /** Created on the first request: loading undici costs a plan that never calls an API (terraform_data only) ~0.1 s. */
  private agent: Promise<{ agent: Agent; request: typeof import("undici").request }> | undefined;
  private readonly gate: Semaphore;
  private readonly maxRetries: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly isTransient: (res: HttpResponse) => boolean;
  /** How many attempts were retried, for tests and diagnostics. */
  retries = 0;
  /** How many HTTP requests were sent (retries included), for tests and diagnostics. */
  requests = 0;

  constructor(readonly options: TransportOptions) {
    this.gate = new Semaphore(options.maxConcurrency ?? 8);
    this.maxRetries = options.maxRetries ?? 4;
    this.backoff = options.backoff ?? RETRY_BACKOFF;
    this.random = options.random ?? Math.random;
    this.isTransient = options.isTransient ?? ((r) => r.status === 429 || r.status >= 500);
  }

  /** Requests in flight right now (≤ maxConcurrency). */
  get inFlight(): number {
    return this.gate.inFlight;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.maxRetries;
      let res: HttpResponse;
      try {
        res = await this.gate.run(() => this.once(req));
      } catch (e) {
        if (req.signal?.aborted) throw req.signal.reason;
        const code = errorCode(e);
        const retriable = NOT_SENT.has(code) || (req.idempotent && MAYBE_SENT.has(code));
        if (!retriable || !canRetry) throw new ConnectionError(this.options.api, req.method, req.url, code, { cause: e });
        await this.pause(attempt, undefined, req.signal);
        continue;
      }
      if (req.idempotent && canRetry && (res.status === 429 || res.status >= 500) && this.isTransient(res)) {
        await this.pause(attempt, retryAfterMs(res.headers["retry-after"], Date.now()), req.signal);
        continue;
      }
      return res;
    }
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).agent.close();
  }

  private connection(): Promise<{ agent: Agent; request: typeof import("undici").request }> {
    this.agent ??= import("undici").then(({ Agent, request }) => ({
      agent: new Agent({
        connections: this.options.maxConcurrency ?? 8,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.options.connectTimeoutMs ?? 10_000 },
      }),
      request,
    }));
    return this.agent;
  }

  private async pause(attempt: number, hinted: number | undefined, signal?: AbortSignal): Promise<void> {
    this.retries++;
    const delay = hinted !== undefined ? Math.min(hinted, RETRY_AFTER_CAP_MS) : backoffDelay(this.backoff, attempt, this.random());
    await sleep(delay, signal);
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    this.requests++;
    const { agent, request } = await this.connection();
    const res = await request(req.url, {
      method: req.method,
      headers: { accept: "application/json", ...(req.body !== undefined ? { "content-type": "application/json;charset=UTF-8" } : {}), ...req.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      dispatcher: agent,
    });
    const text = await res.body.text();
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    return { status: res.statusCode, headers, text };
  }
}

/** The errno-style code of a failed request (`ECONNREFUSED`, `UND_ERR_SOCKET`), looking through `cause`. */
export function errorCode(e: unknown): string {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur && typeof cur === "object"; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      cur = errors[0];
      continue;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Parses a JSON body; undefined when it is empty or not JSON (some APIs answer plain text on 400/404). */
export function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
