import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Script } from "node:vm";

/** Set to "1", the provider loader writes the bundle's code cache after the handshake and exits (build step). */
export const WRITE_CACHE_ENV = "BACKPLAN_BRIDGE_WRITE_CODE_CACHE";

/** Where the V8 code cache of a CommonJS bundle lives: beside it. */
export const cachePath = (bundle: string): string => `${bundle}.v8cache`;

/** The bundle wrapped as a CommonJS module function, compiled with its code cache when one is usable. */
export function compileBundle(bundle: string): { script: Script; cacheRejected: boolean } {
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, "utf8").replace(/^#!.*/, "")}\n});`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath(bundle));
  } catch {
    cachedData = undefined;
  }
  const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  return { script, cacheRejected: cachedData === undefined || script.cachedDataRejected === true };
}

/**
 * Writes the code cache of a bundle. V8 caches are tied to the Node version: a cache made by another version is
 * rejected at load (and the loader rewrites it), never misused.
 */
export function writeCodeCache(bundle: string, script: Script = compileBundle(bundle).script): void {
  // Through a rename: Terraform starts providers side by side, and a launch must never read a half-written cache.
  const tmp = `${cachePath(bundle)}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cachePath(bundle));
}
