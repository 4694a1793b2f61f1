/**
 * API throughput of the engine on one node against two behind a load balancer (issue 19): CLIENTS concurrent
 * clients for SECONDS seconds per set-up, each set-up a fresh PostgreSQL database (or the embedded SQLite), engine
 * nodes as separate processes of the built CLI, and HAProxy (test/support/haproxy.ts) in front where it says so.
 * Two workloads: "mixed" (create a CDP policy and poll its job, read it, LIKE query, delete it and poll, read: the
 * loop of load.bench.ts) and "read" (a read by uuid and a LIKE query over 200 policies made beforehand).
 *
 *   node dist/test/bench/nodes.bench.js [--clients 32] [--seconds 20]
 *
 * Everything shares one machine: the clients, HAProxy, PostgreSQL and the nodes compete for the same cores, so a
 * second node adds capacity only where one node left cores idle.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { killHard, startEngineProcess, type EngineProcess } from "../support/engine-process.js";
import { startHaproxy, type Haproxy } from "../support/haproxy.js";
import { startPostgres } from "../support/postgres.js";
import { percentile, zstackLoadClient, type LoadCounts } from "./zstack-load-client.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const CLIENTS = arg("clients", 32);
const SECONDS = arg("seconds", 20);

interface Result extends LoadCounts {
  inconsistent: number;
}

type Workload = "mixed" | "read";

async function drive(base: string, workload: Workload): Promise<Result> {
  const client = await zstackLoadClient(base, CLIENTS);
  const { req, job } = client;
  let inconsistent = 0;
  const createPolicy = async (name: string) =>
    (await job("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name, recoveryPointPerSecond: 60 } }))?.inventory?.uuid as string | undefined;

  const fixtures: string[] = [];
  client.measuring = false;
  if (workload === "read") for (let i = 0; i < 200; i++) fixtures.push((await createPolicy(`read-${i}`))!);
  client.measuring = true;
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let n = 0;
      while (Date.now() < deadline) {
        n++;
        if (workload === "read") {
          const uuid = fixtures[(c * 7919 + n) % fixtures.length]!;
          const found = await req("GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
          if (found.status === 200 && found.json?.inventories?.length !== 1) inconsistent++;
          await req("GET", `/zstack/v1/cdp-backup-storage/policy?q=${encodeURIComponent(`name~=read-${n % 20}%`)}&limit=5`);
          continue;
        }
        const uuid = await createPolicy(`load-${c}-${n}`);
        if (!uuid) continue;
        const found = await req("GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        if (found.status === 200 && found.json?.inventories?.length !== 1) inconsistent++;
        await req("GET", `/zstack/v1/cdp-backup-storage/policy?q=${encodeURIComponent(`name~=load-${c}-%`)}&limit=5`);
        await job("DELETE", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        const gone = await req("GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        if (gone.status === 200 && gone.json?.inventories?.length !== 0) inconsistent++;
      }
    }),
  );
  await client.close();
  return { ...client.counts, inconsistent };
}

interface SetUp {
  name: string;
  nodes: number;
  metadata: boolean;
  balancer: boolean;
}

const SETUPS: readonly SetUp[] = [
  { name: "1 node, embedded SQLite", nodes: 1, metadata: false, balancer: false },
  { name: "1 node, PostgreSQL", nodes: 1, metadata: true, balancer: false },
  { name: "1 node, PostgreSQL, behind HAProxy", nodes: 1, metadata: true, balancer: true },
  { name: "2 nodes, PostgreSQL, behind HAProxy", nodes: 2, metadata: true, balancer: true },
];

async function main(): Promise<void> {
  const pg = await startPostgres();
  const rows: string[] = [];
  let failed = false;
  try {
    let db = 0;
    for (const setup of SETUPS) {
      for (const workload of ["mixed", "read"] as const) {
        const metadata = setup.metadata ? await pg.createDatabase(`bench${++db}`) : undefined;
        const dirs: string[] = [];
        const nodes: EngineProcess[] = [];
        let lb: Haproxy | undefined;
        try {
          for (let i = 0; i < setup.nodes; i++) {
            const dir = mkdtempSync(join(tmpdir(), "backplan-nodes-bench-"));
            dirs.push(dir);
            // One node at a time: the second joins the cluster the first made (and finds the demo lab seeded).
            nodes.push(await startEngineProcess(dir, true, { built: true, args: metadata ? ["--metadata", metadata, "--node-name", `n${i + 1}`] : [] }));
          }
          if (setup.balancer) lb = await startHaproxy(nodes.map((n) => n.url));
          const r = await drive(lb?.url ?? nodes[0]!.url, workload);
          const lat = r.latencies.sort((a, b) => a - b);
          const pct = (p: number) => percentile(lat, p);
          rows.push(`| ${setup.name} | ${workload} | ${r.requests} | ${Math.round(r.requests / SECONDS)} | ${pct(50)} | ${pct(99)} | ${r.fiveXx} | ${r.inconsistent} |`);
          if (r.fiveXx > 0 || r.inconsistent > 0) failed = true;
        } finally {
          await lb?.stop();
          for (const n of nodes) await killHard(n);
          for (const d of dirs) rmSync(d, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await pg.stop();
  }
  console.log(`${CLIENTS} clients × ${SECONDS} s per row, ${cpus().length} cores shared by the clients, HAProxy, PostgreSQL 15 and the engine nodes (each a process of the built CLI).\n`);
  console.log("| set-up | workload | requests | req/s | p50 ms | p99 ms | 5xx | inconsistent reads |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
  console.log(
    "\nmixed: create a CDP policy (async job, polled), read it, LIKE query, delete it (polled), read it again. read: a read by uuid and a LIKE query over 200 policies. " +
      "An inconsistent read is a policy a client created that a read through the balancer did not return (or one still returned after its delete): " +
      "with two nodes, each request refreshes its node from PostgreSQL first, so there must be none.",
  );
  if (failed) process.exitCode = 1;
}

await main();
