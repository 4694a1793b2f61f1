/**
 * Loading configuration from disk: a module directory (`*.tf`, `*.tf.json` in lexical order), a single file,
 * a cdktf `cdk.tf.json`, or a cdktf output directory (`cdktf.out`, whose manifest.json lists the stacks), plus
 * every child module: local sources from their paths, remote and registry sources from where `init` installed them
 * (`.terraform/modules/modules.json` of the root module's directory, or of `TF_DATA_DIR`). This is the I/O edge; parsing and
 * decoding are pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { decodeModule } from "./decode.js";
import type { File } from "./hcl/ast.js";
import { parseFile } from "./hcl/parser.js";
import { parseJsonFile } from "./json/syntax.js";
import type { Config, ModuleCall } from "./model.js";
import { type Manifest, modulesDir, readManifest } from "./modules/manifest.js";
import { type ModuleSource, parseModuleSource, sourceString } from "./modules/source.js";
import { moduleVersionAcceptable, parseModuleConstraints } from "./version-constraint.js";
import { fileStartRange } from "./source.js";
import { checkCoreVersion } from "./core-version.js";
import { validateConfig } from "./validate.js";

export interface LoadOptions {
  /** cdktf: the stack to load from a cdktf.out directory (required when it has several). */
  stack?: string;
  /** Directory diagnostics' filenames are relative to (default: the process's working directory). */
  displayBase?: string;
  /** Run the cross-reference checks of validateConfig as well (default true). */
  validate?: boolean;
  /** Load child modules (default true); false reads only the given module (module installation walks itself). */
  children?: boolean;
  /** Environment for `TF_DATA_DIR` (where installed modules are recorded); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadResult {
  /** The root module (with loaded children); present even when there are errors, as far as it could be read. */
  config?: Config;
  diagnostics: Diagnostic[];
  /** Text of every file read, by the filename used in diagnostics (for rendering source lines). */
  sources: Map<string, string>;
}

const MAX_MODULE_DEPTH = 16;

/** What a path given on the command line stands for. */
export type ConfigSource =
  | { kind: "dir"; dir: string }
  | { kind: "file"; file: string }
  | { kind: "cdktf"; outDir: string; stack: string; dir: string; file: string };

/**
 * Works out what `path` is: a directory of .tf files, one config file, or a cdktf output (the `cdktf.out`
 * directory itself, its manifest.json, or a project directory containing `cdktf.out` and no .tf files).
 */
export function resolveConfigSource(path: string, stack?: string): { source?: ConfigSource; diagnostics: Diagnostic[] } {
  const abs = resolve(path);
  const fail = (summary: string, detail: string) => ({ diagnostics: [{ severity: "error" as const, summary, detail }] });
  if (!existsSync(abs)) return fail("No such configuration path", `The path "${path}" does not exist. Expected a directory of .tf files, a .tf/.tf.json file, or a cdktf.out directory.`);
  const st = statSync(abs);
  if (st.isFile()) {
    if (basename(abs) === "manifest.json") return cdktfSource(dirname(abs), stack);
    if (abs.endsWith(".tf") || abs.endsWith(".tf.json")) return { source: { kind: "file", file: abs }, diagnostics: [] };
    return fail("Unsupported configuration file", `"${path}" is not a configuration file: expected a name ending in .tf or .tf.json.`);
  }
  if (existsSync(join(abs, "manifest.json")) && existsSync(join(abs, "stacks"))) return cdktfSource(abs, stack);
  const hasConfig = configFileNames(abs).length > 0;
  if (!hasConfig && existsSync(join(abs, "cdktf.out", "manifest.json"))) return cdktfSource(join(abs, "cdktf.out"), stack);
  return { source: { kind: "dir", dir: abs }, diagnostics: [] };
}

interface CdktfManifest {
  stacks?: Record<string, { name?: string; workingDirectory?: string; synthesizedStackPath?: string }>;
}

