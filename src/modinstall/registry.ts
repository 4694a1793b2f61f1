/**
 * The module registry protocol: service discovery (`https://HOST/.well-known/terraform.json`, service
 * `modules.v1`), `NS/NAME/SYSTEM/versions` and `NS/NAME/SYSTEM/VERSION/download`, each sent the host's token
 * when there is one. Package downloads themselves get no token, as in Terraform.
 */
import type { CredentialsSource } from "./credentials.js";
import { type HttpContext, httpGet, resolveRelative } from "./http.js";

export interface RegistryModule {
  host: string;
  namespace: string;
  name: string;
  system: string;
}

export class RegistryClient {
  private readonly bases = new Map<string, Promise<string>>();

  constructor(
    private readonly credentials: CredentialsSource,
    private readonly ctx: HttpContext,
  ) {}

  private headers(host: string): Record<string, string> {
    const token = this.credentials.tokenFor(host);
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  /** The modules.v1 base URL of `host` (discovered once per client). */
  modulesBase(host: string): Promise<string> {
    let p = this.bases.get(host);
    if (!p) {
      p = this.discover(host);
      this.bases.set(host, p);
    }
    return p;
  }

  private async discover(host: string): Promise<string> {
    const url = `https://${host}/.well-known/terraform.json`;
    const res = await httpGet(url, this.ctx, this.headers(host));
    if (res.status === 404) throw new Error(`${host} does not provide Terraform services (no ${url})`);
    if (res.status !== 200) throw new Error(`service discovery at ${url} answered ${res.status}`);
    let doc: unknown;
    try {
      doc = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new Error(`service discovery at ${url} did not answer JSON`);
    }
    const base = (doc as Record<string, unknown>)["modules.v1"];
    if (typeof base !== "string") throw new Error(`${host} does not provide a module registry (no "modules.v1" in ${url})`);
    return new URL(base, url).toString();
  }

  /** The versions the registry lists for a module. */
  async versions(m: RegistryModule): Promise<string[]> {
    const url = new URL(`${m.namespace}/${m.name}/${m.system}/versions`, await this.modulesBase(m.host)).toString();
    const res = await httpGet(url, this.ctx, this.headers(m.host));
    if (res.status === 404) throw new Error(`module ${m.namespace}/${m.name}/${m.system} was not found in the registry at ${m.host}`);
    if (res.status === 401 || res.status === 403) throw new Error(`the registry at ${m.host} refused access (${res.status}): set TF_TOKEN_${m.host.replace(/-/g, "__").replace(/[.:]/g, "_")} or a credentials "${m.host}" block in the CLI configuration`);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    const doc = JSON.parse(res.body.toString("utf8")) as { modules?: { versions?: { version?: unknown }[] }[] };
    return (doc.modules?.[0]?.versions ?? []).map((v) => v.version).filter((v): v is string => typeof v === "string");
  }

  /** Where the package of one version is: a source address (X-Terraform-Get header or JSON `location`). */
  async location(m: RegistryModule, version: string): Promise<string> {
    const url = new URL(`${m.namespace}/${m.name}/${m.system}/${version}/download`, await this.modulesBase(m.host)).toString();
    const res = await httpGet(url, this.ctx, this.headers(m.host));
    if (res.status < 200 || res.status > 299) throw new Error(`GET ${url} answered ${res.status}`);
    const header = res.headers["x-terraform-get"];
    let loc = Array.isArray(header) ? header[0] : header;
    if (!loc && res.body.length > 0) {
      try {
        const doc = JSON.parse(res.body.toString("utf8")) as { location?: unknown };
        if (typeof doc.location === "string") loc = doc.location;
      } catch {
        // Not JSON: fall through to the error below.
      }
    }
    if (!loc) throw new Error(`the registry at ${m.host} gave no download location for ${m.namespace}/${m.name}/${m.system} ${version}`);
    return resolveRelative(loc, url);
  }
}
