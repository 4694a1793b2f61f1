import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Build step (after tsc): bundles the provider entry (`serve-main.js`) with grpc-js, protobufjs, msgpack, zod,
 * undici and both providers into one ES module, `dist/bridge/terraform-provider.mjs`. One file parses far faster
 * than some hundreds of module lookups, and Terraform starts a provider several times per command.
 */
const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "..");

export const BUNDLE_PATH = join(dist, "bridge", "terraform-provider.mjs");

await build({
  entryPoints: [join(here, "serve-main.js")],
  outfile: BUNDLE_PATH,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies (grpc-js) call require() for Node built-ins; an ES module bundle needs one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
});
