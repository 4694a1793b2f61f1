import { createHash } from "node:crypto";

type Json = Record<string, unknown>;

/** An API call that failed: the API's own description (ZStack `error.details`/`description`) and where. */
export class ApiCallError extends Error {}

/**
 * The few ZStack calls a restore test makes (query, async actions, the engine's admin checksums), logged in with
 * the provider's `ZSTACK_*` account variables. Plain fetch: a restore test is a handful of calls per VM.
 */
export class RestoreApi {
  private session: string | null = null;

  /** `root`: the server without `/zstack/v1`, e.g. `http://127.0.0.1:8080`. */
  constructor(readonly root: string, private readonly account: string, private readonly password: string) {}

  static fromEnv(env: NodeJS.ProcessEnv): RestoreApi {
    const endpoint = env["ZSTACK_ENDPOINT"];
    const account = env["ZSTACK_ACCOUNT_NAME"];
    const password = env["ZSTACK_ACCOUNT_PASSWORD"];
    if (!endpoint) throw new ApiCallError("set ZSTACK_ENDPOINT (e.g. http://127.0.0.1:8080) to the ZStack API the restore tests use");
    if (!account || !password) throw new ApiCallError("set ZSTACK_ACCOUNT_NAME and ZSTACK_ACCOUNT_PASSWORD for the restore tests");
    return new RestoreApi(endpoint.replace(/\/+$/, "").replace(/\/zstack(\/v1)?$/, ""), account, password);
  }

  async request(method: string, path: string, body?: Json, signal?: AbortSignal): Promise<Json> {
    if (this.session === null && !path.endsWith("/accounts/login")) await this.login();
    const res = await fetch(this.root + path, {
      method,
      headers: { "content-type": "application/json;charset=UTF-8", ...(this.session ? { authorization: `OAuth ${this.session}` } : {}) },
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
      const r = await fetch(this.root + jobPath, { headers: { authorization: `OAuth ${this.session}` } });
      if (r.status === 202) continue;
      const json = (await r.json().catch(() => ({}))) as Json;
      if (r.status !== 200) throw new ApiCallError(`${method} ${path}: ${errorText(json) ?? `HTTP ${r.status}`}`);
      return json;
    }
  }

  private async login(): Promise<void> {
    const r = await this.request("PUT", "/zstack/v1/accounts/login", { logInByAccount: { accountName: this.account, password: createHash("sha512").update(this.password).digest("hex") } });
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
