import { wasCancelled, type Deadline } from "../http/deadline.js";
import { ApiError, OperationTimeoutError } from "../http/errors.js";
import { asObject } from "../http/json.js";
import { HttpTransport, parseJson, type HttpMethod, type HttpResponse } from "../http/transport.js";
import { projectBase, regionEndpoint, type ResolvedCsbsConfig } from "./config.js";
import { apiErrorOf } from "./errors.js";
import { catalogUrl, issueToken } from "./keystone.js";

/** The catalog service type CSBS registers under. */
export const CSBS_SERVICE_TYPE = "data-protect";

export interface CsbsCall {
  method: HttpMethod;
  /** Path below `/v1/{project_id}`, e.g. `/policies`. */
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  body?: Readonly<Record<string, unknown>>;
  /** Defaults to true for GET/PUT/DELETE, false for POST. */
  idempotent?: boolean;
}

interface Session {
  token: string;
  /** `http://h/v1/<project_id>`, no trailing slash. */
  base: string;
}

/**
 * The CSBS (Karbor-compatible) REST client: Keystone v3 authentication with the endpoint taken from the
 * catalog (service type `data-protect`) unless overridden, one re-authentication on 401, and errors as
 * ApiError with the API's code plus the call's method and path. A 404 is returned as `null` by `get`.
 */
export class CsbsClient {
  readonly transport: HttpTransport;
  private session: Promise<Session> | undefined;
  /** Tokens issued, for tests and diagnostics. */
  authentications = 0;
  /** `/v1/<project>` once known, to name paths in timeout errors without waiting for authentication. */
  private basePath = "/v1";

  constructor(readonly config: ResolvedCsbsConfig) {
    this.transport = new HttpTransport({ api: "CSBS", maxConcurrency: config.maxConcurrency, maxRetries: config.maxRetries });
  }

  /** Performs a call and resolves to the parsed JSON body (`{}` when empty). */
  async call(d: Deadline, call: CsbsCall): Promise<Record<string, unknown>> {
    const res = await this.send(d, call);
    return this.interpret(res, call, await this.pathOf(d, call.path));
  }

  /** A GET that resolves to null on 404 (the object does not exist). */
  async get(d: Deadline, path: string, query?: CsbsCall["query"]): Promise<Record<string, unknown> | null> {
    const call: CsbsCall = { method: "GET", path, ...(query ? { query } : {}) };
    const res = await this.send(d, call);
    if (res.status === 404) return null;
    return this.interpret(res, call, await this.pathOf(d, path));
  }

  /** The token requests carry (authenticating first when there is none yet). */
  async token(d: Deadline): Promise<string> {
    return (await this.sessionOf(d)).token;
  }

  /** The path as users see it in errors (`/v1/<project>/policies`). */
  async pathOf(d: Deadline, path: string): Promise<string> {
    return `${new URL((await this.sessionOf(d)).base).pathname}${path}`;
  }

  /** A timeout error for an operation on `fullPath` (as returned by `pathOf`). */
  timeout(d: Deadline, method: string, fullPath: string, what: string): OperationTimeoutError {
    return new OperationTimeoutError("CSBS", method, fullPath, d.timeoutMs, what, wasCancelled(d));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async send(d: Deadline, call: CsbsCall): Promise<HttpResponse> {
    try {
      let session = await this.sessionOf(d);
      let res = await this.once(d, call, session);
      if (res.status === 401 && this.canReauthenticate()) {
        const stale = this.session;
        if (stale && (await stale).token === session.token) this.session = undefined;
        session = await this.sessionOf(d);
        res = await this.once(d, call, session);
      }
      return res;
    } catch (e) {
      if (d.signal.aborted && !(e instanceof ApiError)) {
        throw this.timeout(d, call.method, `${this.basePath}${call.path}`, "request still in flight");
      }
      throw e;
    }
  }

  private once(d: Deadline, call: CsbsCall, session: Session): Promise<HttpResponse> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) params.append(k, String(v));
    const qs = params.toString();
    return this.transport.request({
      method: call.method,
      url: `${session.base}${call.path}${qs ? `?${qs}` : ""}`,
      headers: { "x-auth-token": session.token },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      idempotent: call.idempotent ?? call.method !== "POST",
      signal: d.signal,
    });
  }

  private interpret(res: HttpResponse, call: CsbsCall, fullPath: string): Record<string, unknown> {
    if (res.status >= 200 && res.status < 300) return asObject(parseJson(res.text)) ?? {};
    throw apiErrorOf("CSBS", res, call.method, fullPath);
  }

  /** Without Keystone (static token + endpoint) a 401 cannot be cured by asking again. */
  private canReauthenticate(): boolean {
    return this.config.authUrl !== null;
  }

  private sessionOf(d: Deadline): Promise<Session> {
    if (!this.session) {
      const s = this.authenticate(d);
      this.session = s;
      s.catch(() => {
        if (this.session === s) this.session = undefined;
      });
    }
    return this.session;
  }

  private async authenticate(d: Deadline): Promise<Session> {
    const c = this.config;
    if (c.authUrl === null) {
      // resolveCsbsConfig guarantees token + project id + endpoint here.
      const token = c.credentials.kind === "token" ? c.credentials.token : "";
      const projectId = c.scope?.kind === "id" ? c.scope.id : "";
      const base = projectBase(c.endpoint ?? "", projectId);
      this.basePath = new URL(base).pathname;
      return { token, base };
    }
    this.authentications++;
    const issued = await issueToken(this.transport, c.authUrl, c.credentials, c.scope, d);
    const projectId = issued.projectId ?? (c.scope?.kind === "id" ? c.scope.id : null);
    if (!projectId) {
      throw new ApiError("Keystone", "HTTP.201", "token is not scoped to a project; set project_id or project_name", "POST", `${new URL(c.authUrl).pathname}/auth/tokens`, 201);
    }
    const endpoint =
      c.endpoint ??
      catalogUrl(issued.catalog, CSBS_SERVICE_TYPE, c.region) ??
      // Huawei's IAM catalog lists no `data-protect`: its provider builds the endpoint from region and domain.
      (c.region && c.cloudDomain ? regionEndpoint(c.region, c.cloudDomain) : null);
    if (!endpoint) {
      const types = issued.catalog.map((e) => e.type).join(", ") || "none";
      throw new ApiError(
        "Keystone",
        "CATALOG",
        `no "${CSBS_SERVICE_TYPE}" endpoint${c.region ? ` in region ${c.region}` : ""} in the service catalog (services: ${types}); set endpoint, or region and cloud_domain`,
        "POST",
        `${new URL(c.authUrl).pathname}/auth/tokens`,
        201,
      );
    }
    const base = projectBase(endpoint, projectId);
    this.basePath = new URL(base).pathname;
    return { token: issued.token, base };
  }
}
