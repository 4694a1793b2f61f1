/**
 * What the installed provider executables run: loads the bundled provider (`terraform-provider.cjs` beside this
 * file) through its V8 code cache, skipping most parsing and compiling at each of Terraform's launches. A missing
 * or rejected cache is rewritten once the provider has answered its handshake.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { compileBundle, writeCodeCache } from "./code-cache.js";

const bundle = join(__dirname, "terraform-provider.cjs");
const { script, cacheRejected } = compileBundle(bundle);
const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
const mod = { exports: {} };
moduleFn.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
if (cacheRejected) {
  // After start-up, so the cache also holds the functions the handshake compiled.
  setTimeout(() => {
    try {
      writeCodeCache(bundle, script);
    } catch {
      // A read-only installation keeps working without a cache.
    }
  }, 500).unref();
}
