import type { PgMetadataConnection } from "./pg-connection.js";

/** The connection's methods the engine calls through the worker (everything async it has but open/close). */
export type ConnectionMethod = {
  [K in keyof PgMetadataConnection]: PgMetadataConnection[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof PgMetadataConnection];

/** One call into the worker thread that holds the PostgreSQL connections. */
export type WorkerRequest =
  | { op: "open"; url: string; appliedBy: string }
  | { op: "call"; handle: number; method: ConnectionMethod; args: unknown[] }
  | { op: "close"; handle: number };

/** An error as it crosses the thread boundary: what the main thread needs to rebuild a useful one. */
export interface WorkerError {
  name: string;
  message: string;
  /** SQLSTATE or a Node.js error code (ECONNREFUSED...). */
  code?: string;
  detail?: string;
}

export type WorkerResponse = { ok: true; value: unknown } | { ok: false; error: WorkerError };
