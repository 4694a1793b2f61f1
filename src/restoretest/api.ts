import { createHmac } from "node:crypto";
import { sha512Hex, type ZStackAuth } from "../../providers/zstack/auth.js";
import { nodeDate } from "../../providers/zstack/node-time.js";

type Json = Record<string, unknown>;

/** An API call that failed: the API's own description (ZStack `error.details`/`description`) and where. */
export class ApiCallError extends Error {}

/**
 * The few ZStack calls a restore test makes (query, async actions, the engine's admin checksums), authenticated
 * as the zstack provider is: account login (a session) or a signed AccessKey, whichever its configuration gives.
 * Plain fetch: a restore test is a handful of calls per VM.
 */
export class RestoreApi {
  private session: string | null = null;
  private loggingIn: Promise<void> | null = null;

  /** `root`: the server without `/zstack/v1`, e.g. `http://127.0.0.1:8080`. */
  constructor(readonly root: string, private readonly auth: ZStackAuth) {}

  /** From the zstack provider's resolved configuration (its `baseUrl` ends in `/zstack/v1`). */
  static fromResolved(baseUrl: string, auth: ZStackAuth): RestoreApi {
    return new RestoreApi(baseUrl.replace(/\/+$/, "").replace(/\/zstack(\/v1)?$/, ""), auth);
  }

  /** Who the calls run as, for the run's first progress line: never the secret. */
  describeAuth(): string {
    return this.auth.kind === "access_key" ? `AccessKey ${this.auth.accessKeyId}` : `account ${this.auth.accountName}`;
  }

  async request(method: string, path: string, body?: Json, signal?: AbortSignal): Promise<Json> {
    const res = await fetch(this.root + path, {
      method,
      headers: { "content-type": "application/json;charset=UTF-8", ...(await this.authHeaders(method, path)) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      throw new ApiCallError(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (res.status === 202 && typeof json["location"] === "string") return this.poll(method, path, json["location"], signal);
    if (res.status !== 200) throw new ApiCallError(`${method} ${path}: ${errorText(json) ?? `HTTP ${res.status}`}`);
    return json;
  }

  private async poll(method: string, path: string, location: string, signal?: AbortSignal): Promise<Json> {
    const jobPath = new URL(location).pathname;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      await new Promise((r) => setTimeout(r, delay));
      signal?.throwIfAborted();
      const r = await fetch(this.root + jobPath, { headers: await this.authHeaders("GET", jobPath) });
      if (r.status === 202) continue;
      const json = (await r.json().catch(() => ({}))) as Json;
      if (r.status !== 200) throw new ApiCallError(`${method} ${path}: ${errorText(json) ?? `HTTP ${r.status}`}`);
      return json;
    }
  }

  /**
   * A session (logging in once) or an AccessKey signature over method, Date and path: ZStack signs the path below
   * `/zstack` (`/v1/...`), the engine's admin API its whole path (`/engine/v1/...`); the query is never signed.
   */
  private async authHeaders(method: string, path: string): Promise<Record<string, string>> {
    const auth = this.auth;
    if (auth.kind === "access_key") {
      const date = nodeDate(new Date(), auth.timeZone);
      const bare = path.split("?")[0]!;
      const signed = bare.startsWith("/zstack/") ? bare.slice("/zstack".length) : bare;
      const signature = createHmac("sha1", auth.accessKeySecret).update(`${method}\n${date}\n${signed}`, "utf8").digest("base64");
      return { date, authorization: `ZStack ${auth.accessKeyId}:${signature}` };
    }
    if (path.endsWith("/accounts/login")) return {};
    // Parallel restores share one login.
    if (this.session === null) await (this.loggingIn ??= this.login(auth.accountName, auth.password).finally(() => (this.loggingIn = null)));
    return { authorization: `OAuth ${this.session}` };
  }

  private async login(accountName: string, password: string): Promise<void> {
    const r = await this.request("PUT", "/zstack/v1/accounts/login", { logInByAccount: { accountName, password: sha512Hex(password) } });
    const inv = r["inventory"] as Json | undefined;
    if (typeof inv?.["uuid"] !== "string") throw new ApiCallError("login answered without a session");
    this.session = inv["uuid"];
  }

  async query(path: string, conditions: string[] = []): Promise<Json[]> {
    const q = ["limit=10000", ...conditions.map((c) => `q=${encodeURIComponent(c)}`)].join("&");
    const r = await this.request("GET", `/zstack/v1${path}?${q}`);
    return Array.isArray(r["inventories"]) ? (r["inventories"] as Json[]) : [];
  }
}

function errorText(json: Json): string | null {
  const e = json["error"] as Json | undefined;
  if (!e) return null;
  const parts = [e["description"], e["details"]].filter((x): x is string => typeof x === "string" && x !== "");
  return parts.join(": ") || (typeof e["code"] === "string" ? e["code"] : null);
}
