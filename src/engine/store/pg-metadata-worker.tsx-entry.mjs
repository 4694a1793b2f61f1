// The PostgreSQL metadata worker when the engine runs from its TypeScript sources (tsx, vitest): Node 20 does not
// apply the parent's tsx loader to a worker thread, so the worker registers tsx itself, then loads the worker.
// Built code never uses this file: it runs dist/.../pg-metadata-worker.js or the bundled pg-metadata-worker.cjs.
import { register } from "tsx/esm/api";

register();
await import("./pg-metadata-worker.ts");
