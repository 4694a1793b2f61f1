import { createHash } from "node:crypto";
import type { Agent, Dispatcher } from "undici";
import { formatLockError, LockError, type LockInfo } from "../lock.js";
import { BackendConfigError, DEFAULT_WORKSPACE, type Backend, type BackendFactory, type StateStorage } from "./backend.js";
import { backoffMs, retryableStatus, type RetryPolicy } from "./retry.js";
import { BackendSettings } from "./settings.js";

/**
 * Terraform's `backend "http"` (internal/backend/remote-state/http in Terraform 1.11), the protocol GitLab's
 * managed Terraform state and the backplan engine's `/engine/v1/states/NAME` speak:
 *
 * - GET `address`: 200 with the state (an empty body is no state), 204 or 404 = no state yet.
 * - `update_method` (POST) `address`, with `?ID=<lock id>` while we hold the lock: 200, 201 or 204.
 * - `lock_method` (LOCK) `lock_address` with our LockInfo JSON: 200 = ours; 409 or 423 = held, the body being
 *   the holder's LockInfo. Without `lock_address` there is no locking at all, as in Terraform.
 * - `unlock_method` (UNLOCK) `unlock_address` with the LockInfo we locked with (ID = the lock's): 200.
 * - Bodies carry `Content-Type: application/json` and `Content-MD5`; basic auth when `username` is set.
 * - Connection failures, 429 and 5xx (not 501) are retried `retry_max` times, backing off from
 *   `retry_wait_min` to `retry_wait_max` seconds.
 *
 * Like Terraform's, this backend has only the `default` workspace.
 */

/** Every argument of Terraform 1.11's http backend schema. */
export const HTTP_SETTINGS = [
  "address",
  "update_method",
  "lock_address",
  "unlock_address",
  "lock_method",
  "unlock_method",
  "username",
  "password",
  "skip_cert_verification",
  "retry_max",
  "retry_wait_min",
  "retry_wait_max",
  "client_ca_certificate_pem",
  "client_certificate_pem",
  "client_private_key_pem",
] as const;

