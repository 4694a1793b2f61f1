#!/usr/bin/env node
/**
 * The `backplan` executable. `npm run build` bundles the CLI into one file beside this one (`backplan.cjs`, see
 * bundle.ts) with a V8 code cache: loading it costs a fraction of importing the few hundred modules it is made
 * of, a cost every plan, apply and CI step pays. Without a current bundle (from src/ under tsx, after a `tsc`
 * without the bundling step, or with BACKPLAN_NO_BUNDLE set) the modules are imported as they are.
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { compileBundle, writeCodeCache } from "../bridge/code-cache.js";

type Main = (argv: string[]) => Promise<number>;

const BUNDLE = fileURLToPath(new URL("./backplan.cjs", import.meta.url));
const MODULES = fileURLToPath(new URL("./cli.js", import.meta.url));

/** A bundle older than the compiled modules (a `tsc` run without the bundling step) would run stale code. */
function bundleIsCurrent(): boolean {
  const bundle = statSync(BUNDLE, { throwIfNoEntry: false });
  const modules = statSync(MODULES, { throwIfNoEntry: false });
  return bundle !== undefined && (modules === undefined || bundle.mtimeMs >= modules.mtimeMs);
}

async function loadMain(): Promise<{ main: Main; afterRun?: () => void }> {
  if (process.env["BACKPLAN_NO_BUNDLE"] !== undefined || !bundleIsCurrent()) return { main: (await import("./cli.js")).main };
  const { script, cacheRejected } = compileBundle(BUNDLE);
  const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
  const mod: { exports: { main?: Main } } = { exports: {} };
  moduleFn.call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
  const main = mod.exports.main;
  if (!main) throw new Error(`${BUNDLE} does not export main: rebuild with npm run build`);
  // A cache made by another Node version is rejected: rewrite it after the run, when it also holds what the run compiled.
  return cacheRejected ? { main, afterRun: () => tryWriteCache(script) } : { main };
}

function tryWriteCache(script: Parameters<typeof writeCodeCache>[1]): void {
  try {
    writeCodeCache(BUNDLE, script);
  } catch {
    // A read-only installation works without a cache, only slower to start.
  }
}

loadMain()
  .then(async ({ main, afterRun }) => {
    process.exitCode = await main(process.argv.slice(2));
    afterRun?.();
  })
  .catch((e: unknown) => {
    process.stderr.write(`backplan: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
