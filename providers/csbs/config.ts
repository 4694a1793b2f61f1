import { ProviderConfigError } from "../http/config-error.js";

/** The provider block's attributes as `configure` receives them (null = not set). */
export interface CsbsProviderConfig {
  auth_url: string | null;
  region: string | null;
  project_id: string | null;
  project_name: string | null;
  user_domain_name: string | null;
  project_domain_name: string | null;
  domain_name: string | null;
  username: string | null;
  password: string | null;
  token: string | null;
  endpoint: string | null;
  api_flavor?: string | null;
  cloud_domain?: string | null;
  max_concurrency: number | null;
  max_retries: number | null;
}

/** Who the client authenticates as, and into which project. */
export type KeystoneCredentials =
  | { kind: "password"; username: string; password: string; userDomainName: string }
  | { kind: "token"; token: string };

export type ProjectScope = { kind: "id"; id: string } | { kind: "name"; name: string; domainName: string };

export interface ResolvedCsbsConfig {
  /** Keystone v3 base (`http://h:5000/v3`); null when a token and an endpoint make Keystone unnecessary. */
  authUrl: string | null;
  credentials: KeystoneCredentials;
  scope: ProjectScope | null;
  region: string | null;
  /** Endpoint override (may hold `$(project_id)s`-style placeholders); else the catalog's `data-protect`. */
  endpoint: string | null;
  /**
   * Which routes checkpoints are read through: `csbs` (the documented `checkpoint_items`, as OTC and Huawei
   * use) or `karbor` (OpenStack Karbor's `providers/{id}/checkpoints/{id}`).
   */
  apiFlavor: "csbs" | "karbor";
  /**
   * Domain of the cloud's public endpoints (`myhuaweicloud.com`): with `region`, the endpoint is
   * `https://csbs.{region}.{cloudDomain}` when the catalog has no `data-protect` entry, as Huawei's provider builds it.
   */
  cloudDomain: string | null;
  maxConcurrency: number;
  maxRetries: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the provider block plus `OS_*` environment variables (as OpenStack tools name them) into a client
 * configuration; block values win. Throws ProviderConfigError naming the attribute (and variable) on gaps.
 */
export function resolveCsbsConfig(c: CsbsProviderConfig, env: Env): ResolvedCsbsConfig {
  const pick = (v: string | null, ...names: string[]): string | null => {
    if (v != null && v !== "") return v;
    for (const n of names) {
      const e = env[n];
      if (e !== undefined && e.trim() !== "") return e;
    }
    return null;
  };
  const username = pick(c.username, "OS_USERNAME");
  const password = pick(c.password, "OS_PASSWORD");
  const token = pick(c.token, "OS_TOKEN", "OS_AUTH_TOKEN");
  const domain = pick(c.domain_name, "OS_DOMAIN_NAME");
  const projectId = pick(c.project_id, "OS_PROJECT_ID", "OS_TENANT_ID");
  const projectName = pick(c.project_name, "OS_PROJECT_NAME", "OS_TENANT_NAME");
  const endpoint = pick(c.endpoint, "CSBS_ENDPOINT");
  const authUrlText = pick(c.auth_url, "OS_AUTH_URL");

  let credentials: KeystoneCredentials;
  if (username || (password && !token)) {
    if (!username) throw new ProviderConfigError("csbs", "username", "required with password (OS_USERNAME)");
    if (!password) throw new ProviderConfigError("csbs", "password", "required with username (OS_PASSWORD)");
    credentials = { kind: "password", username, password, userDomainName: pick(c.user_domain_name, "OS_USER_DOMAIN_NAME") ?? domain ?? "Default" };
  } else if (token) {
    credentials = { kind: "token", token };
  } else {
    throw new ProviderConfigError("csbs", "username", "no credentials: set username/password or token (OS_USERNAME/OS_PASSWORD or OS_TOKEN)");
  }

  const region = pick(c.region, "OS_REGION_NAME");
  let scope: ProjectScope | null = null;
  // OTC and Huawei name each region's main project after the region (`eu-de`): the scope when none is given.
  const scopedName = projectName ?? (credentials.kind === "password" && !projectId && region ? region : null);
  if (projectId) scope = { kind: "id", id: projectId };
  else if (scopedName) scope = { kind: "name", name: scopedName, domainName: pick(c.project_domain_name, "OS_PROJECT_DOMAIN_NAME") ?? domain ?? (credentials.kind === "password" ? credentials.userDomainName : "Default") };

  const keystoneNeeded = !(credentials.kind === "token" && endpoint && scope?.kind === "id");
  if (keystoneNeeded && !authUrlText) {
    throw new ProviderConfigError("csbs", "auth_url", "required (OS_AUTH_URL), unless a token, a project_id and an endpoint are all given");
  }
  if (!scope && credentials.kind === "password") {
    throw new ProviderConfigError("csbs", "project_id", "set project_id or project_name (OS_PROJECT_ID / OS_PROJECT_NAME): CSBS paths are per project");
  }
  return {
    authUrl: authUrlText ? normalizeAuthUrl(authUrlText) : null,
    credentials,
    scope,
    region,
    endpoint: endpoint ? checkUrl(endpoint, "endpoint") : null,
    apiFlavor: flavorOf(pick(c.api_flavor ?? null, "CSBS_API_FLAVOR")),
    cloudDomain: cloudDomainOf(pick(c.cloud_domain ?? null, "CSBS_CLOUD_DOMAIN"), authUrlText, region),
    maxConcurrency: c.max_concurrency ?? 8,
    maxRetries: c.max_retries ?? 4,
  };
}

function flavorOf(text: string | null): "csbs" | "karbor" {
  if (text === null || text === "csbs") return "csbs";
  if (text === "karbor") return "karbor";
  throw new ProviderConfigError("csbs", "api_flavor", `"${text}" is not csbs or karbor (CSBS_API_FLAVOR)`);
}

/**
 * The cloud's endpoint domain: as given, or read off an IAM URL named like Huawei's and OTC's
 * (`iam.myhuaweicloud.com`, `iam.{region}.myhuaweicloud.com`, `iam.eu-de.otc.t-systems.com`); null otherwise.
 */
export function cloudDomainOf(given: string | null, authUrl: string | null, region: string | null): string | null {
  if (given) return given.replace(/^\.+|\.+$/g, "");
  if (!authUrl) return null;
  let host: string;
  try {
    host = new URL(authUrl).hostname;
  } catch {
    return null;
  }
  const m = /^iam\.(.+)$/.exec(host);
  if (!m) return null;
  const rest = m[1]!;
  return region && rest.startsWith(`${region}.`) ? rest.slice(region.length + 1) : rest.includes(".") ? rest : null;
}

/** Huawei's region-built CSBS endpoint (`https://csbs.{region}.{domain}`). Pure. */
export function regionEndpoint(region: string, cloudDomain: string): string {
  return `https://csbs.${region}.${cloudDomain}`;
}

/** `http://h:5000` and `http://h:5000/v3/` both become `http://h:5000/v3`. */
export function normalizeAuthUrl(text: string): string {
  const url = new URL(checkUrl(text, "auth_url"));
  let path = url.pathname.replace(/\/+$/, "");
  if (!/\/v3$/.test(path)) path = `${path}/v3`;
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The CSBS base for a project: placeholders (`$(project_id)s`, `$(tenant_id)s`, `%(project_id)s`,
 * `{project_id}`) are filled in, and `/v1/<project>` is appended when the URL does not name the project yet.
 * No trailing slash.
 */
export function projectBase(endpoint: string, projectId: string): string {
  let url = endpoint.replace(/\$\((?:project_id|tenant_id)\)s|%\((?:project_id|tenant_id)\)s|\{(?:project_id|tenant_id)\}/g, projectId);
  url = url.replace(/\/+$/, "");
  if (url.split("/").includes(projectId)) return url;
  return /\/v1$/.test(url) ? `${url}/${projectId}` : `${url}/v1/${projectId}`;
}

function checkUrl(text: string, attribute: string): string {
  try {
    const u = new URL(text.replace(/\$\(|\)s|%\(|\{|\}/g, ""));
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
  } catch {
    throw new ProviderConfigError("csbs", attribute, `"${text}" is not an http(s) URL`);
  }
  return text;
}
