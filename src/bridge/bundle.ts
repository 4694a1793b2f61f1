import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { selfSignedCertificate } from "./certificate.js";
import { cachePath, WRITE_CACHE_ENV } from "./code-cache.js";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "./handshake.js";

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
const loader = join(outDir, "terraform-provider-loader.cjs");

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
  outfile: loader,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
});
// The code cache: a launch of each provider as Terraform does it (mutual TLS included), until the provider has
// loaded. The second launch starts from the first one's cache and writes one that covers both providers.
rmSync(cachePath(bundle), { force: true });
for (const provider of ["zstack", "csbs"]) {
  execFileSync(process.execPath, [loader, provider], {
    env: {
      ...process.env,
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: "6",
      PLUGIN_CLIENT_CERT: selfSignedCertificate().certPem,
      [WRITE_CACHE_ENV]: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 60_000,
  });
}
