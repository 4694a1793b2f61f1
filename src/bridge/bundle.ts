import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCodeCache } from "./code-cache.js";

/**
 * Build step (after tsc): bundles the provider entry (`serve-main.js`) with grpc-js, protobufjs, msgpack, zod,
 * undici and both providers into one CommonJS file, `dist/bridge/terraform-provider.cjs`, plus a V8 code cache
 * beside it. One pre-compiled file starts far faster than some hundreds of module lookups and compiles, and
 * Terraform starts a provider several times per command. `dist/bridge/terraform-provider-loader.cjs` (a copy of
 * the compiled `loader.cjs`) is what the installed executables run.
 */
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "..", "bridge");
const bundle = join(outDir, "terraform-provider.cjs");

await build({
  entryPoints: [join(here, "serve-main.js")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
await build({
  entryPoints: [join(here, "loader.js")],
  outfile: join(outDir, "terraform-provider-loader.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
});
writeCodeCache(bundle);
