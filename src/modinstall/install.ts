/**
 * `init`'s module installation: walks the module tree from a root directory, installs every remote module
 * (Git, HTTP archives, module registries) into `.terraform/modules/<key>` and writes
 * `.terraform/modules/modules.json` in Terraform's layout (`.terraform` being `TF_DATA_DIR` when set), so Terraform and backplan can each use what the other
 * installed. Local modules are recorded, not copied, as Terraform does. A module already installed from the
 * same source (and, for registry modules, at a version the constraint still allows) is kept unless `upgrade`.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import type { ModuleCall } from "../config/model.js";
import { type Manifest, type ManifestRecord, installDirFor, readManifest, writeManifest } from "../config/modules/manifest.js";
import { type ModuleSource, packageString, parseModuleSource, registryDisplay, sourceString } from "../config/modules/source.js";
import { formatLooseVersion, moduleVersionAcceptable, newestModuleVersion, parseLooseVersion, parseModuleConstraints } from "../config/version-constraint.js";
import { credentialsFromEnvironment } from "./credentials.js";
import { fetchGit } from "./git.js";
import { type HttpContext, archiveOf, dispatcherFor, fetchArchive, resolveTerraformGet } from "./http.js";
import { RegistryClient } from "./registry.js";

export interface InstallOptions {
  /** Re-fetch every remote module and pick the newest allowed registry versions (`init -upgrade`). */
  upgrade?: boolean;
  signal?: AbortSignal;
  /** Environment for credentials (TF_TOKEN_*, TF_CLI_CONFIG_FILE, HOME), SSL_CERT_FILE and TF_DATA_DIR; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Progress, one line at a time, worded as Terraform's init words it. */
  log?: (line: string) => void;
  /** Directory diagnostics' filenames are relative to (default: the process's working directory). */
  displayBase?: string;
}

export interface InstallResult {
  diagnostics: Diagnostic[];
  /** Text of every configuration file read, by the filename used in diagnostics. */
  sources: Map<string, string>;
  /** The manifest written (also when some modules failed: it records those that were installed). */
  manifest: Manifest;
}

const MAX_DEPTH = 16;
type Remote = Extract<ModuleSource, { kind: "remote" }>;

/**
 * Installs the modules of the configuration in `rootDir`. Never throws for a module that cannot be installed:
 * each failure is an error diagnostic naming the module block, and the rest are still installed.
 */
