import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCodeCache } from "../bridge/code-cache.js";

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
  logLevel: "warning",
});
writeCodeCache(bundle);

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
