import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import type { ClusterBounds } from "../../src/engine/cluster/cluster.js";
import { useClusterLab } from "../support/cluster-lab.js";
import { engineServices } from "../../src/engine/domain/services.js";
import type { Checkpoint } from "../../src/engine/domain/csbs/checkpoints.js";
import type { Restore } from "../../src/engine/domain/csbs/restores.js";
import { csbsServices } from "../../src/engine/domain/csbs/services.js";
import { startTestEngine } from "../support/engine.js";
import { killHard, verifyOffline } from "../support/engine-process.js";
import { sha256, sleep, waitFor, ZStackClient } from "./engine-zstack-client.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const BOUNDS: ClusterBounds = { heartbeatMs: 100, deadAfterMs: 1000, leaseMs: 1500 };

/**
 * Engine nodes on one PostgreSQL database (metadata and cluster coordination). The nodes of the CDP test share
 * one data dir, so the volume files and the backup storage (recorded by absolute path) are on storage both see,
 * as `--primary-storage` gives nodes with data dirs of their own (test/e2e/engine-scale-out*.test.ts).
 */
describe("engine nodes sharing a cluster database", () => {
  const lab = useClusterLab();
  const { database } = lab;
  const nodeProcess = async (metadata: string, nodeName: string, dataDir: string, demo: boolean) => {
    const p = await lab.child({ mode: "engine", options: { dataDir, host: "127.0.0.1", port: 0, demo, metadata, nodeName, clusterBounds: BOUNDS } });
    const client = new ZStackClient(p.url);
    await client.login();
    return { process: p, client };
  };
  const row = async <T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T | undefined> => (await lab.query<T>(url, sql, params))[0];
  const engine = async (opts: Parameters<typeof startTestEngine>[0]) => {
    const e = await startTestEngine(opts);
    lab.afterTest(() => e.dispose());
    return e;
  };
  const points = async (c: ZStackClient, vmUuid: string): Promise<number[]> => {
    const r = await c.get(`/zstack/v1/vm-instances/${vmUuid}/recovery-points`);
    expect(r.status, r.text).toBe(200);
    return (Object.values(r.json.recoveryPoints) as { grpId: number }[][]).map((e) => e[0]!.grpId).sort((a, b) => a - b);
  };
  /** The SHA-256 of the VM's only volume as the first recovery point after every write so far holds it. */
  const nextPointSha = async (c: ZStackClient, vmUuid: string, taskUuid: string) => {
    const after = ((await points(c, vmUuid)).at(-1) ?? 0) + 2; // the next point may have begun before the last write
    await waitFor(async () => ((await points(c, vmUuid)).some((g) => g >= after) ? true : undefined), `recovery point ${after}`, 30_000);
    const r = await c.get(`/engine/v1/cdp-tasks/${taskUuid}/recovery-points/${after}/sha256`);
    expect(r.status, r.text).toBe(200);
    return r.json.volumes[0].sha256 as string;
  };

  it("forwards writes to the node owning the CDP journal; when it is SIGKILLed another node takes the journal over and no acknowledged write is lost", async () => {
    const url = await database();
    const dataDir = lab.tempDir();
    const a = await nodeProcess(url, "a", dataDir, true);
    const [bs] = await a.client.query("/zstack/v1/backup-storage");
    const policy = (await a.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "1s", recoveryPointPerSecond: 1 } })).inventory;
    const vm = await a.client.adminVm("protected", [MiB]);
    const volume = vm.allVolumes[0].uuid as string;
    const task = (await a.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] },
    })).inventory;
    await waitFor(async () => ((await a.client.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), "task Running on a");
    const lease = () => row<{ node_id: string; epoch: string }>(url, "SELECT node_id, epoch FROM backplan_cluster_leases WHERE name = $1 AND expires_at > now()", [`cdp-task/${task.uuid}`]);
    expect(await lease()).toMatchObject({ node_id: "a", epoch: "1" });

    // Node b sees the VM and the task (it loads the same records) but does not own the journal.
    const b = await nodeProcess(url, "b", dataDir, false);
    const mirror = Buffer.alloc(MiB);
    const refused: string[] = [];
    let writing = true;
    let written = 0;
    const writer = async () => {
      while (writing) {
        const data = randomBytes(randomInt(1, 32 * KiB));
        const offset = randomInt(0, MiB - data.length);
        const r = await b.client.request("PUT", `/engine/v1/volumes/${volume}/data?offset=${offset}`, { raw: data, headers: { "content-type": "application/octet-stream" } });
        if (r.status !== 200) {
          refused.push(`${r.status} ${r.text}`);
          continue;
        }
        data.copy(mirror, offset);
        written++;
      }
    };
    let burst = writer();
    await sleep(1000);
    writing = false;
    await burst;
    expect(written).toBeGreaterThan(0);
    // Only the owner journals: a's next point holds exactly what was written through b.
    expect(await nextPointSha(a.client, vm.uuid, task.uuid)).toBe(sha256(mirror));
    expect(await lease()).toMatchObject({ node_id: "a", epoch: "1" });

    // The owner dies in the middle of a burst; b keeps taking writes (they wait for the lease) and takes over.
    writing = true;
    burst = writer();
    await sleep(300);
    await killHard(a.process);
    await sleep(BOUNDS.leaseMs * 2);
    writing = false;
    await burst;
    expect(refused).toEqual([]);
    expect(await lease()).toMatchObject({ node_id: "b", epoch: "2" });
    expect(await b.client.volumeSha256(volume)).toBe(sha256(mirror));
    expect(await nextPointSha(b.client, vm.uuid, task.uuid)).toBe(sha256(mirror));
    expect((await b.client.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status).toBe("Running");

    const online = await b.client.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(online.json).toMatchObject({ ok: true, problems: [], missing: [] });
    await killHard(b.process);
    const offline = verifyOffline(dataDir, 60_000, ["--metadata", url]);
    expect(offline.status, offline.out).toBe(0);
  }, 180_000);

  it("DeleteCdpTask sent again removes the journal a node that died between the task's records and its journal left behind", async () => {
    const url = await database();
    const primaryStorage = lab.tempDir(); // what both nodes see (backup storages are there, not in a's data dir)
    const a = await startTestEngine({ demo: true, metadata: url, nodeName: "a", clusterBounds: BOUNDS, primaryStorage });
    let aClosed = false;
    lab.afterTest(async () => {
      if (!aClosed) await a.close();
    });
    const b = await engine({ metadata: url, nodeName: "b", clusterBounds: BOUNDS, primaryStorage });
    const ca = new ZStackClient(a.url);
    await ca.login();
    const [bs] = await ca.query("/zstack/v1/backup-storage");
    const policy = (await ca.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "1s", recoveryPointPerSecond: 1 } })).inventory;
    const vm = await ca.adminVm("protected", [MiB]);
    const task = (await ca.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] },
    })).inventory;
    await waitFor(async () => ((await ca.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), "task Running on a");
    const journal = join(bs.url, "cdp", task.uuid);
    expect(existsSync(journal)).toBe(true);

    // What node a leaves when it dies inside DeleteCdpTask after its records went: the task gone, its journal there.
    b.context.store.refresh();
    engineServices(b.context).cdp.tasks.delete(task.uuid);
    aClosed = true;
    await a.close();
    const cb = new ZStackClient(b.url);
    await cb.login();
    expect(await cb.query(`/zstack/v1/cdp-task?q=uuid=${task.uuid}`)).toEqual([]);
    expect(existsSync(journal)).toBe(true);

    await cb.ok("DELETE", `/zstack/v1/cdp-task/${task.uuid}`);
    expect(existsSync(journal)).toBe(false);
    const report = await cb.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(report.json).toMatchObject({ ok: true, problems: [], missing: [] });
  }, 60_000);

  it("fails a CSBS checkpoint a dead node was taking, naming it, once; a live node's is left alone", async () => {
    const url = await database();
    const a = await engine({ demo: true, metadata: url, nodeName: "a", clusterBounds: BOUNDS });
    const b = await engine({ metadata: url, nodeName: "b", clusterBounds: BOUNDS });
    const checkpoint = (uuid: string, node: string): Checkpoint => {
      const now = Date.now();
      return { uuid, projectId: "p", providerId: "x", planId: "plan", planName: "plan", resources: [], status: "protecting", createdAt: now, updatedAt: now, extraInfo: {}, autoTrigger: false, failReason: null, node };
    };
    // "ghost" never joined (it is not live); "a" is.
    csbsServices(b.context).checkpoints.checkpoints.put(checkpoint("c0000000-0000-4000-8000-000000000001", "ghost"));
    csbsServices(b.context).checkpoints.checkpoints.put(checkpoint("c0000000-0000-4000-8000-000000000002", "a"));
    const status = async (e: typeof a, uuid: string) => {
      await e.context.store.refresh();
      return csbsServices(e.context).checkpoints.checkpoints.get(uuid);
    };
    const failed = await waitFor(async () => {
      const cp = await status(a, "c0000000-0000-4000-8000-000000000001");
      return cp?.status === "error" ? cp : undefined;
    }, "the dead node's checkpoint failed", 10_000);
    expect(failed.failReason).toContain('the backup engine node "ghost" taking this checkpoint stopped');
    const claims = await row<{ n: number }>(url, "SELECT count(*)::int AS n FROM backplan_cluster_claims WHERE scope = 'csbs-checkpoint-failover'");
    expect(claims?.n).toBe(1);
    await sleep(BOUNDS.deadAfterMs);
    expect((await status(b, "c0000000-0000-4000-8000-000000000002"))?.status).toBe("protecting");
  }, 60_000);

  it("fails a CSBS restore a dead node was running, naming it, once; a live node's is left alone", async () => {
    const url = await database();
    const a = await engine({ demo: true, metadata: url, nodeName: "a", clusterBounds: BOUNDS });
    const b = await engine({ metadata: url, nodeName: "b", clusterBounds: BOUNDS });
    const restore = (uuid: string, node: string): Restore => {
      const now = Date.now();
      return { uuid, projectId: "p", providerId: "x", checkpointId: "c", restoreTarget: null, parameters: {}, status: "in_progress", resourcesStatus: { "OS::Nova::Server#s1": "restoring" }, resourcesReason: {}, restoredServers: {}, createdAt: now, updatedAt: now, node };
    };
    // "ghost" never joined (it is not live); "a" is.
    csbsServices(b.context).restores.restores.put(restore("r0000000-0000-4000-8000-000000000001", "ghost"));
    csbsServices(b.context).restores.restores.put(restore("r0000000-0000-4000-8000-000000000002", "a"));
    const status = async (e: typeof a, uuid: string) => {
      await e.context.store.refresh();
      return csbsServices(e.context).restores.restores.get(uuid);
    };
    const failed = await waitFor(async () => {
      const r = await status(a, "r0000000-0000-4000-8000-000000000001");
      return r?.status === "fail" ? r : undefined;
    }, "the dead node's restore failed", 10_000);
    expect(failed.resourcesStatus).toEqual({ "OS::Nova::Server#s1": "error" });
    expect(failed.resourcesReason["OS::Nova::Server#s1"]).toContain('the backup engine node "ghost" running this restore stopped');
    const claims = await row<{ n: number }>(url, "SELECT count(*)::int AS n FROM backplan_cluster_claims WHERE scope = 'csbs-restore-failover'");
    expect(claims?.n).toBe(1);
    await sleep(BOUNDS.deadAfterMs);
    expect((await status(b, "r0000000-0000-4000-8000-000000000002"))?.status).toBe("in_progress");
  }, 60_000);

  it("runs each firing of a ZStack scheduler trigger on exactly one node", async () => {
    const url = await database();
    const nodes = [await engine({ demo: true, metadata: url, nodeName: "a", clusterBounds: BOUNDS }), await engine({ demo: true, metadata: url, nodeName: "b", clusterBounds: BOUNDS })];
    // One job and trigger, created through node a: both nodes see them (shared metadata) and both tick.
    const repeatCount = 4;
    const startTime = Math.floor(Date.now() / 1000) + 3;
    const [a, b] = await Promise.all(nodes.map(async (e) => {
      const c = new ZStackClient(e.url);
      await c.login();
      return c;
    }));
    const [bs] = await a!.query("/zstack/v1/backup-storage");
    const vm = await a!.adminVm("scheduled", [64 * KiB]);
    const volume = vm.allVolumes[0].uuid as string;
    const job = (await a!.ok("POST", "/zstack/v1/scheduler/jobs", { params: { name: "every-second", type: "volumeBackup", targetResourceUuid: volume, parameters: { backupStorageUuid: bs.uuid } } })).inventory;
    const trigger = (await a!.ok("POST", "/zstack/v1/scheduler/triggers", { params: { name: "four-times", schedulerType: "simple", schedulerInterval: 1, repeatCount, startTime } })).inventory;
    await a!.ok("POST", `/zstack/v1/scheduler/jobs/${job.uuid}/scheduler/triggers/${trigger.uuid}`);
    const triggerUuid = trigger.uuid as string;
    await sleep(Math.max(0, (startTime + repeatCount) * 1000 - Date.now()) + 2000);
    // Each node lists every backup (shared metadata), so both lists hold exactly repeatCount.
    const counts = await Promise.all([a!, b!].map(async (client) => (await client.query(`/zstack/v1/volume-backups?q=volumeUuid=${volume}`)).length));
    expect(counts, "backups listed by each node").toEqual([repeatCount, repeatCount]);
    const claims = await row<{ n: number }>(url, "SELECT count(*)::int AS n FROM backplan_cluster_claims WHERE scope = 'zstack-trigger' AND key LIKE $1", [`${triggerUuid}@%`]);
    expect(claims?.n).toBe(repeatCount);
  }, 120_000);
});
