import { runAsWorker } from "synckit";
import { PgMetadataConnection } from "./pg-connection.js";
import type { ConnectionMethod, WorkerError, WorkerRequest, WorkerResponse } from "./pg-worker-protocol.js";

/**
 * The worker thread behind `PgMetadataStore`: holds its PostgreSQL connections (one per open store, by handle)
 * and runs one request at a time while the engine's main thread waits (synckit). Errors come back as values,
 * so their SQLSTATE and detail survive the trip.
 *
 * A lost connection is replaced before the next call. A call that failed because the connection was lost is
 * repeated once on a new one when repeating it cannot do anything twice (reads, taking or releasing a lock);
 * a write is not (it may have committed before the connection went): its caller gets the error.
 */
const REPEATABLE: ReadonlySet<ConnectionMethod> = new Set<ConnectionMethod>([
  "changesSince",
  "everything",
  "pruneTombstones",
  "stateLatest",
  "stateVersion",
  "stateVersions",
  "stateData",
  "stateNames",
  "stateLock",
  "stateTryLock",
  "stateUnlock",
]);

const connections = new Map<number, PgMetadataConnection>();
let nextHandle = 1;

async function run(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case "open": {
      const handle = nextHandle++;
      connections.set(handle, await PgMetadataConnection.open(req.url, req.appliedBy));
      return handle;
    }
    case "call": {
      const conn = connections.get(req.handle);
      if (!conn) throw new Error(`metadata connection ${req.handle} is closed`);
      const method = conn[req.method] as (...args: unknown[]) => Promise<unknown>;
      if (conn.lost()) await conn.reconnect();
      try {
        return await method.apply(conn, req.args);
      } catch (e) {
        if (!conn.lost(e) || !REPEATABLE.has(req.method)) throw e;
        await conn.reconnect();
        return await method.apply(conn, req.args);
      }
    }
    case "close": {
      const conn = connections.get(req.handle);
      connections.delete(req.handle);
      await conn?.close();
      return undefined;
    }
  }
}

function asWorkerError(e: unknown): WorkerError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const { code, detail } = e as { code?: unknown; detail?: unknown };
  return {
    name: e.name,
    message: e.message || (e instanceof AggregateError ? e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join("; ") : ""),
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof detail === "string" ? { detail } : {}),
  };
}

runAsWorker(async (req: WorkerRequest): Promise<WorkerResponse> => {
  try {
    return { ok: true, value: await run(req) };
  } catch (e) {
    return { ok: false, error: asWorkerError(e) };
  }
});
