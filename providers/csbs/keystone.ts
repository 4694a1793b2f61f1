import { ApiError } from "../http/errors.js";
import { asObject, list, str } from "../http/json.js";
import type { Deadline } from "../http/deadline.js";
import { parseJson, type HttpTransport } from "../http/transport.js";
import type { KeystoneCredentials, ProjectScope } from "./config.js";
import { apiErrorOf } from "./errors.js";

/** A scoped Keystone token and what came with it. */
export interface KeystoneToken {
  token: string;
  projectId: string | null;
  catalog: readonly CatalogEntry[];
}

export interface CatalogEntry {
  type: string;
  endpoints: readonly { interface: string; region: string | null; url: string }[];
}

/** The body of `POST /v3/auth/tokens` for the given credentials and scope. Pure. */
export function tokenRequest(credentials: KeystoneCredentials, scope: ProjectScope | null): Record<string, unknown> {
  const identity =
    credentials.kind === "password"
      ? {
          methods: ["password"],
          password: { user: { name: credentials.username, password: credentials.password, domain: { name: credentials.userDomainName } } },
        }
      : { methods: ["token"], token: { id: credentials.token } };
  const project = scope === null ? undefined : scope.kind === "id" ? { id: scope.id } : { name: scope.name, domain: { name: scope.domainName } };
  return { auth: { identity, ...(project ? { scope: { project } } : {}) } };
}

/** Issues a token (Keystone v3 password or token method). Rejects with ApiError("Keystone", ...) on failure. */
export async function issueToken(
  transport: HttpTransport,
  authUrl: string,
  credentials: KeystoneCredentials,
  scope: ProjectScope | null,
  d: Deadline,
): Promise<KeystoneToken> {
  const url = `${authUrl}/auth/tokens`;
  const path = new URL(url).pathname;
  const res = await transport.request({
    method: "POST",
    url,
    body: JSON.stringify(tokenRequest(credentials, scope)),
    idempotent: true, // issuing a token has no lasting effect
    signal: d.signal,
  });
  if (res.status < 200 || res.status >= 300) throw apiErrorOf("Keystone", res, "POST", path);
  const token = res.headers["x-subject-token"];
  if (!token) throw new ApiError("Keystone", `HTTP.${res.status}`, "reply has no X-Subject-Token header", "POST", path, res.status);
  const body = asObject(asObject(parseJson(res.text))?.["token"]) ?? {};
  const project = asObject(body["project"]);
  return {
    token,
    projectId: project ? str(project, "id") : null,
    catalog: list(body, "catalog").map((entry) => ({
      type: str(entry, "type") ?? "",
      endpoints: list(entry, "endpoints").map((e) => ({
        interface: str(e, "interface") ?? "public",
        region: str(e, "region_id") ?? str(e, "region"),
        url: str(e, "url") ?? "",
      })),
    })),
  };
}

/**
 * The public URL of a service type in a catalog, preferring the given region; null when absent. Pure.
 */
export function catalogUrl(catalog: readonly CatalogEntry[], type: string, region: string | null): string | null {
  const entry = catalog.find((c) => c.type === type);
  if (!entry) return null;
  const pub = entry.endpoints.filter((e) => e.interface === "public");
  const pool = pub.length > 0 ? pub : entry.endpoints;
  const hit = region ? pool.find((e) => e.region === region) : pool[0];
  return hit?.url ?? null;
}
