/**
 * `.terraform/modules/modules.json`, the record of installed modules that `terraform init` and `backplan init`
 * both write and both read: `{"Modules":[{"Key":"","Source":"","Dir":"."}, {"Key":"a.b","Source":"...",
 * "Version":"1.0.0","Dir":".terraform/modules/a.b"}, ...]}`. Keys are module call names joined by ".", Dir is
 * relative to the working directory (the root module's directory) — or absolute, under an absolute
 * `TF_DATA_DIR` — and Source the normalized source address. `.terraform` is the data directory (data-dir.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { dataDir, dataDirName } from "../data-dir.js";

export interface ManifestRecord {
  Key: string;
  Source: string;
  Version?: string;
  Dir: string;
}

export type Manifest = Map<string, ManifestRecord>;

/** Where installed modules live for a root module directory: `<data dir>/modules`, absolute. */
export function modulesDir(rootDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(rootDir, env), "modules");
}

/** Where the manifest lives for a root module directory. */
export function manifestPath(rootDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(modulesDir(rootDir, env), "modules.json");
}

/**
 * Where a remote module with this key is installed, as its `Dir` record says it: relative to the root module
 * directory, or absolute under an absolute `TF_DATA_DIR` (Terraform records the data directory as given).
 */
export function installDirFor(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return posix.join(dataDirName(env), "modules", key);
}

/**
 * Reads the manifest of `rootDir`. A missing file is an empty manifest; an unreadable one is an error string
 * (a manifest Terraform wrote is never unreadable, so this means a damaged file).
 */
export function readManifest(rootDir: string, env: NodeJS.ProcessEnv = process.env): { manifest: Manifest; error?: string } {
  const path = manifestPath(rootDir, env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { manifest: new Map() };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { manifest: new Map(), error: `${path} is not valid JSON (${(e as Error).message}). Run "backplan init" to reinstall the modules.` };
  }
  const records = (doc as { Modules?: unknown }).Modules;
  if (!Array.isArray(records)) return { manifest: new Map(), error: `${path} has no "Modules" list. Run "backplan init" to reinstall the modules.` };
  const manifest: Manifest = new Map();
  for (const r of records as Record<string, unknown>[]) {
    if (typeof r?.Key !== "string" || typeof r.Dir !== "string") continue;
    manifest.set(r.Key, {
      Key: r.Key,
      Source: typeof r.Source === "string" ? r.Source : "",
      ...(typeof r.Version === "string" && r.Version !== "" ? { Version: r.Version } : {}),
      Dir: r.Dir,
    });
  }
  return { manifest };
}

/** The manifest as Terraform writes it: compact JSON, records sorted by key, Go's HTML-safe escaping. */
export function formatManifest(manifest: Manifest): string {
  const records = [...manifest.values()].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  const json = JSON.stringify({
    Modules: records.map((r) => ({ Key: r.Key, Source: r.Source, ...(r.Version ? { Version: r.Version } : {}), Dir: r.Dir })),
  });
  // Go's encoding/json escapes these so the document is safe inside HTML; Terraform's file has them escaped.
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Writes the manifest atomically (a crash leaves the old one or the new one). */
export function writeManifest(rootDir: string, manifest: Manifest, env: NodeJS.ProcessEnv = process.env): void {
  const path = manifestPath(rootDir, env);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, formatManifest(manifest));
  renameSync(tmp, path);
}