/** The http backend's settings after arguments, `TF_HTTP_*` variables and defaults are applied. */
export interface HttpBackendConfig {
  address: URL;
  updateMethod: string;
  lockAddress?: URL;
  lockMethod: string;
  unlockAddress?: URL;
  unlockMethod: string;
  username: string;
  password: string;
  skipCertVerification: boolean;
  retry: RetryPolicy;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

/** Resolves the http backend's arguments as Terraform 1.11 does; a bad one is a `BackendConfigError`. */
export function httpBackendConfig(settings: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): HttpBackendConfig {
  const s = new BackendSettings(settings, env, HTTP_SETTINGS, "http");
  const address = s.string("address", "TF_HTTP_ADDRESS");
  if (address === undefined) throw new BackendConfigError("address", "address argument is required (or set TF_HTTP_ADDRESS)");
  const url = (name: string, text: string): URL => {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new BackendConfigError(name, `failed to parse ${name} URL "${text}"`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new BackendConfigError(name, `${name} must be HTTP or HTTPS, got "${text}"`);
    return u;
  };
  const lockAddress = s.string("lock_address", "TF_HTTP_LOCK_ADDRESS");
  const unlockAddress = s.string("unlock_address", "TF_HTTP_UNLOCK_ADDRESS");
  const certPem = s.string("client_certificate_pem", "TF_HTTP_CLIENT_CERTIFICATE_PEM");
  const keyPem = s.string("client_private_key_pem", "TF_HTTP_CLIENT_PRIVATE_KEY_PEM");
  if (certPem !== undefined && keyPem === undefined) throw new BackendConfigError("client_private_key_pem", "client_certificate_pem is set but client_private_key_pem is not");
  if (keyPem !== undefined && certPem === undefined) throw new BackendConfigError("client_certificate_pem", "client_private_key_pem is set but client_certificate_pem is not");
  const caPem = s.string("client_ca_certificate_pem", "TF_HTTP_CLIENT_CA_CERTIFICATE_PEM");
  const config: HttpBackendConfig = {
    address: url("address", address),
    updateMethod: method(s, "update_method", "TF_HTTP_UPDATE_METHOD", "POST"),
    lockMethod: method(s, "lock_method", "TF_HTTP_LOCK_METHOD", "LOCK"),
    unlockMethod: method(s, "unlock_method", "TF_HTTP_UNLOCK_METHOD", "UNLOCK"),
    username: s.string("username", "TF_HTTP_USERNAME") ?? "",
    password: s.string("password", "TF_HTTP_PASSWORD") ?? "",
    skipCertVerification: s.bool("skip_cert_verification", undefined, false),
    retry: {
      retryMax: s.integer("retry_max", "TF_HTTP_RETRY_MAX", 2),
      waitMinMs: s.integer("retry_wait_min", "TF_HTTP_RETRY_WAIT_MIN", 1) * 1000,
      waitMaxMs: s.integer("retry_wait_max", "TF_HTTP_RETRY_WAIT_MAX", 30) * 1000,
    },
    ...(lockAddress !== undefined ? { lockAddress: url("lock_address", lockAddress) } : {}),
    ...(unlockAddress !== undefined ? { unlockAddress: url("unlock_address", unlockAddress) } : {}),
    ...(caPem !== undefined ? { caPem } : {}),
    ...(certPem !== undefined ? { certPem } : {}),
    ...(keyPem !== undefined ? { keyPem } : {}),
  };
  return config;
}

function method(s: BackendSettings, name: string, envVar: string, fallback: string): string {
  const m = s.string(name, envVar) ?? fallback;
  // An HTTP token (RFC 9110): what undici and any server accept as a method.
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m)) throw new BackendConfigError(name, `${name} must be an HTTP method such as POST or LOCK, got ${JSON.stringify(m)}`);
  return m;
}

export const createHttpBackend: BackendFactory = (settings, env) => new HttpBackend(httpBackendConfig(settings, env));

/** An undici agent for the backend's TLS settings, and undici's `request`. */
interface Connection {
  agent: Agent;
  request: typeof import("undici").request;
}

class HttpBackend implements Backend {
  readonly type = "http";
  /** Made on the first request: loading undici cost every plan and apply tens of milliseconds at start-up. */
  private connection: Promise<Connection> | undefined;
  private storage: HttpStateStorage | undefined;

  constructor(private readonly config: HttpBackendConfig) {}

  private connect(): Promise<Connection> {
    const config = this.config;
    const tls = config.skipCertVerification || config.caPem !== undefined || config.certPem !== undefined;
    this.connection ??= import("undici").then(({ Agent, request }) => ({
      agent: new Agent(
        tls
          ? {
              connect: {
                rejectUnauthorized: !config.skipCertVerification,
                ...(config.caPem !== undefined ? { ca: config.caPem } : {}),
                ...(config.certPem !== undefined ? { cert: config.certPem, key: config.keyPem } : {}),
              },
            }
          : {},
      ),
      request,
    }));
    return this.connection;
  }

  async workspaces(): Promise<string[]> {
    return [DEFAULT_WORKSPACE];
  }

  state(workspace: string): StateStorage {
    if (workspace !== DEFAULT_WORKSPACE) throw workspacesNotSupported(workspace);
    this.storage ??= new HttpStateStorage(this.config, () => this.connect());
    return this.storage;
  }

  async deleteWorkspace(workspace: string): Promise<void> {
    if (workspace === DEFAULT_WORKSPACE) throw new Error('the "default" workspace cannot be deleted');
    throw workspacesNotSupported(workspace);
  }

  describe(): string {
    const u = this.config.address;
    return `http state at ${u.origin}${u.pathname}`;
  }

  async close(): Promise<void> {
    if (this.connection) await (await this.connection).agent.close();
  }
}

