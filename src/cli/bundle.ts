import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cachePath, writeCodeCache } from "../bridge/code-cache.js";

/**
 * Build step (after tsc): bundles the CLI (`cli.js` and everything it imports, except native addons) into
 * `dist/src/cli/backplan.cjs` with a V8 code cache beside it; `main.js` runs it. The bundle sits in the same
 * directory as the compiled `cli.js` so that the paths modules compute from `import.meta.url` (package.json,
 * examples/, dist/bridge/) resolve the same from both.
 *
 * The engine's PostgreSQL metadata runs in a worker thread, which needs a file of its own: it is bundled beside
 * the CLI as `pg-metadata-worker.cjs`, where `src/engine/store/pg-sync.ts` looks first. synckit stays external
 * in both (it loads a file of its own package into every worker it starts).
 */
const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, "backplan.cjs");

await build({
  entryPoints: [join(here, "cli.js")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["better-sqlite3", "synckit"],
  define: { "import.meta.url": "__backplanBundleUrl" },
  banner: { js: 'const __backplanBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: "none",
  // Without comments and indentation the bundle is 3.8 MB instead of 5.2 MB, and ASCII (the comments of
  // dependencies held typographic quotes): Node reads an ASCII file into a one-byte string, where one
  // non-ASCII character made it decode all of it into a two-byte one. Together ~0.1 G instructions, ~10 ms of
  // every command's start. Names are kept (stack traces name functions; lines were bundle lines before too).
  minifyWhitespace: true,
  charset: "ascii",
  logLevel: "warning",
});

await build({
  entryPoints: [join(here, "../engine/store/pg-metadata-worker.js")],
  outfile: join(here, "pg-metadata-worker.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["synckit"],
  legalComments: "none",
  logLevel: "warning",
});

writeWarmCodeCache();

/**
 * The code cache, written after a real plan. A cache made right after compiling holds the bundle's top level
 * only: every function a command runs was then compiled from source on its first call (a tenth of a
 * 10,000-resource plan's main thread). main.js writes the cache after a run that found none, with everything that
 * run compiled: here that run is a no-op plan (state read, refresh, nothing to do) of a small configuration. If
 * it fails, the top-level cache is written as before.
 */
function writeWarmCodeCache(): void {
  const dir = mkdtempSync(join(tmpdir(), "backplan-code-cache-"));
  const main = join(here, "main.js");
  const env = { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" };
  const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args, "-no-color", "-input=false", "-lock=false"], { cwd: dir, env, encoding: "utf8" });
  try {
    writeFileSync(
      join(dir, "main.tf"),
      `variable "n" {\n  default = 2\n}\n\nlocals {\n  prefix = "warm"\n}\n\n` +
        `resource "terraform_data" "one" {\n  input = { name = "\${local.prefix}-one", n = 1 }\n}\n\n` +
        `resource "terraform_data" "many" {\n  count = var.n\n  input = { name = "\${local.prefix}-\${count.index}", n = count.index }\n}\n\n` +
        `output "ids" {\n  value = terraform_data.many[*].id\n}\n`,
    );
    rmSync(cachePath(bundle), { force: true });
    const applied = run("apply", "-auto-approve");
    rmSync(cachePath(bundle), { force: true });
    const planned = applied.status === 0 ? run("plan", "-detailed-exitcode") : applied;
    if (planned.status !== 0 || !existsSync(cachePath(bundle))) {
      process.stderr.write(`warning: the warm code cache was not written (${(planned.stderr || planned.stdout).trim().split("\n")[0] ?? ""}); writing the top-level one\n`);
      writeCodeCache(bundle);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
