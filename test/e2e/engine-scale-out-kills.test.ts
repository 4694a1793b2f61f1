import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScaleOutLab, type ScaleOutLab } from "../support/scale-out-lab.js";
import { sha256, sleep, waitFor, ZStackClient, type Reply } from "./engine-zstack-client.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** The engine's default cluster bounds (there is no flag for them): dead after 10 s, leases of 10 s. */
const DEAD_AFTER_MS = 10_000;
const LEASE_MS = 10_000;
/** How long a dead node's job may stay running: the dead bound, a heartbeat, the sweep, polling. */
const JOB_FAILOVER_BOUND_MS = DEAD_AFTER_MS + 15_000;

interface Job {
  uuid: string;
  location: string;
}

/**
 * Issue 19, done when (2/2): two engine nodes of the built CLI behind HAProxy (PostgreSQL metadata, chunks in
 * Swift, a shared primary storage), one node SIGKILLed during a VM backup, during a CDP write burst and during a
 * delete — every request through the balancer. Afterwards no job stays running, every acknowledged backup
 * restores byte-exact (sha256), nothing is listed that has no data, and `engine verify` passes online and offline.
 */
describe("two engine nodes behind a balancer, one SIGKILLed mid-work (built CLI)", { timeout: 300_000 }, () => {
  let lab: ScaleOutLab;
  let client: ZStackClient;
  let bsUuid: string;
  let offeringUuid: string;
  /** Every backup group acknowledged so far (and not deleted since), with its volumes' sha256 at backup time. */
  const acknowledged = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    lab = await startScaleOutLab();
    client = new ZStackClient(lab.lb.url);
    await client.login();
    bsUuid = (await client.query("/zstack/v1/backup-storage")).find((b: { type: string }) => b.type === "ImageStoreBackupStorage").uuid;
    offeringUuid = (await client.query("/zstack/v1/instance-offerings"))[0].uuid;
  }, 300_000);
  afterAll(async () => {
    await lab?.dispose();
  });

  /** Sends an async API call through the balancer; the job it started. */
  const startJob = async (method: string, path: string, body?: unknown): Promise<Job> => {
    const r = await client.request(method, path, body === undefined ? {} : { body });
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(202);
    const location = r.json.location as string;
    return { location, uuid: location.split("/").at(-1)! };
  };
  /** The node running the job, from its record in the metadata database (waits until the record is there). */
  const jobNode = (job: Job): Promise<string> =>
    waitFor(async () => {
      const [row] = await lab.query<{ doc: string | null }>("SELECT doc FROM engine_documents WHERE kind = 'api-job' AND uuid = $1", [job.uuid]);
      return row?.doc ? (JSON.parse(row.doc) as { node: string }).node : undefined;
    }, `job ${job.uuid} recorded`, 10_000);
  /** Polls the job through the balancer until it ends; fails when it is still running after `boundMs`. */
  const outcome = async (job: Job, boundMs: number): Promise<Reply> => {
    const deadline = Date.now() + boundMs;
    for (;;) {
      const r = await client.get(new URL(job.location).pathname);
      if (r.status !== 202 && r.json !== undefined) return r;
      if (Date.now() > deadline) throw new Error(`job ${job.uuid} still running (${r.status} ${r.text}) ${boundMs} ms after the kill`);
      await sleep(100);
    }
  };
  /** A job ended by a kill: succeeded, or failed naming the dead node. */
  const expectEndedByKill = (r: Reply, node: string) => {
    if (r.status === 200) return "succeeded";
    expect(r.status, r.text).toBe(503);
    expect(r.text).toContain(`the backup engine node \\"${node}\\" running this job stopped`);
    return "failed";
  };
  const done = async (job: Job): Promise<Reply> => {
    const r = await outcome(job, 120_000);
    expect(r.status, r.text).toBe(200);
    return r;
  };
  const vmBackup = async (rootVolumeUuid: string, name: string, extra: Record<string, unknown> = {}): Promise<Job> =>
    startJob("POST", `/zstack/v1/volumes/${rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bsUuid, name, ...extra } });
  const volumeShas = async (vm: { allVolumes: { uuid: string }[] }) => Object.fromEntries(await Promise.all(vm.allVolumes.map(async (v) => [v.uuid, await client.volumeSha256(v.uuid)] as const)));
  /** The group's volumes as the backup holds them (materialized from the chunks by the node answering). */
  const groupShas = async (groupUuid: string): Promise<Reply & { shas?: Record<string, string> }> => {
    const r = await client.get(`/engine/v1/vm-backups/${groupUuid}/sha256`);
    if (r.status !== 200) return r;
    return { ...r, shas: Object.fromEntries((r.json.volumes as { volumeUuid: string; sha256: string }[]).map((v) => [v.volumeUuid, v.sha256])) };
  };
  const listedGroups = async (vmUuid: string): Promise<string[]> => [...new Set((await client.query(`/zstack/v1/volume-backups?q=vmInstanceUuid=${vmUuid}`)).map((b: { groupUuid: string }) => b.groupUuid))];
  /** Every listed backup of the VM has its data and holds what was acknowledged for it; returns the groups. */
  const listedHaveData = async (vmUuid: string): Promise<string[]> => {
    const groups = await listedGroups(vmUuid);
    for (const g of groups) {
      const sums = await groupShas(g);
      expect(sums.status, `listed backup ${g}: ${sums.text}`).toBe(200);
      const expected = acknowledged.get(g);
      if (expected) expect(sums.shas, `backup ${g}`).toEqual(expected);
    }
    return groups;
  };
  /** A new VM from the backup (CreateVmFromVmBackup through the balancer) holds exactly the backed-up bytes. */
  const restoresExactly = async (groupUuid: string) => {
    const r = await done(await startJob("POST", `/zstack/v1/vm-instances/from/vm-backups/${groupUuid}`, { params: { name: `restored-${groupUuid.slice(0, 8)}`, instanceOfferingUuid: offeringUuid } }));
    const vm = r.json.inventory;
    const restored = Object.values(await volumeShas(vm)).sort();
    expect(restored).toEqual(Object.values(acknowledged.get(groupUuid)!).sort());
  };
  const fill = async (volumeUuid: string, size: number) => {
    for (let offset = 0; offset < size; offset += 16 * MiB) await client.writeVolume(volumeUuid, offset, randomBytes(Math.min(16 * MiB, size - offset)));
  };
  /** Restarts a killed node once the cluster sees it dead (its name is free again), so both nodes serve again. */
  const restart = async (name: string) => {
    await waitFor(async () => {
      const [row] = await lab.query<{ live: boolean }>("SELECT heartbeat_at > now() - make_interval(secs => $2::double precision / 1000) AS live FROM backplan_cluster_nodes WHERE node_id = $1", [name, DEAD_AFTER_MS]);
      return row?.live ? undefined : true;
    }, `${name} seen dead`, DEAD_AFTER_MS * 3);
    await lab.start(name);
  };

  let big: { uuid: string; allVolumes: { uuid: string }[] };
  /** The CDP task of the write-burst test, with the mirror of its volume. */
  let protectedTask: { uuid: string; vmUuid: string; mirrorSha: string };
  let root: string;

  it("a VM backup in flight on a SIGKILLed node ends (failed naming the node, or succeeded) within the bound; what is listed restores byte-exact", async () => {
    big = await client.adminVm("big", [64 * MiB]);
    root = big.allVolumes[0]!.uuid;
    await fill(root, 64 * MiB);
    const first = await done(await vmBackup(root, "first"));
    const firstGroup = first.json.inventories[0].groupUuid as string;
    acknowledged.set(firstGroup, await volumeShas(big));

    // Change a few chunks, then back up slowly (8 MiB/s: ~8 s for 64 MiB) and kill the node running it.
    for (const at of [0, 20 * MiB, 50 * MiB]) await client.writeVolume(root, at, randomBytes(MiB));
    const current = await volumeShas(big);
    const slow = await vmBackup(root, "slow", { volumeReadBandwidth: 8 * MiB });
    const node = await jobNode(slow);
    await sleep(2000);
    expect((await client.get(new URL(slow.location).pathname)).status, "the backup is still in flight").toBe(202);
    await lab.kill(node);
    const killedAt = Date.now();
    const ended = await outcome(slow, JOB_FAILOVER_BOUND_MS);
    const how = expectEndedByKill(ended, node);
    expect(Date.now() - killedAt).toBeLessThan(JOB_FAILOVER_BOUND_MS);
    if (how === "succeeded") acknowledged.set(ended.json.inventories[0].groupUuid, current);

    // Nothing is listed without its data; what is listed holds the acknowledged bytes.
    const groups = await listedHaveData(big.uuid);
    expect(groups).toContain(firstGroup);
    expect(groups.length).toBe(how === "succeeded" ? 2 : 1);

    // The surviving node backs up the same VM (incremental by hash), and that backup restores byte-exact.
    const again = await done(await vmBackup(root, "after-kill"));
    const againGroup = again.json.inventories[0].groupUuid as string;
    acknowledged.set(againGroup, current);
    await restoresExactly(againGroup);
    await restart(node);
  });

  it("a SIGKILL of the CDP journal's owner in a write burst through the balancer loses no acknowledged write", async () => {
    const policy = (await done(await startJob("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "1s", recoveryPointPerSecond: 1 } }))).json.inventory;
    const vm = await client.adminVm("protected", [2 * MiB]);
    const volume = vm.allVolumes[0].uuid as string;
    const task = (await done(await startJob("POST", "/zstack/v1/cdp-backup-storage/task", { params: { name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bsUuid, resourceUuids: [vm.uuid] } }))).json.inventory;
    await waitFor(async () => ((await client.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), "task Running");
    const lease = async () =>
      (await lab.query<{ node_id: string; epoch: string }>("SELECT node_id, epoch FROM backplan_cluster_leases WHERE name = $1 AND expires_at > now()", [`cdp-task/${task.uuid}`]))[0];
    const owner = await waitFor(lease, "a journal owner");

    // A writer through the balancer: sequential writes, each retried until acknowledged (a refused write is not
    // acknowledged, and its bytes may or may not have landed: the client sends it again, as a block device would).
    const mirror = Buffer.alloc(2 * MiB);
    const refused: string[] = [];
    let writing = true;
    let acked = 0;
    const writer = async () => {
      while (writing) {
        const data = randomBytes(randomInt(1, 32 * KiB));
        const offset = randomInt(0, mirror.length - data.length);
        for (let attempt = 0; ; attempt++) {
          const r = await client.request("PUT", `/engine/v1/volumes/${volume}/data?offset=${offset}`, { raw: data, headers: { "content-type": "application/octet-stream" } }).catch((e: Error) => ({ status: 0, text: e.message }));
          if (r.status === 200) break;
          refused.push(`${r.status} ${r.text.slice(0, 200)}`);
          if (attempt > 50) throw new Error(`write at ${offset} refused ${attempt} times: ${refused.at(-1)}`);
          await sleep(200);
        }
        data.copy(mirror, offset);
        acked++;
      }
    };
    const burst = writer();
    await sleep(1500);
    const before = acked;
    await lab.kill(owner.node_id);
    await sleep(LEASE_MS + 5000);
    writing = false;
    await burst;
    expect(before).toBeGreaterThan(0);
    expect(acked).toBeGreaterThan(before);
    const taken = await waitFor(lease, "a new journal owner");
    expect(taken.node_id).not.toBe(owner.node_id);
    expect(Number(taken.epoch)).toBeGreaterThan(Number(owner.epoch));
    expect(await client.volumeSha256(volume)).toBe(sha256(mirror));

    // The next recovery point holds every acknowledged write, and a VM created from it holds exactly those bytes.
    const points = async () => (Object.values((await client.get(`/zstack/v1/vm-instances/${vm.uuid}/recovery-points`)).json.recoveryPoints) as { grpId: number }[][]).map((e) => e[0]!.grpId).sort((a, b) => a - b);
    const after = ((await points()).at(-1) ?? 0) + 2; // the next point may have begun before the last write
    await waitFor(async () => ((await points()).some((g) => g >= after) ? true : undefined), `recovery point ${after}`, 30_000);
    const sums = await client.get(`/engine/v1/cdp-tasks/${task.uuid}/recovery-points/${after}/sha256`);
    expect(sums.status, sums.text).toBe(200);
    expect(sums.json.volumes[0].sha256).toBe(sha256(mirror));
    const fromPoint = await done(await startJob("PUT", "/zstack/v1/cdp-backups/actions", { createVmFromCdpBackup: { name: "from-point", groupId: after, cdpTaskUuid: task.uuid, instanceOfferingUuid: offeringUuid } }));
    expect(await client.volumeSha256(fromPoint.json.inventory.allVolumes[0].uuid)).toBe(sha256(mirror));
    expect((await client.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status).toBe("Running");
    protectedTask = { uuid: task.uuid, vmUuid: vm.uuid, mirrorSha: sha256(mirror) };
    await restart(owner.node_id);
  });

  it("a delete on a SIGKILLed node leaves the listing and the data in agreement; GC keeps the surviving backups' chunks", async () => {
    const groups = await listedGroups(big.uuid);
    const victim = groups.find((g) => acknowledged.has(g))!;
    const victimBackups = (await client.query(`/zstack/v1/volume-backups?q=groupUuid=${victim}`)).map((b: { uuid: string }) => b.uuid as string);
    expect(victimBackups.length).toBeGreaterThan(0);
    const storage = join(lab.primaryStorage, "backup", bsUuid);
    const tombstone = join(storage, "vm-backup-groups", `${victim}.deleting`);
    const del = await startJob("DELETE", `/zstack/v1/vm-backups/${victim}`);
    const node = await jobNode(del);
    await lab.kill(node);
    const how = expectEndedByKill(await outcome(del, JOB_FAILOVER_BOUND_MS), node);

    const listed = await listedHaveData(big.uuid);
    if (how === "succeeded") expect(listed).not.toContain(victim);
    // A client told the delete failed sends it again, through the surviving node: it succeeds and finishes what
    // the dead node began (listed or not by now), so the backup's data goes too.
    if (how === "failed") await done(await startJob("DELETE", `/zstack/v1/vm-backups/${victim}`));
    expect(await listedGroups(big.uuid)).not.toContain(victim);
    expect(existsSync(tombstone), "the delete's tombstone").toBe(false);
    for (const id of victimBackups) expect(existsSync(join(storage, "manifests", `${id}.json`)), `manifest of deleted backup ${id}`).toBe(false);
    acknowledged.delete(victim);
    expect(await listedGroups(big.uuid)).not.toContain(victim);
    // The surviving backups share chunks with the deleted one (incrementals by hash): GC on the surviving node
    // (after the delete) must not have taken them.
    const survivors = await listedHaveData(big.uuid);
    expect(survivors.length).toBeGreaterThan(0);
    await restoresExactly(survivors.at(-1)!);
    await restart(node);
  });

  it("a CDP task delete on a SIGKILLed node: a listed task's points have their data; the delete sent again removes task and journal", async () => {
    const journal = join(lab.primaryStorage, "backup", bsUuid, "cdp", protectedTask.uuid);
    expect(existsSync(journal)).toBe(true);
    const del = await startJob("DELETE", `/zstack/v1/cdp-task/${protectedTask.uuid}`);
    const node = await jobNode(del);
    await lab.kill(node);
    const how = expectEndedByKill(await outcome(del, JOB_FAILOVER_BOUND_MS), node);
    const [listed] = await client.query(`/zstack/v1/cdp-task?q=uuid=${protectedTask.uuid}`);
    if (listed) {
      // Still listed: its newest recovery point is there and holds every acknowledged write (none came since).
      const points = Object.values((await client.get(`/zstack/v1/vm-instances/${protectedTask.vmUuid}/recovery-points`)).json.recoveryPoints) as { grpId: number }[][];
      const newest = Math.max(...points.map((e) => e[0]!.grpId));
      const sums = await client.get(`/engine/v1/cdp-tasks/${protectedTask.uuid}/recovery-points/${newest}/sha256`);
      expect(sums.status, sums.text).toBe(200);
      expect(sums.json.volumes[0].sha256).toBe(protectedTask.mirrorSha);
    }
    if (how === "failed" || listed) await done(await startJob("DELETE", `/zstack/v1/cdp-task/${protectedTask.uuid}`));
    expect(await client.query(`/zstack/v1/cdp-task?q=uuid=${protectedTask.uuid}`)).toEqual([]);
    expect(existsSync(journal), "the deleted task's journal").toBe(false);
    await restart(node);
  });

  it("ends with no job running, every acknowledged backup restoring byte-exact, and engine verify passing online and offline", async () => {
    // Both nodes are up again; every node lists the same backups and each restores.
    for (const [group, expected] of acknowledged) expect((await groupShas(group)).shas, `backup ${group}`).toEqual(expected);
    for (const n of lab.nodes) {
      const c = new ZStackClient(n.url);
      await c.login();
      const report = await c.request("POST", `/engine/v1/backup-storages/${bsUuid}/verify`);
      expect(report.json, `verify through ${n.name}`).toMatchObject({ ok: true, problems: [], missing: [] });
    }
    const running = await lab.query<{ uuid: string; doc: string }>("SELECT uuid, doc FROM engine_documents WHERE kind = 'api-job' AND doc IS NOT NULL AND doc::jsonb->>'status' = 'running'");
    expect(running).toEqual([]);

    for (const n of lab.nodes) expect(await lab.stop(n.name), `${n.name} stops cleanly`).toBe(0);
    const offline = await lab.cli(["engine", "verify", "--data", lab.nodes[0]!.dataDir, ...lab.sharedArgs()], process.cwd());
    expect(offline.out).not.toMatch(/MISSING|CORRUPT/i);
    expect(offline.code, offline.out).toBe(0);
  });
});
