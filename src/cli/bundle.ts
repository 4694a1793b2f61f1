import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCodeCache } from "../bridge/code-cache.js";

/**
 * Build step (after tsc): bundles the CLI (`cli.js` and everything it imports, except native addons) into
 * `dist/src/cli/backplan.cjs` with a V8 code cache beside it; `main.js` runs it. The bundle sits in the same
 * directory as the compiled `cli.js` so that the paths modules compute from `import.meta.url` (package.json,
 * examples/, dist/bridge/) resolve the same from both.
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
  external: ["better-sqlite3"],
  define: { "import.meta.url": "__backplanBundleUrl" },
  banner: { js: 'const __backplanBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: "none",
  logLevel: "warning",
});
writeCodeCache(bundle);