export async function installModules(rootDir: string, opts: InstallOptions = {}): Promise<InstallResult> {
  const root = resolve(rootDir);
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const dispatcher = await dispatcherFor(env);
  const ctx: HttpContext = { ...(dispatcher ? { dispatcher } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  const registry = new RegistryClient(credentialsFromEnvironment(env), ctx);
  const previous = readManifest(root, env).manifest;
  const manifest: Manifest = new Map([["", { Key: "", Source: "", Dir: "." }]]);
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const displayBase = opts.displayBase ?? process.cwd();

  // Dir records are built from the parent's record, not from absolute paths, as Terraform builds them: a
  // package under an absolute TF_DATA_DIR is recorded absolute, a local module of the root relative to it.
  const visit = async (dir: string, recordDir: string, modPath: string[], chain: string[]): Promise<void> => {
    const loaded = loadConfig(dir, { validate: false, children: false, displayBase, env });
    for (const [k, v] of loaded.sources) sources.set(k, v);
    diagnostics.push(...loaded.diagnostics.filter((d) => d.summary !== "No configuration files" || modPath.length > 0));
    if (!loaded.config) return;
    const calls = [...loaded.config.moduleCalls.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const call of calls) {
      opts.signal?.throwIfAborted();
      const key = [...modPath, call.name].join(".");
      const installed = await installOne(call, key, dir, recordDir);
      if (!installed) continue;
      manifest.set(key, installed.record);
      const childDir = resolve(root, installed.record.Dir);
      if (chain.includes(childDir) || modPath.length + 1 >= MAX_DEPTH) {
        diagnostics.push({ severity: "error", summary: "Module cycle", detail: `Module "${key}" would load ${installed.record.Dir}, which an enclosing module already loads: modules cannot include themselves.`, subject: call.sourceRange });
        continue;
      }
      await visit(childDir, installed.record.Dir, [...modPath, call.name], [...chain, childDir]);
    }
  };

  const fail = (call: ModuleCall, summary: string, detail: string): undefined => {
    diagnostics.push({ severity: "error", summary, detail, subject: call.sourceRange });
    return undefined;
  };

  const installOne = async (call: ModuleCall, key: string, parentDir: string, parentRecordDir: string): Promise<{ record: ManifestRecord } | undefined> => {
    const parsed = parseModuleSource(call.source);
    if (!parsed.ok) return fail(call, "Invalid module source address", `Module "${call.name}": ${parsed.error}`);
    const src = parsed.source;
    if (call.version !== undefined) {
      if (src.kind !== "registry") return fail(call, "Invalid registry module source address", `Module "${call.name}" has a version argument, but its source "${call.source}" is not a module registry address: only registry modules have versions.`);
      const c = parseModuleConstraints(call.version);
      if (!c.ok) return fail(call, "Invalid version constraint", `Module "${call.name}": ${c.error}`);
    }
    if (src.kind === "local") {
      const childDir = resolve(parentDir, src.path);
      if (!existsSync(childDir) || !statSync(childDir).isDirectory()) {
        return fail(call, "Unreadable module directory", `Module "${call.name}" has source "${call.source}", but ${childDir} is not a directory.`);
      }
      const recorded = goJoin(parentRecordDir, src.path);
      log(`- ${key} in ${recorded}`);
      return { record: { Key: key, Source: cleanLocal(src.path), Dir: recorded } };
    }

    const wantSource = sourceString(src);
    const prior = previous.get(key);
    if (!opts.upgrade && prior && prior.Source === wantSource && existsSync(resolve(root, prior.Dir))) {
      if (src.kind !== "registry" || (prior.Version !== undefined && moduleVersionAcceptable(call.version, prior.Version))) {
        log(`- ${key} in ${prior.Dir}`);
        return { record: prior };
      }
    }

    const destRecord = installDirFor(key, env);
    const dest = resolve(root, destRecord);
    const recordOf = (sub: string) => goJoin(destRecord, relative(dest, sub).split(sep).join("/"));
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dirname(dest), { recursive: true });
    const where = `${call.declRange.filename}:${call.declRange.start.line}`;
    try {
      if (src.kind === "registry") {
        const m = { host: src.host, namespace: src.namespace, name: src.name, system: src.system };
        const available = await registry.versions(m);
        const chosen = newestModuleVersion(available, call.version);
        if (chosen === undefined) {
          const newest = newestModuleVersion(available, undefined);
          return fail(
            call,
            "Unresolvable module version constraint",
            `There is no available version of module "${call.name}" (${where}) which matches the given version constraint${call.version ? ` "${call.version}"` : ""}.` +
              (newest ? ` The newest available version is ${newest}.` : " The registry lists no versions."),
          );
        }
        const version = normalizeVersion(chosen);
        log(`Downloading ${registryDisplay(src)} ${version} for ${key}...`);
        const location = await registry.location(m, chosen);
        const target = parseModuleSource(location);
        if (!target.ok) throw new Error(`the registry gave the download location "${location}": ${target.error}`);
        if (target.source.kind !== "remote") throw new Error(`the registry gave the download location "${location}", which is not a remote package address (it may not be a registry address or a local path)`);
        const inner = await fetchPackage(target.source, dest, ctx, opts.signal);
        const sub = resolveSubdir(dest, joinSub(target.source.subdir, inner, src.subdir));
        return { record: { Key: key, Source: wantSource, Version: version, Dir: recordOf(sub) } };
      }
      log(`Downloading ${packageString(src)} for ${key}...`);
      const inner = await fetchPackage(src, dest, ctx, opts.signal);
      const sub = resolveSubdir(dest, joinSub(inner, src.subdir));
      return { record: { Key: key, Source: wantSource, Dir: recordOf(sub) } };
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      rmSync(dest, { recursive: true, force: true });
      const shown = src.kind === "registry" ? registryDisplay(src) : packageString(src);
      return fail(call, "Failed to download module", `Could not download module "${call.name}" (${where}) source code from "${shown}": ${(e as Error).message}.`);
    }
  };

  try {
    await visit(root, ".", [], [root]);
  } finally {
    writeManifest(root, manifest, env);
  }
  return { diagnostics, sources, manifest };
}

/**
 * Fetches one remote package into `dest`. Returns a subdirectory the package address itself named beyond the
 * source's own (an `X-Terraform-Get` answer may carry `//subdir`), "" when none.
 */
async function fetchPackage(src: Remote, dest: string, ctx: HttpContext, signal: AbortSignal | undefined, hops = 0): Promise<string> {
  switch (src.getter) {
    case "git":
      await fetchGit(src.url, dest, signal);
      return "";
    case "file": {
      // Terraform's file getter links the directory rather than copying it.
      const path = fileURLToPath(src.url);
      if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`${path} is not a directory`);
      symlinkSync(path, dest, "dir");
      return "";
    }
    case "http": {
      const archive = archiveOf(src.url);
      if (archive) {
        await fetchArchive(archive.url, archive.format, dest, ctx);
        return "";
      }
      if (hops >= 5) throw new Error("too many X-Terraform-Get redirections");
      const location = await resolveTerraformGet(src.url, ctx);
      const next = parseModuleSource(location);
      if (!next.ok) throw new Error(`${src.url} pointed to "${location}": ${next.error}`);
      if (next.source.kind !== "remote") throw new Error(`${src.url} pointed to "${location}", which is not a remote package address`);
      // go-getter's HTTP getter fetches the named package aside and copies only its subdirectory into place,
      // so the module directory is `dest` itself (Terraform records no subdirectory for it).
      const aside = `${dest}.fetch-${process.pid}`;
      rmSync(aside, { recursive: true, force: true });
      try {
        const inner = await fetchPackage(next.source, aside, ctx, signal, hops + 1);
        renameSync(resolveSubdir(aside, joinSub(next.source.subdir, inner)), dest);
      } finally {
        rmSync(aside, { recursive: true, force: true });
      }
      return "";
    }
    case "hg":
    case "s3":
    case "gcs":
      throw new Error(`backplan does not install ${src.getter} packages; install this module with "terraform init" (backplan plans what it installed) or use a git:: or https:// source`);
  }
}