function cdktfSource(outDir: string, stack?: string): { source?: ConfigSource; diagnostics: Diagnostic[] } {
  const manifestPath = join(outDir, "manifest.json");
  const fail = (summary: string, detail: string) => ({ diagnostics: [{ severity: "error" as const, summary, detail, subject: fileStartRange(manifestPath) }] });
  let manifest: CdktfManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as CdktfManifest;
  } catch (e) {
    return fail("Invalid cdktf manifest", `Could not read ${manifestPath} as JSON (${(e as Error).message}). Expected the manifest.json written by cdktf synth.`);
  }
  const stacks = manifest.stacks && typeof manifest.stacks === "object" ? manifest.stacks : {};
  const names = Object.keys(stacks);
  if (names.length === 0) return fail("No cdktf stacks", `${manifestPath} lists no stacks. Run cdktf synth first.`);
  let chosen = stack;
  if (chosen === undefined) {
    if (names.length > 1) return fail("Several cdktf stacks", `${manifestPath} lists ${names.length} stacks (${names.join(", ")}): choose one with --stack NAME.`);
    chosen = names[0]!;
  }
  const entry = stacks[chosen];
  if (!entry) return fail("Unknown cdktf stack", `There is no stack "${chosen}" in ${manifestPath}. Expected one of: ${names.join(", ")}.`);
  const file = join(outDir, entry.synthesizedStackPath ?? join("stacks", chosen, "cdk.tf.json"));
  if (!existsSync(file)) return fail("Missing cdktf stack file", `The stack "${chosen}" should be synthesized at ${file}, but that file does not exist. Run cdktf synth again.`);
  return { source: { kind: "cdktf", outDir, stack: chosen, dir: dirname(file), file }, diagnostics: [] };
}

/** Config files of a directory (override files included), lexically sorted; editor and hidden files excluded. */
export function configFileNames(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith(".") && !n.startsWith("#") && !n.endsWith("~") && (n.endsWith(".tf") || n.endsWith(".tf.json"))).sort();
}

function isOverride(name: string): boolean {
  const stem = name.replace(/\.tf(\.json)?$/, "");
  return stem === "override" || stem.endsWith("_override");
}

/** Parses one configuration file by its extension. */
export function parseConfigFile(text: string, filename: string): { file: File; diagnostics: Diagnostic[] } {
  return filename.endsWith(".json") ? parseJsonFile(text, filename) : parseFile(text, filename);
}

