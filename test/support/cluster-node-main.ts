/**
 * A child process playing one engine node for the cluster tests, so a test can SIGKILL it mid-work (see
 * cluster-node.ts, which starts it). argv[2] is a JSON spec:
 *
 * - `{"mode": "engine", "options": {...}}`: `startEngine(options)`; prints `listening on URL`.
 * - `{"mode": "cluster", "metadata", "nodeId", "bounds", "claims": [{scope, key}], "leases": [name]}`: joins the
 *   cluster, makes the until-done claims and takes the leases, prints `READY <json of what it got>`, then keeps
 *   its heartbeat and leases alive until killed.
 * - `{"mode": "job", "metadata", "nodeId", "bounds", "dataDir"}`: joins the cluster and starts an API job that
 *   never ends in the data dir's jobs; prints `READY {"job": uuid}`.
 */
import { PostgresCluster } from "../../src/engine/cluster/pg-cluster.js";
import type { ClusterBounds } from "../../src/engine/cluster/cluster.js";
import { systemClock } from "../../src/engine/domain/clock.js";
import { Jobs } from "../../src/engine/domain/jobs.js";
import { startEngine } from "../../src/engine/server.js";
import { SqliteMetadataStore } from "../../src/engine/store/sqlite-store.js";
import type { EngineOptions } from "../../src/engine/context.js";

type Spec =
  | { mode: "engine"; options: Partial<EngineOptions> & { dataDir: string } }
  | { mode: "cluster"; metadata: string; nodeId: string; bounds: Partial<ClusterBounds>; claims: { scope: string; key: string }[]; leases: string[] }
  | { mode: "job"; metadata: string; nodeId: string; bounds: Partial<ClusterBounds>; dataDir: string };

const spec = JSON.parse(process.argv[2]!) as Spec;

async function joined(s: { metadata: string; nodeId: string; bounds: Partial<ClusterBounds> }): Promise<PostgresCluster> {
  const cluster = await PostgresCluster.open({ connectionString: s.metadata, nodeId: s.nodeId, advertiseUrl: "http://127.0.0.1:9", bounds: s.bounds });
  await cluster.join();
  await cluster.ready("http://127.0.0.1:9");
  return cluster;
}

switch (spec.mode) {
  case "engine": {
    const engine = await startEngine(spec.options);
    process.stdout.write(`listening on ${engine.url}\n`);
    break;
  }
  case "cluster": {
    const cluster = await joined(spec);
    const claims = [];
    for (const c of spec.claims) claims.push(await cluster.claimUntilDone(c.scope, c.key));
    const leases = [];
    for (const name of spec.leases) leases.push((await cluster.tryLease(name, async () => undefined))?.epoch ?? null);
    process.stdout.write(`READY ${JSON.stringify({ claims, leases })}\n`);
    setInterval(() => undefined, 60_000); // stay alive: the heartbeat and lease timers are unref'd
    break;
  }
  case "job": {
    const cluster = await joined(spec);
    const jobs = new Jobs(new SqliteMetadataStore(spec.dataDir), systemClock, 3_600_000, 1000, cluster);
    const job = jobs.start("0123456789abcdef0123456789abcdef", "Forever", 60_000, () => new Promise(() => undefined), () => ({ kind: "internal", message: "" }));
    process.stdout.write(`READY ${JSON.stringify({ job: job.uuid })}\n`);
    setInterval(() => undefined, 60_000);
    break;
  }
}
