/**
 * What the installed provider executables run: loads the bundled provider (`terraform-provider.cjs` beside this
 * file) through its V8 code cache, skipping most parsing and compiling at each of Terraform's launches.
 *
 * The cache is written once the provider has loaded (just after the handshake), so it holds the functions a
 * launch runs: grpc-js and TLS set-up, then the sdk, zod and the provider. `npm run build` writes it by launching
 * each provider once with `WRITE_CACHE_ENV` set (the process exits once it is written); a missing or rejected
 * cache (another Node version) is rewritten by the next launch the same way, without exiting.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { compileBundle, WRITE_CACHE_ENV, writeCodeCache } from "./code-cache.js";

const bundle = join(__dirname, "terraform-provider.cjs");
const { script, cacheRejected } = compileBundle(bundle);
const warmUp = process.env[WRITE_CACHE_ENV] === "1";
const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
const mod: { exports: { loaded?: Promise<void> } } = { exports: {} };
moduleFn.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
if (cacheRejected || warmUp) {
  void (mod.exports.loaded ?? Promise.resolve()).then(() => {
    try {
      writeCodeCache(bundle, script);
    } catch (e) {
      // A read-only installation keeps working without a cache; only the build step needs to know.
      if (warmUp) throw e;
    }
    if (warmUp) process.exit(0);
  });
}
