import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSyncFn } from "synckit";
import type { PgMetadataConnection } from "./pg-connection.js";
import type { ConnectionMethod, WorkerError, WorkerRequest, WorkerResponse } from "./pg-worker-protocol.js";

/**
 * How long one synchronous call may block the engine before it fails. Every statement is short and the driver
 * gives up connecting after 10 s; this only bounds a wait nothing else bounds (a server that stopped answering).
 */
const CALL_TIMEOUT_MS = 180_000;

/**
 * The worker's file, wherever this module runs from:
 * - the bundled CLI (`dist/src/cli/backplan.cjs`, where `import.meta.url` is the bundle's): the worker bundled
 *   beside it, `pg-metadata-worker.cjs` (emitted by `src/cli/bundle.ts`);
 * - compiled code (`dist/src/engine/store/`): `pg-metadata-worker.js` beside this file;
 * - the TypeScript sources (tsx, vitest): `pg-metadata-worker.tsx-entry.mjs`, which loads tsx in the worker.
 */
function workerFile(): string {
  const candidates = ["./pg-metadata-worker.cjs", "./pg-metadata-worker.js", "./pg-metadata-worker.tsx-entry.mjs"].map((f) => fileURLToPath(new URL(f, import.meta.url)));
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`the PostgreSQL metadata worker is missing (looked for ${candidates.join(", ")})`);
  return found;
}

let syncCall: ((req: WorkerRequest) => WorkerResponse) | undefined;

/** A failed call, with the SQLSTATE / Node.js code of the error behind it. */
export class WorkerCallError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  constructor(e: WorkerError) {
    super(e.message);
    this.name = e.name === "Error" ? "WorkerCallError" : e.name;
    this.code = e.code;
    this.detail = e.detail;
  }
}

function call(req: WorkerRequest): unknown {
  syncCall ??= createSyncFn(workerFile(), { timeout: CALL_TIMEOUT_MS }) as (req: WorkerRequest) => WorkerResponse;
  const res = syncCall(req);
  if (!res.ok) throw new WorkerCallError(res.error);
  return res.value;
}

type Result<M extends ConnectionMethod> = Awaited<ReturnType<PgMetadataConnection[M]>>;

/**
 * A PostgreSQL connection used synchronously: each method blocks the calling thread until the worker thread
 * that owns the connection answers (Atomics.wait, through synckit). Meant for short statements: the engine's
 * event loop stands still meanwhile.
 */
export class SyncPgConnection {
  private constructor(private readonly handle: number) {}

  /** Connects and migrates the schema (see `PgMetadataConnection.open`). */
  static open(url: string, appliedBy: string): SyncPgConnection {
    return new SyncPgConnection(call({ op: "open", url, appliedBy }) as number);
  }

  call<M extends ConnectionMethod>(method: M, ...args: Parameters<PgMetadataConnection[M]>): Result<M> {
    return call({ op: "call", handle: this.handle, method, args }) as Result<M>;
  }

  close(): void {
    call({ op: "close", handle: this.handle });
  }
}
