/**
 * HTTP(S) module packages, as go-getter's HTTP getter fetches them for Terraform: a URL whose path ends in an
 * archive extension (or that carries `?archive=FORMAT`) is downloaded and unpacked; any other URL is asked
 * (with `terraform-get=1` added) where the package really is, answered by an `X-Terraform-Get` header or a
 * `<meta name="terraform-get" content="...">` tag. Archives are unpacked with the system `tar` / `unzip`.
 *
 * TLS: like Terraform (Go), `SSL_CERT_FILE` names the CA bundle to trust instead of the built-in roots.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { runTool } from "./run.js";

const ARCHIVES = ["tar.gz", "tgz", "tar.bz2", "tbz2", "tar.xz", "txz", "tar", "zip"] as const;
type ArchiveFormat = (typeof ARCHIVES)[number];

export interface HttpContext {
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

/**
 * The dispatcher honouring SSL_CERT_FILE of `env` (undefined: Node's defaults). undici is loaded here and in
 * `httpGet`, when a module is fetched, not at start-up: every command loads this module, few fetch anything.
 */
export async function dispatcherFor(env: NodeJS.ProcessEnv): Promise<Dispatcher | undefined> {
  const file = env.SSL_CERT_FILE;
  if (!file) return undefined;
  const { Agent } = await import("undici");
  return new Agent({ connect: { ca: readFileSync(file, "utf8") } });
}

/** The archive format a package URL names, the URL to download it from (without `archive=`), or undefined. */
export function archiveOf(url: string): { format: ArchiveFormat; url: string } | undefined {
  const u = new URL(url);
  const forced = u.searchParams.get("archive");
  if (forced !== null) {
    u.searchParams.delete("archive");
    if (forced === "false") return undefined;
    const f = ARCHIVES.find((a) => a === forced);
    if (!f) throw new Error(`?archive=${forced} is not an archive format backplan can unpack (${ARCHIVES.join(", ")})`);
    return { format: f, url: u.toString() };
  }
  const path = u.pathname.toLowerCase();
  const f = ARCHIVES.find((a) => path.endsWith(`.${a}`));
  return f ? { format: f, url } : undefined;
}

/** GET with a readable error for any non-2xx status. */
export async function httpGet(url: string, ctx: HttpContext, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { getGlobalDispatcher, interceptors, request } = await import("undici");
  const dispatcher = (ctx.dispatcher ?? getGlobalDispatcher()).compose(interceptors.redirect({ maxRedirections: 10 }));
  const res = await request(url, { method: "GET", headers, dispatcher, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** Downloads an archive and unpacks it into `dest` (which must not exist yet or be empty). */
export async function fetchArchive(url: string, format: ArchiveFormat, dest: string, ctx: HttpContext): Promise<void> {
  const res = await httpGet(url, ctx);
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${url} answered ${res.status}`);
  const tmp = mkdtempSync(join(tmpdir(), "backplan-module-"));
  try {
    const file = join(tmp, `package.${format}`);
    writeFileSync(file, res.body);
    await runTool("mkdir", ["-p", dest]);
    const opts = ctx.signal ? { signal: ctx.signal } : {};
    if (format === "zip") await runTool("unzip", ["-qo", file, "-d", dest], opts);
    else await runTool("tar", ["-xf", file, "-C", dest, "--no-same-owner"], opts);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Asks a non-archive URL where its package is. Returns the source address it names. Unlike a registry's
 * download location, this answer is not resolved against the request: Terraform 1.11 refuses a relative one
 * ("invalid source string"), and so does backplan.
 */
export async function resolveTerraformGet(url: string, ctx: HttpContext): Promise<string> {
  const u = new URL(url);
  u.searchParams.set("terraform-get", "1");
  const res = await httpGet(u.toString(), ctx);
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${u} answered ${res.status}`);
  const header = res.headers["x-terraform-get"];
  let target = Array.isArray(header) ? header[0] : header;
  if (!target) {
    const m = /<meta\s+name=["']terraform-get["']\s+content=["']([^"']+)["']/i.exec(res.body.toString("utf8"));
    target = m?.[1];
  }
  if (!target) throw new Error(`${url} is not an archive and answered without an X-Terraform-Get header or terraform-get meta tag`);
  if (target.startsWith("/") || target.startsWith("./") || target.startsWith("../")) throw new Error(`${url} answered with the relative location "${target}", which is not a valid source address here (only a registry may answer with a relative URL)`);
  return target;
}

/** A registry or X-Terraform-Get location: relative ones (`/`, `./`, `../`) are URLs relative to `base`. */
export function resolveRelative(location: string, base: string): string {
  if (location.startsWith("/") || location.startsWith("./") || location.startsWith("../")) return new URL(location, base).toString();
  return location;
}
