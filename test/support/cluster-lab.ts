/**
 * What the cluster tests share: a PostgreSQL server for the file (started before, stopped after), a fresh
 * database per test, child node processes and temp dirs that are killed and removed after each test, and a
 * one-shot query. Call `useClusterLab()` at the top of a `describe`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startNodeProcess, type NodeProcess } from "./cluster-node.js";
import { killHard } from "./engine-process.js";
import { startPostgres, type Postgres } from "./postgres.js";

export interface ClusterLab {
  /** A new, empty database: its connection string. */
  database(): Promise<string>;
  /** A node in a child process (cluster-node-main.ts), SIGKILLed after the test if still running. */
  child(spec: object): Promise<NodeProcess>;
  /** A temp dir removed after the test. */
  tempDir(): string;
  /** Runs after the test, before the child processes are killed and the dirs removed (close in-process nodes). */
  afterTest(fn: () => Promise<void>): void;
  /** The rows of one query on `url`. */
  query<T extends pg.QueryResultRow>(url: string, sql: string, params?: unknown[]): Promise<T[]>;
}

export function useClusterLab(): ClusterLab {
  let pgsrv: Postgres | undefined;
  let n = 0;
  const children: NodeProcess[] = [];
  const dirs: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    pgsrv = await startPostgres();
  }, 120_000);
  afterEach(async () => {
    for (const fn of cleanups.splice(0)) await fn();
    for (const c of children.splice(0)) await killHard(c);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  afterAll(async () => {
    await pgsrv?.stop();
  });
  return {
    database: () => pgsrv!.createDatabase(`cluster${++n}`),
    async child(spec) {
      const p = await startNodeProcess(spec);
      children.push(p);
      return p;
    },
    tempDir() {
      const d = mkdtempSync(join(tmpdir(), "backplan-cluster-"));
      dirs.push(d);
      return d;
    },
    afterTest: (fn) => cleanups.push(fn),
    async query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
}