function workspacesNotSupported(workspace: string): Error {
  return new Error(
    `workspaces not supported: the http backend, like Terraform's, stores only the "default" workspace (asked for "${workspace}"); ` +
      "give each environment its own address instead (e.g. one engine state name per environment)",
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

class HttpStateStorage implements StateStorage {
  /** The lock we hold: its ID goes on writes as `?ID=`, its JSON is sent back on unlock (as Terraform does). */
  private held: { id: string; json: string } | undefined;

  constructor(
    private readonly config: HttpBackendConfig,
    private readonly connect: () => Promise<Connection>,
  ) {}

  async read(): Promise<Uint8Array | undefined> {
    const r = await this.send("GET", this.config.address, undefined, "get state");
    switch (r.status) {
      case 200:
        break;
      case 204:
      case 404:
        return undefined;
      case 401:
        throw new Error("HTTP remote state endpoint requires auth (set username and password, or TF_HTTP_USERNAME / TF_HTTP_PASSWORD)");
      case 403:
        throw new Error("HTTP remote state endpoint invalid auth");
      case 500:
        throw new Error(`HTTP remote state internal server error${detail(r)}`);
      default:
        throw new Error(`Unexpected HTTP response code ${r.status} getting state from ${this.where()}${detail(r)}`);
    }
    if (r.body.length === 0) return undefined;
    const md5 = header(r, "content-md5");
    if (md5 !== undefined && Buffer.from(md5, "base64").length === 16 && md5sum(r.body) !== Buffer.from(md5, "base64").toString("base64")) {
      throw new Error(`the state read from ${this.where()} does not match its Content-MD5 ${md5}: it was damaged on the way`);
    }
    return new Uint8Array(r.body);
  }

  async write(data: Uint8Array): Promise<void> {
    const target = new URL(this.config.address);
    if (this.held) target.searchParams.set("ID", this.held.id);
    const r = await this.send(this.config.updateMethod, target, data, "upload state");
    if (r.status === 200 || r.status === 201 || r.status === 204) return;
    if (r.status === 409 || r.status === 423) {
      const holder = lockInfo(r.body);
      throw new Error(`HTTP error: ${r.status}: ${this.where()} refused the write: the state is locked${holder ? ` by ${holder.Who} (ID ${holder.ID})` : ""}`);
    }
    throw new Error(`HTTP error: ${r.status} uploading state to ${this.where()}${detail(r)}`);
  }

  async lock(info: LockInfo): Promise<string> {
    if (!this.config.lockAddress) {
      // Terraform's http backend does not lock without lock_address: it says nothing, and neither do we.
      return info.ID;
    }
    const json = JSON.stringify(info);
    const r = await this.send(this.config.lockMethod, this.config.lockAddress, Buffer.from(json), "lock");
    switch (r.status) {
      case 200:
        this.held = { id: info.ID, json };
        return info.ID;
      case 401:
        throw new Error("HTTP remote state endpoint requires auth (set username and password, or TF_HTTP_USERNAME / TF_HTTP_PASSWORD)");
      case 403:
        throw new Error("HTTP remote state endpoint invalid auth");
      case 409:
      case 423: {
        const holder = lockInfo(r.body);
        const cause = holder ? `HTTP remote state already locked: ID=${holder.ID}` : "HTTP remote state already locked, failed to unmarshal body";
        throw new LockError("held", formatLockError(cause, holder), holder);
      }
      default:
        throw new Error(`Unexpected HTTP response code ${r.status} locking ${this.where()}${detail(r)}`);
    }
  }

  async unlock(id: string): Promise<void> {
    if (!this.config.unlockAddress) {
      this.held = undefined;
      return;
    }
    // Terraform sends back the LockInfo it locked with, ID set to the one being unlocked; a force-unlock from a
    // process that never locked has only the ID, so the other fields go empty.
    const mine = this.held?.json ? (JSON.parse(this.held.json) as Record<string, unknown>) : { Operation: "", Info: "", Who: "", Version: "", Created: "", Path: "" };
    const body = JSON.stringify({ ...mine, ID: id });
    const r = await this.send(this.config.unlockMethod, this.config.unlockAddress, Buffer.from(body), "unlock");
    if (r.status === 200) {
      if (this.held?.id === id) this.held = undefined;
      return;
    }
    if (r.status === 409 || r.status === 423) {
      const holder = lockInfo(r.body);
      if (holder) {
        throw new LockError("id_mismatch", `Failed to unlock state: lock ID ${JSON.stringify(id)} does not match existing lock ID ${JSON.stringify(holder.ID)}`, holder);
      }
      throw new LockError("not_locked", `Failed to unlock state: ${this.where()} is not locked${detail(r)}`);
    }
    throw new Error(`Unexpected HTTP response code ${r.status} unlocking ${this.where()}${detail(r)}`);
  }

  /**
   * The holder, when the server answers GET on the lock address with a LockInfo (the backplan engine does; the
   * protocol itself has no such request, so anything else reads as "cannot tell").
   */
  async lockHolder(): Promise<LockInfo | undefined> {
    if (!this.config.lockAddress) return undefined;
    try {
      const r = await this.send("GET", this.config.lockAddress, undefined, "read lock");
      return r.status === 200 ? lockInfo(r.body) : undefined;
    } catch {
      return undefined;
    }
  }

  private where(): string {
    return `${this.config.address.origin}${this.config.address.pathname}`;
  }

  /** One request with go-retryablehttp's retries; throws once a connection failure or 5xx outlasts them. */
  private async send(method: string, url: URL, data: Uint8Array | undefined, what: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.config.username !== "") {
      headers.authorization = `Basic ${Buffer.from(`${this.config.username}:${this.config.password}`).toString("base64")}`;
    }
    if (data !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-md5"] = md5sum(data);
    }
    const { retry } = this.config;
    let last = "";
    const { agent, request } = await this.connect();
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      try {
        const r = await request(url, {
          method: method as Dispatcher.HttpMethod,
          headers,
          ...(data !== undefined ? { body: Buffer.from(data) } : {}),
          dispatcher: agent,
        });
        answer = { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
        if (!retryableStatus(answer.status)) return answer;
        last = `HTTP ${answer.status}${detail(answer)}`;
      } catch (e) {
        last = (e as Error).message;
        // go-retryablehttp does not retry a certificate the client refuses: another attempt cannot succeed.
        if (certificateRefused(e)) throw new Error(`Failed to ${what}: ${method} ${url.origin}${url.pathname}: ${last}`);
      }
      if (attempt >= retry.retryMax) {
        throw new Error(`Failed to ${what}: ${method} ${url.origin}${url.pathname} giving up after ${attempt + 1} attempt(s): ${last}`);
      }
      const retryAfter = answer ? header(answer, "retry-after") : undefined;
      await sleep(backoffMs(retry, attempt, answer?.status, retryAfter));
    }
  }
}

const CERTIFICATE_ERRORS = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function certificateRefused(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === "object"; c = (c as { cause?: unknown }).cause) {
    if (CERTIFICATE_ERRORS.has(String((c as { code?: unknown }).code))) return true;
  }
  return false;
}

function header(r: Answer, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function md5sum(data: Uint8Array): string {
  return createHash("md5").update(data).digest("base64");
}

/** A LockInfo from a response body, or undefined when the body is not one. */
function lockInfo(body: Buffer): LockInfo | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object" || typeof (v as { ID?: unknown }).ID !== "string") return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : "");
  return { ID: str("ID"), Operation: str("Operation"), Info: str("Info"), Who: str("Who"), Version: str("Version"), Created: str("Created"), Path: str("Path") };
}

/** A short excerpt of an error body, for messages. */
function detail(r: Answer): string {
  const text = r.body.toString("utf8").trim();
  return text === "" ? "" : `: ${text.length > 300 ? `${text.slice(0, 300)}...` : text}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
