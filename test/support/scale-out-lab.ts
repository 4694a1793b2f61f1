/**
 * The scale-out engine as docs/engine-scale-out.md describes running it, for the end-to-end tests of issue 19:
 * PostgreSQL 15 (metadata and coordination), OpenStack Swift with s3api (chunks), one shared primary-storage
 * directory, two `backplan engine serve` processes of the built CLI (each its own data dir, `--node-name node1`
 * and `node2`, fixed ports so a restarted node is back where the balancer looks for it) and HAProxy in front.
 * The HAProxy servers carry the node names, so its log names the node that served each request.
 *
 *   const lab = await startScaleOutLab();   // beforeAll (Swift is slow to start: once per file)
 *   lab.lb.url                              // the one URL clients use
 *   await lab.kill("node1"); ... await lab.start("node1");
 *   await lab.dispose();                    // afterAll
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { BUILT_MAIN, killHard, requireBuiltCli, startEngineProcess, type EngineProcess } from "./engine-process.js";
import { freePort } from "./free-port.js";
import { startHaproxy, type Haproxy } from "./haproxy.js";
import { query, startPostgres, type Postgres } from "./postgres.js";
import { startTestS3, type TestS3 } from "./s3.js";

export interface LabNode {
  /** `--node-name`, and the node's server name in HAProxy. */
  readonly name: string;
  readonly url: string;
  readonly dataDir: string;
  /** The running process, undefined while the node is stopped or killed. */
  process: EngineProcess | undefined;
}

export interface ScaleOutLab {
  readonly metadata: string;
  readonly chunks: string;
  readonly primaryStorage: string;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the bucket: give them to every engine command. */
  readonly env: Record<string, string>;
  readonly s3: TestS3;
  readonly lb: Haproxy;
  readonly nodes: readonly LabNode[];
  node(name: string): LabNode;
  /** Starts (or restarts) the node on its data dir and port. */
  start(name: string): Promise<void>;
  /** SIGKILL. */
  kill(name: string): Promise<void>;
  /** SIGTERM, waiting for a clean exit. */
  stop(name: string): Promise<number | null>;
  /** The `engine serve` / `engine verify` arguments every node shares. */
  sharedArgs(): string[];
  /** Rows of one statement on the metadata database. */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The names of the nodes that served requests (from HAProxy's log), with how many each. */
  servedBy(): Record<string, number>;
  /** The built CLI in `cwd` (NO_COLOR, the bucket's credentials); bounded. */
  cli(args: string[], cwd: string, timeoutMs?: number): Promise<{ code: number | null; out: string }>;
  dispose(): Promise<void>;
}

export async function startScaleOutLab(nodeCount = 2): Promise<ScaleOutLab> {
  requireBuiltCli();
  const work = mkdtempSync(join(tmpdir(), "backplan-scale-out-"));
  const [pgsrv, s3] = await Promise.all([startPostgres(), startTestS3()]);
  let lb: Haproxy | undefined;
  const nodes: LabNode[] = [];
  const dispose = async () => {
    for (const n of nodes) if (n.process) await killHard(n.process);
    await lb?.stop();
    await pgsrv.stop();
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const metadata = await pgsrv.createDatabase("engine");
    await s3.bucket("chunks");
    const chunks = `s3://chunks/lab?endpoint=${s3.endpoint}&region=${s3.region}&path_style=true`;
    const primaryStorage = join(work, "shared");
    mkdirSync(primaryStorage);
    const env = { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey };
    const sharedArgs = () => ["--metadata", metadata, "--chunks", chunks, "--primary-storage", primaryStorage];
    for (let i = 1; i <= nodeCount; i++) {
      const dataDir = join(work, `data-${i}`);
      mkdirSync(dataDir);
      nodes.push({ name: `node${i}`, url: `http://127.0.0.1:${await freePort()}`, dataDir, process: undefined });
    }
    const node = (name: string) => {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no lab node ${name}`);
      return n;
    };
    const start = async (name: string) => {
      const n = node(name);
      if (n.process && n.process.child.exitCode === null && n.process.child.signalCode === null) throw new Error(`${name} is running`);
      const args = [...sharedArgs(), "--node-name", n.name, "--listen", new URL(n.url).host];
      n.process = await startEngineProcess(n.dataDir, true, { built: true, args, env });
    };
    for (const n of nodes) await start(n.name);
    lb = await startHaproxy(nodes.map((n) => n.url));
    const lbNow = lb;
    return {
      metadata,
      chunks,
      primaryStorage,
      env,
      s3,
      lb: lbNow,
      nodes,
      node,
      start,
      async kill(name) {
        const n = node(name);
        if (n.process) await killHard(n.process);
        n.process = undefined;
      },
      async stop(name) {
        const n = node(name);
        const p = n.process;
        if (!p) return null;
        p.child.kill("SIGTERM");
        const code = await p.exited;
        n.process = undefined;
        return code;
      },
      sharedArgs,
      query: (sql, params = []) => query(metadata, sql, params),
      servedBy() {
        const counts: Record<string, number> = {};
        for (const m of lbNow.output().matchAll(/ nodes\/(\S+) /g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
        return counts;
      },
      cli: (args, cwd, timeoutMs = 180_000) =>
        new Promise((done) => {
          const child = spawn(process.execPath, [BUILT_MAIN, ...args], { cwd, env: { ...process.env, ...env, NO_COLOR: "1" } });
          let out = "";
          child.stdout.on("data", (d: Buffer) => (out += d.toString()));
          child.stderr.on("data", (d: Buffer) => (out += d.toString()));
          const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
          child.on("close", (code) => {
            clearTimeout(timer);
            done({ code, out });
          });
        }),
      dispose,
    };
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
}
