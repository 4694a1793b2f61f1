import { ProviderConfigError } from "../http/config-error.js";
import type { ZStackAuth } from "./auth.js";
import { parseNodeTimeZone } from "./node-time.js";

/** The provider block's attributes as `configure` receives them (null = not set). */
export interface ZStackProviderConfig {
  endpoint: string | null;
  host: string | null;
  port: number | null;
  account_name: string | null;
  account_password: string | null;
  access_key_id: string | null;
  access_key_secret: string | null;
  time_zone?: string | null;
  max_concurrency: number | null;
  max_retries: number | null;
}

export interface ResolvedZStackConfig {
  /** Base of every API path, e.g. `http://127.0.0.1:8080/zstack/v1` (no trailing slash). */
  baseUrl: string;
  auth: ZStackAuth;
  maxConcurrency: number;
  maxRetries: number;
}

export const DEFAULT_ZSTACK_PORT = 8080;
type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the provider block plus `ZSTACK_*` environment variables into a client configuration. Values in
 * the block win over the environment; `endpoint` wins over `host`/`port`. AccessKey auth is used when a key id
 * is given, else account login. Throws ProviderConfigError naming the attribute (and its variable) on gaps.
 */
export function resolveZStackConfig(c: ZStackProviderConfig, env: Env): ResolvedZStackConfig {
  const pick = (v: string | null, name: string) => (v != null && v !== "" ? v : nonEmpty(env[name]));
  const endpoint = c.endpoint ?? (c.host ? null : nonEmpty(env["ZSTACK_ENDPOINT"]));
  const host = c.host ?? nonEmpty(env["ZSTACK_HOST"]);
  let baseUrl: string;
  if (endpoint) {
    baseUrl = normalizeEndpoint(endpoint);
  } else if (host) {
    const portText = c.port != null ? String(c.port) : (nonEmpty(env["ZSTACK_PORT"]) ?? String(DEFAULT_ZSTACK_PORT));
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ProviderConfigError("zstack", "port", `"${portText}" is not a TCP port (ZSTACK_PORT)`);
    }
    const bare = host.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    const scheme = host.startsWith("https://") ? "https" : "http";
    baseUrl = `${scheme}://${bare.includes(":") && !bare.startsWith("[") ? `[${bare}]` : bare}:${port}/zstack/v1`;
  } else {
    throw new ProviderConfigError("zstack", "endpoint", "set endpoint (or host), or the ZSTACK_ENDPOINT / ZSTACK_HOST environment variable");
  }

  const keyId = pick(c.access_key_id, "ZSTACK_ACCESS_KEY_ID");
  const keySecret = pick(c.access_key_secret, "ZSTACK_ACCESS_KEY_SECRET");
  const account = pick(c.account_name, "ZSTACK_ACCOUNT_NAME");
  const password = pick(c.account_password, "ZSTACK_ACCOUNT_PASSWORD");
  let auth: ZStackAuth;
  if (keyId || keySecret) {
    if (!keyId) throw new ProviderConfigError("zstack", "access_key_id", "required with access_key_secret (ZSTACK_ACCESS_KEY_ID)");
    if (!keySecret) throw new ProviderConfigError("zstack", "access_key_secret", "required with access_key_id (ZSTACK_ACCESS_KEY_SECRET)");
    const zoneText = pick(c.time_zone ?? null, "ZSTACK_TIME_ZONE") ?? "local";
    const timeZone = parseNodeTimeZone(zoneText);
    if ("error" in timeZone) throw new ProviderConfigError("zstack", "time_zone", `${timeZone.error} (ZSTACK_TIME_ZONE)`);
    auth = { kind: "access_key", accessKeyId: keyId, accessKeySecret: keySecret, timeZone };
  } else if (account || password) {
    if (!account) throw new ProviderConfigError("zstack", "account_name", "required with account_password (ZSTACK_ACCOUNT_NAME)");
    if (!password) throw new ProviderConfigError("zstack", "account_password", "required with account_name (ZSTACK_ACCOUNT_PASSWORD)");
    auth = { kind: "session", accountName: account, password };
  } else {
    throw new ProviderConfigError(
      "zstack",
      "account_name",
      "no credentials: set account_name/account_password or access_key_id/access_key_secret (or ZSTACK_ACCOUNT_NAME/ZSTACK_ACCOUNT_PASSWORD, ZSTACK_ACCESS_KEY_ID/ZSTACK_ACCESS_KEY_SECRET)",
    );
  }
  const maxConcurrency = c.max_concurrency ?? 8;
  const maxRetries = c.max_retries ?? 4;
  return { baseUrl, auth, maxConcurrency, maxRetries };
}

/** `http://h:8080`, `http://h:8080/zstack` and `http://h:8080/zstack/v1/` all become `http://h:8080/zstack/v1`. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ProviderConfigError("zstack", "endpoint", `"${endpoint}" is not a URL (e.g. http://10.0.0.5:8080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigError("zstack", "endpoint", `"${endpoint}" must use http or https`);
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/v1")) path = path.endsWith("/zstack") ? `${path}/v1` : `${path}/zstack/v1`;
  return `${url.protocol}//${url.host}${path}`;
}

function nonEmpty(v: string | undefined): string | null {
  return v !== undefined && v.trim() !== "" ? v : null;
}
