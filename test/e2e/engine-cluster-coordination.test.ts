import { describe, expect, it } from "vitest";
import type { ClusterBounds, HeldLease } from "../../src/engine/cluster/cluster.js";
import { PostgresCluster } from "../../src/engine/cluster/pg-cluster.js";
import { systemClock } from "../../src/engine/domain/clock.js";
import { JobFailover } from "../../src/engine/domain/job-failover.js";
import { Jobs } from "../../src/engine/domain/jobs.js";
import { SqliteMetadataStore } from "../../src/engine/store/sqlite-store.js";
import { useClusterLab } from "../support/cluster-lab.js";
import { killHard } from "../support/engine-process.js";

/** Short bounds so deaths and expiries happen within a test; the rules are the same at the defaults. */
const BOUNDS: ClusterBounds = { heartbeatMs: 100, deadAfterMs: 1000, leaseMs: 1200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cluster layer on a real PostgreSQL 15: several coordinators (in this process, and child processes killed
 * with SIGKILL) on one database. Fire-once claims under contention, node identity, dead-node detection, leases
 * (never two holders, taken over after the holder dies, handed over on request) and the failover of a dead
 * node's API jobs.
 */
describe("engine cluster coordination on PostgreSQL", () => {
  const lab = useClusterLab();
  const { database, child, query } = lab;
  const unjoined = async (url: string, nodeId: string, bounds: Partial<ClusterBounds> = BOUNDS) => {
    const c = await PostgresCluster.open({ connectionString: url, nodeId, advertiseUrl: `http://127.0.0.1:1/${nodeId}`, bounds });
    lab.afterTest(() => c.close());
    return c;
  };
  const node = async (url: string, nodeId: string, bounds: Partial<ClusterBounds> = BOUNDS) => {
    const c = await unjoined(url, nodeId, bounds);
    const joined = await c.join();
    await c.ready("http://127.0.0.1:1");
    return Object.assign(c, { joinedAlone: joined.alone });
  };

  it("gives each slot to exactly one of two nodes, however many attempts race for it", async () => {
    const url = await database();
    const a = await node(url, "a");
    const b = await node(url, "b");
    const slots = Array.from({ length: 60 }, (_, i) => `trigger-${i}@${1_700_000_000_000 + i * 1000}`);
    // Eight attempts per node per slot, all in flight at once.
    const attempts = slots.flatMap((key) => [a, b].flatMap((c) => Array.from({ length: 8 }, () => c.claimOnce("zstack-trigger", key).then((won) => ({ key, node: c.self.id, won })))));
    const results = await Promise.all(attempts);
    for (const key of slots) expect(results.filter((r) => r.key === key && r.won), key).toHaveLength(1);
    const winners = new Set(results.filter((r) => r.won).map((r) => r.node));
    expect(winners.size).toBeGreaterThan(0);
    // A claimed slot stays claimed: asking again later gets nothing, on either node.
    expect(await a.claimOnce("zstack-trigger", slots[0]!)).toBe(false);
    expect(await b.claimOnce("zstack-trigger", slots[0]!)).toBe(false);
    // Scopes do not collide.
    expect(await a.claimOnce("csbs-operation", slots[0]!)).toBe(true);
  }, 60_000);

  it("refuses a node name a live node uses, knows who is alone, and sees a SIGKILLed node dead after the bound", async () => {
    const url = await database();
    const a = await child({ mode: "cluster", metadata: url, nodeId: "a", bounds: BOUNDS, claims: [], leases: [] });
    const b = await node(url, "b");
    expect(b.joinedAlone).toBe(false);
    await expect(node(url, "a")).rejects.toThrow(/node name "a" is used by a live node at http:\/\/127\.0\.0\.1:9/);
    expect((await b.liveNodes()).map((x) => x.id)).toEqual(["a", "b"]);

    await killHard(a);
    const killedAt = Date.now();
    // Still live right after the kill: its last heartbeat is younger than the bound.
    expect((await b.liveNodes()).map((x) => x.id)).toContain("a");
    while ((await b.liveNodes()).some((x) => x.id === "a")) await sleep(20);
    const deadAfter = Date.now() - killedAt;
    expect(deadAfter).toBeGreaterThanOrEqual(BOUNDS.deadAfterMs - BOUNDS.heartbeatMs - 50);
    expect(deadAfter).toBeLessThan(BOUNDS.deadAfterMs * 3);
    // The dead node's name may be used again, and a node joining next to a dead one is alone once b is gone.
    const again = await node(url, "a");
    expect(again.joinedAlone).toBe(false);
    await b.close();
    await again.close();
    expect((await node(url, "c")).joinedAlone).toBe(true);
  }, 60_000);

  it("starts one node at a time: a node joining while another starts waits for it, then knows it is not alone", async () => {
    const url = await database();
    const a = await unjoined(url, "a");
    const b = await unjoined(url, "b");
    expect(await a.join()).toEqual({ alone: true });
    let bJoined = false;
    const bJoin = b.join().then((r) => {
      bJoined = true;
      return r;
    });
    await sleep(BOUNDS.deadAfterMs * 1.5); // longer than any single query may take
    expect(bJoined).toBe(false);
    await a.ready("http://127.0.0.1:1");
    expect(await bJoin).toEqual({ alone: false });
    await b.ready("http://127.0.0.1:1");
    expect((await a.liveNodes()).map((x) => [x.id, x.url])).toEqual([
      ["a", "http://127.0.0.1:1/a"],
      ["b", "http://127.0.0.1:1/b"],
    ]);
  }, 60_000);

  it("passes an until-done claim on only when its claimer died, to exactly one taker", async () => {
    const url = await database();
    const a = await child({ mode: "cluster", metadata: url, nodeId: "a", bounds: BOUNDS, claims: [{ scope: "job-failover", key: "j1" }], leases: [] });
    expect(a.ready).toMatchObject({ claims: [true] });
    const b = await node(url, "b");
    const c = await node(url, "c");
    expect(await b.claimUntilDone("job-failover", "j1")).toBe(false);
    await killHard(a);
    const killedAt = Date.now();
    let taken: string[] = [];
    while (taken.length === 0) {
      const got = await Promise.all([b, c, b, c].map((x) => x.claimUntilDone("job-failover", "j1").then((won) => (won ? x.self.id : undefined))));
      taken = got.filter((x): x is string => x !== undefined);
      if (taken.length === 0) await sleep(20);
    }
    expect(taken).toHaveLength(1);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(BOUNDS.deadAfterMs - BOUNDS.heartbeatMs - 50);
    const winner = taken[0] === "b" ? b : c;
    const loser = winner === b ? c : b;
    // The new claimer is live: nobody takes it from it; once done, nobody takes it at all.
    expect(await loser.claimUntilDone("job-failover", "j1")).toBe(false);
    expect(await winner.claimUntilDone("job-failover", "j1")).toBe(false);
    await winner.completeClaim("job-failover", "j1");
    await winner.close();
    await sleep(BOUNDS.deadAfterMs + 200);
    expect(await loser.claimUntilDone("job-failover", "j1")).toBe(false);
  }, 60_000);

  it("lets a lease go to another node only after its SIGKILLed holder's lease expired, with a higher epoch", async () => {
    const url = await database();
    const a = await child({ mode: "cluster", metadata: url, nodeId: "a", bounds: BOUNDS, claims: [], leases: ["cdp-task/t1"] });
    expect(a.ready).toMatchObject({ leases: [1] });
    const b = await node(url, "b");
    expect(await b.tryLease("cdp-task/t1", async () => undefined)).toBeUndefined();
    expect((await b.leaseHolder("cdp-task/t1"))?.id).toBe("a");
    // Let the holder renew a few times, so the kill lands with its lease freshly extended.
    await sleep(BOUNDS.leaseMs);
    await killHard(a);
    const killedAt = Date.now();
    let lease: HeldLease | undefined;
    while (!(lease = await b.tryLease("cdp-task/t1", async () => undefined))) await sleep(10);
    const waited = Date.now() - killedAt;
    // Renewed every leaseMs/3, so at the kill at least 2/3 of a term was left: never taken before that.
    expect(waited).toBeGreaterThanOrEqual(Math.floor((BOUNDS.leaseMs * 2) / 3) - 50);
    expect(waited).toBeLessThan(BOUNDS.leaseMs * 3);
    expect(lease.epoch).toBe(2);
    expect(lease.valid()).toBe(true);
    expect((await b.leaseHolder("cdp-task/t1"))?.id).toBe("b");
    // Renewed by b's own loop: still b's after several terms.
    await sleep(BOUNDS.leaseMs * 2);
    expect(lease.valid()).toBe(true);
    expect((await b.leaseHolder("cdp-task/t1"))?.id).toBe("b");
  }, 60_000);

  it("never lets two nodes act as holder at once while they keep taking and handing over a lease", async () => {
    const url = await database();
    const nodes = [await node(url, "a"), await node(url, "b"), await node(url, "c")];
    // Each node samples whether it may act as holder; the holding intervals must not overlap.
    const spans: { node: string; from: number; to: number }[] = [];
    let stop = false;
    let handovers = 0;
    const worker = async (c: PostgresCluster, i: number) => {
      while (!stop) {
        let lease: HeldLease | undefined;
        let lost = false;
        const onLost = async () => {
          lost = true;
          handovers++;
          await sleep(30); // closing what the lease guards takes a while
        };
        lease = i === 0 ? await c.requestLease("cdp-task/shared", onLost).catch(() => undefined) : await c.tryLease("cdp-task/shared", onLost);
        if (!lease) {
          await sleep(5);
          continue;
        }
        const from = performance.now();
        let to = from;
        const until = from + 50 + Math.random() * 400;
        while (!stop && !lost && performance.now() < until && lease.valid()) {
          to = performance.now();
          await sleep(5);
        }
        spans.push({ node: c.self.id, from, to });
        await lease.release();
      }
    };
    const running = nodes.map((c, i) => worker(c, i));
    await sleep(8_000);
    stop = true;
    await Promise.all(running);
    expect(new Set(spans.map((s) => s.node)).size).toBe(3);
    const sorted = [...spans].sort((x, y) => x.from - y.from);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.from, `${sorted[i - 1]!.node} held until ${sorted[i - 1]!.to}, ${sorted[i]!.node} from ${sorted[i]!.from}`).toBeGreaterThan(sorted[i - 1]!.to);
    }
    expect(handovers).toBeGreaterThan(0);
    const [row] = await query<{ epoch: string }>(url, "SELECT epoch FROM backplan_cluster_leases WHERE name = 'cdp-task/shared'");
    expect(Number(row!.epoch)).toBe(spans.length);
  }, 60_000);

  it("hands a lease over on request: the holder's onLost finishes before the requester gets it", async () => {
    const url = await database();
    const a = await node(url, "a");
    const b = await node(url, "b");
    let releasedAt = 0;
    const held = await a.tryLease("cdp-task/t2", async (reason) => {
      expect(reason).toContain('node "b" asked for it');
      await sleep(BOUNDS.leaseMs); // longer than a term: the lease must be kept renewed meanwhile
      releasedAt = performance.now();
    });
    expect(held?.epoch).toBe(1);
    const got = await b.requestLease("cdp-task/t2", async () => undefined);
    expect(releasedAt).toBeGreaterThan(0);
    expect(performance.now()).toBeGreaterThanOrEqual(releasedAt);
    expect(got.epoch).toBe(2);
    expect(held!.valid()).toBe(false);
  }, 60_000);

  it("fails the running API job of a SIGKILLed node from another node, naming the dead node, once", async () => {
    const url = await database();
    const dataDir = lab.tempDir();
    const a = await child({ mode: "job", metadata: url, nodeId: "a", bounds: BOUNDS, dataDir });
    const jobUuid = (a.ready as { job: string }).job;
    // Two other nodes read the same job records (what shared metadata gives every node).
    const b = await node(url, "b");
    const c = await node(url, "c");
    const dbB = new SqliteMetadataStore(dataDir);
    const dbC = new SqliteMetadataStore(dataDir);
    try {
      const jobsB = new Jobs(dbB, systemClock, 3_600_000, 1000, b);
      const jobsC = new Jobs(dbC, systemClock, 3_600_000, 1000, c);
      // Another live node's running job is not failed at start, nor by a sweep while it lives.
      expect(jobsB.get(jobUuid)).toMatchObject({ status: "running", node: "a" });
      const failoverB = new JobFailover(jobsB, b, async () => undefined);
      const failoverC = new JobFailover(jobsC, c, async () => undefined);
      expect(await failoverB.sweep()).toEqual([]);

      await killHard(a);
      const killedAt = Date.now();
      const failedBy: string[] = [];
      while (failedBy.length === 0) {
        const [byB, byC] = await Promise.all([failoverB.sweep(), failoverC.sweep()]);
        if (byB.length) failedBy.push("b");
        if (byC.length) failedBy.push("c");
        if (Date.now() - killedAt > BOUNDS.deadAfterMs * 5) throw new Error("the dead node's job was never failed");
        await sleep(BOUNDS.heartbeatMs);
      }
      expect(failedBy).toHaveLength(1);
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(BOUNDS.deadAfterMs - BOUNDS.heartbeatMs - 50);
      const failed = (failedBy[0] === "b" ? jobsB : jobsC).get(jobUuid);
      expect(failed).toMatchObject({ status: "failed", node: "a", error: { kind: "internal" } });
      expect(failed?.status === "failed" && failed.error.message).toContain('node "a" running this job stopped (no heartbeat for more than 1 s)');
      // Durable: a node reading the records afresh sees it failed.
      const dbD = new SqliteMetadataStore(dataDir);
      expect(new Jobs(dbD, systemClock, 3_600_000, 1000, c).get(jobUuid)).toMatchObject({ status: "failed" });
      dbD.close();
      await failoverB.close();
      await failoverC.close();
    } finally {
      dbB.close();
      dbC.close();
    }
  }, 60_000);
});
