/**
 * What the installed provider executables run: loads the bundled provider (`terraform-provider.cjs` beside this
 * file) through its V8 code cache, skipping most parsing and compiling at each of Terraform's launches.
 *
 * The cache is written just after the handshake line, so it holds the functions start-up ran (grpc-js, TLS set-up)
 * and not those of the provider itself, which loads after the handshake: a larger cache would cost more to read
 * than it saves there. `npm run build` writes it by launching the provider once with `WRITE_CACHE_ENV` set (the
 * process exits once it is written); a missing or rejected cache (another Node version) is rewritten by the next
 * launch the same way, without exiting.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { compileBundle, WRITE_CACHE_ENV, writeCodeCache } from "./code-cache.js";

/** Calls `then` once the first stdout write (the handshake line) has been handed to the stream. */
function afterHandshake(then: () => void): void {
  const write = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, ...args: Parameters<typeof write>) {
    process.stdout.write = write;
    setImmediate(then);
    return write.apply(this, args);
  } as typeof write;
}

const bundle = join(__dirname, "terraform-provider.cjs");
const { script, cacheRejected } = compileBundle(bundle);
const warmUp = process.env[WRITE_CACHE_ENV] === "1";
if (cacheRejected || warmUp) {
  afterHandshake(() => {
    try {
      writeCodeCache(bundle, script);
    } catch (e) {
      // A read-only installation keeps working without a cache; only the build step needs to know.
      if (warmUp) throw e;
    }
    if (warmUp) process.exit(0);
  });
}
const moduleFn = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;
const mod = { exports: {} };
moduleFn.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