function joinSub(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

/**
 * The directory a `//subdir` names inside an installed package. A `*` is not expanded: Terraform 1.11 takes it
 * literally (and then fails), so a glob subdirectory fails here too.
 */
function resolveSubdir(pkgDir: string, subdir: string): string {
  let dir = pkgDir;
  for (const seg of subdir.split("/").filter((s) => s !== "" && s !== ".")) {
    if (seg === "..") throw new Error(`the subdirectory "${subdir}" leads outside the package`);
    dir = join(dir, seg);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`the package has no subdirectory "${subdir}"`);
  return dir;
}

/** A local source as Terraform records it: cleaned, keeping its leading "./" or "../". */
/** Go's `filepath.Join` on slash paths: joined, cleaned, no trailing slash (what Terraform records as `Dir`). */
function goJoin(a: string, b: string): string {
  const joined = posix.join(a, b);
  return joined.length > 1 ? joined.replace(/\/+$/, "") : joined;
}

function cleanLocal(path: string): string {
  const clean = posix.normalize(path);
  return clean.startsWith("../") || clean === ".." || clean === "." ? clean : `./${clean}`;
}

/** A registry version as Terraform records it (go-version's String: three segments, no "v"). */
function normalizeVersion(text: string): string {
  const v = parseLooseVersion(text);
  return v ? formatLooseVersion(v) : text;
}
