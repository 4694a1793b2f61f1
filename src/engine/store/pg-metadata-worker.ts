import { runAsWorker } from "synckit";
import { PgMetadataConnection } from "./pg-connection.js";
import type { WorkerError, WorkerRequest, WorkerResponse } from "./pg-worker-protocol.js";

/**
 * The worker thread behind `PgMetadataStore`: holds its PostgreSQL connections (one per open store, by handle)
 * and runs one request at a time while the engine's main thread waits (synckit). Errors come back as values,
 * so their SQLSTATE and detail survive the trip.
 */
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
      return method.apply(conn, req.args);
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
