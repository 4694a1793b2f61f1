/**
 * Module source addresses, read the way Terraform 1.11's `init` reads them: a local path, a module registry
 * address, or a remote package address in go-getter syntax (after the shorthands for GitHub, Bitbucket and
 * SCP-style Git have been expanded). Pure: no I/O.
 *
 * `sourceString` gives the normalized form Terraform records as `Source` in `.terraform/modules/modules.json`
 * (for example `github.com/o/r//sub?ref=v1` is recorded as `git::https://github.com/o/r.git//sub?ref=v1`), so a
 * manifest written by either tool can be compared with the configuration.
 */

export const DEFAULT_REGISTRY_HOST = "registry.terraform.io";

export type ModuleSource =
  | { kind: "local"; path: string }
  | { kind: "registry"; host: string; namespace: string; name: string; system: string; subdir: string }
  | { kind: "remote"; getter: RemoteGetter; url: string; subdir: string };

/**
 * How a remote package is fetched. `git` clones with the system git; `http` is an archive URL or a URL that
 * answers with an `X-Terraform-Get` redirection; `file` is an absolute local directory; the others are parsed
 * (so their errors name the right thing) but not fetched by backplan.
 */
export type RemoteGetter = "git" | "http" | "file" | "hg" | "s3" | "gcs";

export type ParsedSource = { ok: true; source: ModuleSource } | { ok: false; error: string };

const LOCAL_PREFIXES = ["./", "../", ".\\", "..\\"];
const FORCED = new Set<string>(["git", "hg", "s3", "gcs", "http", "https", "file"]);
const REGISTRY_PART = /^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$/;
const REGISTRY_SYSTEM = /^[0-9a-z]{1,64}$/;
/** Hosts whose addresses are Git shorthands, never registries (Terraform refuses them as registry hosts). */
const SHORTHAND_HOSTS = new Set(["github.com", "bitbucket.org", "gitlab.com"]);

/** True for a source Terraform treats as a path relative to the calling module. */
export function isLocalSource(raw: string): boolean {
  return raw === "." || raw === ".." || LOCAL_PREFIXES.some((p) => raw.startsWith(p));
}

/**
 * Parses a module `source` argument. Errors are full sentences describing what was expected; the caller adds
 * the place.
 */
export function parseModuleSource(raw: string): ParsedSource {
  if (raw === "") return { ok: false, error: "The module source address must not be empty." };
  if (isLocalSource(raw)) return { ok: true, source: { kind: "local", path: raw.replace(/\\/g, "/") } };

  const registry = parseRegistrySource(raw);
  if (registry.ok) return registry;
  if (registry.error !== undefined) return { ok: false, error: registry.error };

  return parseRemoteSource(raw);
}

/**
 * `[host/]namespace/name/system[//subdir]`. Returns `{ ok: false }` without an error when `raw` is simply not
 * registry-shaped (the caller tries the remote forms), and with an error when it is registry-shaped but invalid.
 */
function parseRegistrySource(raw: string): ParsedSource | { ok: false; error?: string } {
  if (raw.includes("::") || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) || raw.includes("?")) return { ok: false };
  const [pkg, subdir] = splitSubdir(raw);
  const parts = pkg.split("/");
  if (parts.length !== 3 && parts.length !== 4) return { ok: false };
  let host = DEFAULT_REGISTRY_HOST;
  if (parts.length === 4) {
    const h = parts.shift()!;
    if (!/^[A-Za-z0-9.-]+(?::[0-9]+)?$/.test(h) || !h.includes(".") && !h.includes(":")) return { ok: false };
    if (SHORTHAND_HOSTS.has(h.toLowerCase())) return { ok: false };
    host = h.toLowerCase();
  }
  const [namespace, name, system] = parts as [string, string, string];
  if (!REGISTRY_PART.test(namespace) || !REGISTRY_PART.test(name) || !REGISTRY_SYSTEM.test(system)) return { ok: false };
  return { ok: true, source: { kind: "registry", host, namespace, name, system, subdir } };
}

