/**
 * Load benchmark (not part of the test suite): CLIENTS concurrent clients for SECONDS seconds against a real
 * engine on 127.0.0.1 (in this process), each looping over a mix of creates (CDP policies, async job polled),
 * deletes and queries (by uuid and with LIKE). Reports requests, 5xx count (any, 503 included), inconsistent reads (a policy whose
 * create succeeded but which a query by uuid does not return, or one still listed after its delete), latency
 * percentiles, and memory and open files before, at peak and after.
 *
 *   node --import tsx test/bench/load.bench.ts [--clients 50] [--seconds 60]
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startEngine } from "../../src/engine/server.js";
import { percentile, zstackLoadClient } from "./zstack-load-client.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const CLIENTS = arg("clients", 50);
const SECONDS = arg("seconds", 60);

const openFiles = (): number => readdirSync("/proc/self/fd").length;
const rssMiB = (): number => Math.round(process.memoryUsage().rss / 1024 / 1024);
const heapMiB = (): number => Math.round(process.memoryUsage().heapUsed / 1024 / 1024);

/** A full GC before the "after" sample, so the heap figure shows what is retained, not what is not yet collected. */
function fullGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-load-"));
  const engine = await startEngine({ dataDir, port: 0, host: "127.0.0.1", demo: true });
  const base = engine.url;
  // The clients' own connection pool, closed before the "after" sample: client and engine share this process,
  // so pooled keep-alive sockets would otherwise count as open files the engine kept.
  const client = await zstackLoadClient(base, CLIENTS);
  const { req, job } = client;
  fullGc();
  const before = { rss: rssMiB(), heap: heapMiB(), fds: openFiles() };
  let peak = { rss: before.rss, fds: before.fds };
  let inconsistent = 0;

  const deadline = Date.now() + SECONDS * 1000;
  const sampler = setInterval(() => (peak = { rss: Math.max(peak.rss, rssMiB()), fds: Math.max(peak.fds, openFiles()) }), 500);
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let n = 0;
      while (Date.now() < deadline) {
        const name = `load-${c}-${n++}`;
        const created = await job("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name, recoveryPointPerSecond: 60 } });
        const uuid = created?.inventory?.uuid as string | undefined;
        if (!uuid) continue;
        const found = await req("GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        if (found.json?.inventories?.length !== 1) inconsistent++;
        await req("GET", `/zstack/v1/cdp-backup-storage/policy?q=${encodeURIComponent(`name~=load-${c}-%`)}&limit=5`);
        await job("DELETE", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        const gone = await req("GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`);
        if (gone.json?.inventories?.length !== 0) inconsistent++;
      }
    }),
  );
  clearInterval(sampler);
  await client.close();
  const { requests, fiveXx, latencies } = client.counts;
  await new Promise((d) => setTimeout(d, 2000));
  fullGc();
  const after = { rss: rssMiB(), heap: heapMiB(), fds: openFiles() };
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p);
  console.log(`${CLIENTS} clients × ${SECONDS} s on loopback (create + read + LIKE query + delete + read per loop)\n`);
  console.log("| requests | req/s | 5xx | inconsistent reads | p50 ms | p99 ms | max ms | RSS MiB before / peak / after | heap MiB before / after (after a full GC) | open files before / peak / after |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(`| ${requests} | ${Math.round(requests / SECONDS)} | ${fiveXx} | ${inconsistent} | ${pct(50)} | ${pct(99)} | ${latencies.at(-1)!.toFixed(1)} | ${before.rss} / ${peak.rss} / ${after.rss} | ${before.heap} / ${after.heap} | ${before.fds} / ${peak.fds} / ${after.fds} |`);
  console.log("\nThe engine and its clients share one process (loopback); open files are counted after the clients' connection pool is closed. RSS seldom shrinks once grown (V8 and the allocator keep freed pages); the heap after a full GC is what the engine retains (finished jobs included, bounded at 10,000).");
  if (fiveXx > 0 || inconsistent > 0) process.exitCode = 1;
}

await main();