/** Loads a configuration (see resolveConfigSource for what `path` may be) with all local child modules. */
export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  const sources = new Map<string, string>();
  const resolved = resolveConfigSource(path, opts.stack);
  if (!resolved.source) return { diagnostics: resolved.diagnostics, sources };
  const base = opts.displayBase ?? process.cwd();
  const display = (p: string) => {
    const r = relative(base, p);
    return r === "" ? basename(p) : r.startsWith(".." + sep + ".." + sep) ? p : r;
  };
  const diagnostics: Diagnostic[] = [];

  const readFile = (dir: string, name: string): File | undefined => {
    const full = join(dir, name);
    const shown = display(full);
    let text: string;
    try {
      text = readFileSync(full, "utf8");
    } catch (e) {
      diagnostics.push({ severity: "error", summary: "Failed to read file", detail: `Could not read ${shown}: ${(e as Error).message}.`, subject: fileStartRange(shown) });
      return undefined;
    }
    sources.set(shown, text);
    const parsed = name.endsWith(".json") ? parseJsonFile(text, shown) : parseFile(text, shown);
    diagnostics.push(...parsed.diagnostics);
    return parsed.file;
  };

  /** The primary files of a directory (or just `only`), and its override files in lexical order. */
  const readFiles = (dir: string, only?: string[]): { files: File[]; overrides: File[] } => {
    const files: File[] = [];
    const overrides: File[] = [];
    for (const name of only ?? configFileNames(dir)) {
      const override = !only && isOverride(name);
      const file = readFile(dir, name);
      if (file) (override ? overrides : files).push(file);
    }
    return { files, overrides };
  };

  let manifest: Manifest | undefined;
  /** The installed-module record for a remote module call, or the diagnostic saying why there is none usable. */
  const installedDir = (rootDir: string, call: ModuleCall, key: string, source: ModuleSource): string | undefined => {
    if (!manifest) {
      const read = readManifest(rootDir, opts.env);
      manifest = read.manifest;
      if (read.error) diagnostics.push({ severity: "error", summary: "Unreadable module manifest", detail: read.error });
    }
    const initHint = 'Run "backplan init" to install all modules required by this configuration.';
    const fail = (summary: string, detail: string) => {
      diagnostics.push({ severity: "error", summary, detail: `${detail} ${initHint}`, subject: call.sourceRange });
      return undefined;
    };
    const record = manifest.get(key);
    if (!record) return fail("Module not installed", `Module "${call.name}" (source "${call.source}") is not yet installed in ${display(modulesDir(rootDir, opts.env))}.`);
    const want = sourceString(source);
    if (record.Source !== want) {
      return fail("Module source has changed", `Module "${call.name}" was installed from "${record.Source}", but its source is now "${want}".`);
    }
    if (source.kind === "registry" && call.version !== undefined) {
      if (parseModuleConstraints(call.version).ok && (record.Version === undefined || !moduleVersionAcceptable(call.version, record.Version))) {
        return fail(
          "Module version requirements have changed",
          `Module "${call.name}" requires version "${call.version}", and the installed version (${record.Version ?? "unknown"}) is no longer acceptable.`,
        );
      }
    }
    const childDir = resolve(rootDir, record.Dir);
    if (!existsSync(childDir) || !statSync(childDir).isDirectory()) {
      return fail("Module not installed", `Module "${call.name}" is recorded as installed in ${record.Dir}, but that directory does not exist.`);
    }
    return childDir;
  };

  const loadModule = (rootDir: string, dir: string, modPath: string[], chain: string[], only?: string[]): Config => {
    const { files, overrides } = readFiles(dir, only);
    const cfg = decodeModule(display(dir), modPath, files, diagnostics, overrides);
    cfg.dir = dir;
    if (opts.children === false) return cfg;
    for (const call of cfg.moduleCalls.values()) {
      const src = call.source;
      const parsed = parseModuleSource(src);
      if (!parsed.ok) {
        diagnostics.push({ severity: "error", summary: "Invalid module source address", detail: `Module "${call.name}": ${parsed.error}`, subject: call.sourceRange });
        continue;
      }
      if (call.version !== undefined && parsed.source.kind !== "registry") {
        diagnostics.push({
          severity: "error",
          summary: "Invalid registry module source address",
          detail: `Module "${call.name}" has a version argument, but its source "${src}" is not a module registry address: only registry modules have versions. Remove version, or pin the version in the source (for Git, ?ref=).`,
          subject: call.versionRange ?? call.sourceRange,
        });
        continue;
      }
      if (call.version !== undefined) {
        const c = parseModuleConstraints(call.version);
        if (!c.ok) {
          diagnostics.push({ severity: "error", summary: "Invalid version constraint", detail: `Module "${call.name}": ${c.error}`, subject: call.versionRange ?? call.sourceRange });
          continue;
        }
      }
      if (parsed.source.kind !== "local") {
        const installed = installedDir(rootDir, call, [...modPath, call.name].join("."), parsed.source);
        if (installed === undefined) continue;
        cfg.children.set(call.name, loadModule(rootDir, installed, [...modPath, call.name], [...chain, installed]));
        continue;
      }
      const childDir = resolve(dir, src);
      if (chain.includes(childDir) || modPath.length >= MAX_MODULE_DEPTH) {
        diagnostics.push({
          severity: "error",
          summary: "Module cycle",
          detail: `Module "${call.name}" (${src}) would load ${display(childDir)}, which is already being loaded by an enclosing module: modules cannot include themselves.`,
          subject: call.sourceRange,
        });
        continue;
      }
      if (!existsSync(childDir) || !statSync(childDir).isDirectory()) {
        diagnostics.push({
          severity: "error",
          summary: "Module not found",
          detail: `Module "${call.name}" has source "${src}", but ${display(childDir)} is not a directory. Expected a directory of .tf files.`,
          subject: call.sourceRange,
        });
        continue;
      }
      if (configFileNames(childDir).length === 0) {
        diagnostics.push({
          severity: "error",
          summary: "Empty module",
          detail: `Module "${call.name}" has source "${src}", but ${display(childDir)} contains no .tf or .tf.json files.`,
          subject: call.sourceRange,
        });
        continue;
      }
      cfg.children.set(call.name, loadModule(rootDir, childDir, [...modPath, call.name], [...chain, childDir]));
    }
    return cfg;
  };

  const src = resolved.source;
  let config: Config;
  switch (src.kind) {
    case "dir": {
      if (configFileNames(src.dir).length === 0) {
        return {
          diagnostics: [
            {
              severity: "error",
              summary: "No configuration files",
              detail: `The directory ${display(src.dir)} contains no .tf or .tf.json files. Expected a Terraform-style configuration (or a cdktf.out directory).`,
            },
          ],
          sources,
        };
      }
      config = loadModule(src.dir, src.dir, [], [src.dir]);
      break;
    }
    case "file":
      config = loadModule(dirname(src.file), dirname(src.file), [], [dirname(src.file)], [basename(src.file)]);
      break;
    case "cdktf":
      config = loadModule(src.dir, src.dir, [], [src.dir], [basename(src.file)]);
      break;
  }
  if (opts.validate !== false) diagnostics.push(...checkCoreVersion(config), ...validateConfig(config));
  return { config, diagnostics: dedupe(diagnostics), sources };
}

/** Drops exact repeats (JSON bodies are re-read when decoded as blocks, which can repeat a parse error). */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.severity}|${d.summary}|${d.detail}|${d.subject ? `${d.subject.filename}:${d.subject.start.byte}` : ""}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