function parseRemoteSource(raw: string): ParsedSource {
  let forced: string | undefined;
  let rest = raw;
  const m = /^([A-Za-z0-9]+)::(.*)$/s.exec(raw);
  if (m) {
    forced = m[1]!.toLowerCase();
    rest = m[2]!;
    if (!FORCED.has(forced)) return { ok: false, error: `The source "${raw}" forces the unknown installation method "${m[1]}::". Expected git::, hg::, s3::, gcs:: or http(s)::.` };
  }
  const [pkg, subdir] = splitSubdir(rest);
  if (subdir.split("/").includes("..")) return { ok: false, error: `The subdirectory "${subdir}" of "${raw}" leads outside the package: "//" subdirectories may not contain "..".` };

  const shorthand = forced === undefined || forced === "git" ? expandShorthand(pkg) : undefined;
  if (shorthand !== undefined) {
    if ("error" in shorthand) return { ok: false, error: shorthand.error };
    const joined = [shorthand.subdir, subdir].filter((x) => x !== "").join("/");
    return { ok: true, source: { kind: "remote", getter: "git", url: shorthand.url, subdir: joined } };
  }

  if (pkg.startsWith("/")) {
    const url = `file://${pkg}`;
    return { ok: true, source: { kind: "remote", getter: forced === "git" ? "git" : forced === "hg" ? "hg" : "file", url, subdir } };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(pkg)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return {
      ok: false,
      error:
        `Terraform could not tell how to install the module package "${raw}": it is neither a registry address ` +
        `(namespace/name/system) nor a URL. If you meant a path relative to this module, write "./${raw}" instead.`,
    };
  }
  switch (forced) {
    case "git":
    case "hg":
    case "s3":
    case "gcs":
      return { ok: true, source: { kind: "remote", getter: forced, url: pkg, subdir } };
    case "http":
    case "https":
      return { ok: true, source: { kind: "remote", getter: "http", url: pkg, subdir } };
    case "file":
      return { ok: true, source: { kind: "remote", getter: "file", url: pkg, subdir } };
    case undefined:
      break;
  }
  switch (scheme) {
    case "http":
    case "https":
      return { ok: true, source: { kind: "remote", getter: "http", url: pkg, subdir } };
    case "file":
      return { ok: true, source: { kind: "remote", getter: "file", url: pkg, subdir } };
    case "ssh":
      return { ok: true, source: { kind: "remote", getter: "git", url: pkg, subdir } };
    case "s3":
      return { ok: true, source: { kind: "remote", getter: "s3", url: pkg, subdir } };
    case "gcs":
      return { ok: true, source: { kind: "remote", getter: "gcs", url: pkg, subdir } };
    default:
      return { ok: false, error: `The source "${raw}" uses the URL scheme "${scheme}", which has no module installer. Expected https://, git::, a registry address or a local path.` };
  }
}

/** Splits `pkg//sub/dir?query` into `pkg?query` and `sub/dir` (only a "//" before the query counts). */
export function splitSubdir(src: string): [string, string] {
  const q = src.indexOf("?");
  const beforeQuery = q >= 0 ? src.slice(0, q) : src;
  const query = q >= 0 ? src.slice(q) : "";
  const schemeEnd = beforeQuery.indexOf("://");
  const from = schemeEnd >= 0 ? schemeEnd + 3 : 0;
  const sep = beforeQuery.indexOf("//", from);
  if (sep < 0) return [src, ""];
  return [beforeQuery.slice(0, sep) + query, beforeQuery.slice(sep + 2)];
}

/** GitHub / Bitbucket shorthands and SCP-style `user@host:path` Git addresses, as Git URLs; else undefined. */
function expandShorthand(pkg: string): { url: string; subdir: string } | { error: string } | undefined {
  for (const host of ["github.com", "bitbucket.org"]) {
    if (pkg.startsWith(`${host}/`)) {
      const q = pkg.indexOf("?");
      const path = q >= 0 ? pkg.slice(0, q) : pkg;
      const query = q >= 0 ? pkg.slice(q) : "";
      const parts = path.split("/");
      if (parts.length < 3 || parts[1] === "" || parts[2] === "") {
        return { error: `The ${host} shorthand "${pkg}" needs an owner and a repository: ${host}/OWNER/REPO.` };
      }
      let repo = `https://${parts.slice(0, 3).join("/")}`;
      if (!repo.endsWith(".git")) repo += ".git";
      // Path segments after OWNER/REPO name a subdirectory, as go-getter's GitHub detector reads them.
      const extra = parts.slice(3).join("/");
      return { url: `${repo}${query}`, subdir: extra };
    }
  }
  const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(pkg);
  if (scp) {
    const [, user, host, path] = scp;
    return { url: `ssh://${user}@${host}/${path!.replace(/^\//, "")}`, subdir: "" };
  }
  return undefined;
}

/** The package address without the subdirectory, as fetched (`git::https://host/r.git?ref=v1`). */
export function packageString(src: ModuleSource): string {
  switch (src.kind) {
    case "local":
      return src.path;
    case "registry":
      return `${src.host}/${src.namespace}/${src.name}/${src.system}`;
    case "remote":
      return src.getter === "http" || src.getter === "file" ? src.url : `${src.getter}::${src.url}`;
  }
}

/** The normalized address Terraform records in modules.json: the subdirectory goes before any query string. */
export function sourceString(src: ModuleSource): string {
  const pkg = packageString(src);
  if (src.kind === "local" || src.subdir === "") return pkg;
  const q = pkg.indexOf("?");
  return q >= 0 ? `${pkg.slice(0, q)}//${src.subdir}${pkg.slice(q)}` : `${pkg}//${src.subdir}`;
}

/** The registry address as Terraform shows it to people: the default host left out. */
export function registryDisplay(src: Extract<ModuleSource, { kind: "registry" }>): string {
  const base = `${src.namespace}/${src.name}/${src.system}`;
  return src.host === DEFAULT_REGISTRY_HOST ? base : `${src.host}/${base}`;
}
