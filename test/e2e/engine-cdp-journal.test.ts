import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine } from "../support/engine.js";
import { sha256, sleep, startLab, waitFor, ZStackClient, type Lab } from "./engine-zstack-client.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Slack for scheduling on a loaded two-core machine. */
const TOLERANCE_MS = 3000;

describe("CDP through the task journal", () => {
  let lab: Lab;
  let policy: any;

  beforeAll(async () => {
    lab = await startLab();
    policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "every-second", recoveryPointPerSecond: 1 } })).inventory;
  });
  afterAll(() => lab.engine.dispose());

  const task = async (c: ZStackClient, uuid: string) => (await c.query(`/zstack/v1/cdp-task/${uuid}`))[0];
  const points = async (c: ZStackClient, vmUuid: string): Promise<any[]> => {
    const r = await c.get(`/zstack/v1/vm-instances/${vmUuid}/recovery-points`);
    expect(r.status, r.text).toBe(200);
    // The SDK's shape (a list per groupId, one entry per volume), as {groupId, timestamp}.
    return (Object.values(r.json.recoveryPoints) as any[][])
      .map((entries) => ({ groupId: entries[0].grpId, timestamp: Date.parse(entries[0].ts) }))
      .sort((a, b) => a.groupId - b.groupId);
  };
  const createTask = async (c: ZStackClient, vmUuid: string, extra: Record<string, unknown> = {}) =>
    (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: `t-${vmUuid.slice(0, 6)}`, taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vmUuid], ...extra },
    })).inventory;
  /** SHA-256 of every volume of a VM restored from the point (CreateVmFromCdpBackup), then the VM is deleted. */
  const restoredHashes = async (c: ZStackClient, taskUuid: string, groupId: number): Promise<string[]> => {
    const vm = (await c.ok("PUT", "/zstack/v1/cdp-backups/actions", {
      createVmFromCdpBackup: { name: `rp-${groupId}`, groupId, cdpTaskUuid: taskUuid, instanceOfferingUuid: lab.offering.uuid, l3NetworkUuids: [lab.l3.uuid] },
    })).inventory;
    const hashes: string[] = [];
    for (const v of vm.allVolumes) hashes.push(await c.volumeSha256(v.uuid));
    await c.ok("DELETE", `/zstack/v1/vm-instances/${vm.uuid}?deleteMode=Permissive`);
    return hashes;
  };

  it("journals a writer's random writes: every point restores byte-exact to a state the writer saw, within the RPO", async () => {
    const c = lab.client;
    const vm = await c.adminVm("cdp-writer", [2 * MiB, MiB]);
    const volumes: { uuid: string; mirror: Buffer }[] = vm.allVolumes.map((v: any) => ({ uuid: v.uuid, mirror: Buffer.alloc(v.size) }));
    expect(await c.volumeSha256(volumes[0]!.uuid)).toBe(sha256(volumes[0]!.mirror));
    const maxLatency = 2000;
    // states[k]: hashes after write k (states[0]: before any write); ack[k]: when write k was acknowledged.
    const states: string[] = [volumes.map((v) => sha256(v.mirror)).join(",")];
    const ack: number[] = [0];
    const t = await createTask(c, vm.uuid, { maxLatency });
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      const v = volumes[randomInt(volumes.length)]!;
      const length = randomInt(1, 96 * KiB);
      const offset = randomInt(0, v.mirror.length - length);
      const data = randomBytes(length);
      await c.writeVolume(v.uuid, offset, data);
      data.copy(v.mirror, offset);
      states.push(volumes.map((x) => sha256(x.mirror)).join(","));
      ack.push(Date.now());
      await sleep(randomInt(10, 80));
    }
    const lastWrite = states.length - 1;
    const firstAfter = (await points(c, vm.uuid)).at(-1)!.groupId + 2;
    await waitFor(async () => ((await points(c, vm.uuid)).some((p) => p.groupId >= firstAfter) ? true : undefined), "a point after the last write");
    const running = await task(c, t.uuid);
    expect(running.status).toBe("Running");
    expect(running.lastLatency).toBeLessThanOrEqual(maxLatency + TOLERANCE_MS);
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} });

    const listed = await points(c, vm.uuid);
    expect(listed.length).toBeGreaterThanOrEqual(4);
    const groupIds = listed.map((p) => p.groupId);
    expect([...groupIds].sort((a, b) => a - b)).toEqual(groupIds);
    const coveredBy: number[] = []; // index of the last write each point holds
    for (const p of listed) {
      const restored = (await restoredHashes(c, t.uuid, p.groupId)).join(",");
      const k = states.lastIndexOf(restored);
      expect(k, `recovery point ${p.groupId} restores to a state the writer produced`).toBeGreaterThanOrEqual(0);
      // Every write acknowledged well before the point is in it.
      const mustHave = ack.findLastIndex((a) => a > 0 && a < p.timestamp - TOLERANCE_MS);
      expect(k).toBeGreaterThanOrEqual(mustHave);
      coveredBy.push(k);
    }
    expect(coveredBy.at(-1)).toBe(lastWrite);
    // RPO: each write is in a point cut no later than maxLatency (+ scheduling slack) after it was acknowledged.
    for (let w = 1; w <= lastWrite; w++) {
      const first = listed.find((_, i) => coveredBy[i]! >= w)!;
      expect(first.timestamp - ack[w]!, `write ${w} reached a recovery point in time`).toBeLessThanOrEqual(maxLatency + TOLERANCE_MS);
    }
    await c.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`);
  });

  it("merges the oldest journal into the base to stay under maxCapacity; the points left stay exact", async () => {
    const c = lab.client;
    const vm = await c.adminVm("cdp-capacity", [MiB]);
    const vol = vm.allVolumes[0].uuid;
    await c.writeVolume(vol, 0, randomBytes(MiB));
    const maxCapacity = MiB + 256 * KiB;
    const t = await createTask(c, vm.uuid, { maxCapacity });
    await waitFor(async () => ((await task(c, t.uuid)).status === "Running" ? true : undefined), "Running");
    const hashes = new Map<number, string>();
    for (let i = 0; i < 8; i++) {
      await c.writeVolume(vol, randomInt(0, MiB - 64 * KiB), randomBytes(64 * KiB));
      const seen = (await points(c, vm.uuid)).at(-1)!.groupId;
      await waitFor(async () => ((await points(c, vm.uuid)).at(-1)!.groupId > seen ? true : undefined), "next point");
      hashes.set((await points(c, vm.uuid)).at(-1)!.groupId, await c.volumeSha256(vol));
    }
    const now = await task(c, t.uuid);
    expect(now.usedCapacity).toBeGreaterThanOrEqual(MiB); // the base; the journal may be empty right after a merge
    expect(now.usedCapacity).toBeLessThanOrEqual(maxCapacity);
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} });
    const listed = await points(c, vm.uuid);
    expect(listed[0].groupId, "the first points were merged away").toBeGreaterThan(1);
    const newest = listed.at(-1)!;
    const last = [...hashes.keys()].filter((g) => listed.some((p) => p.groupId === g)).at(-1)!;
    expect((await restoredHashes(c, t.uuid, last))[0]).toBe(hashes.get(last));
    expect((await restoredHashes(c, t.uuid, newest.groupId))[0]).toBe(await c.volumeSha256(vol));
    const merged = await c.call("PUT", "/zstack/v1/cdp-backups/actions", {
      createVmFromCdpBackup: { name: "gone", groupId: 1, cdpTaskUuid: t.uuid, instanceOfferingUuid: lab.offering.uuid },
    });
    expect(merged.status).toBe(503);
    expect(merged.json.error.details).toContain("groupId 1");
    await c.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`);
  });

  it("picks up writes made while disabled, survives a restart, and deleting the task destroys its journal", async () => {
    const c = lab.client;
    const vm = await c.adminVm("cdp-lifecycle", [MiB]);
    const vol = vm.allVolumes[0].uuid;
    await c.writeVolume(vol, 4096, randomBytes(8192));
    const t = await createTask(c, vm.uuid);
    await waitFor(async () => ((await task(c, t.uuid)).status === "Running" ? true : undefined), "Running");
    const journalDir = join(lab.bs.url, "cdp", t.uuid);
    expect(existsSync(join(journalDir, "state.json"))).toBe(true);
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} });
    const beforeEnable = (await points(c, vm.uuid)).at(-1)!;
    const atDisable = (await restoredHashes(c, t.uuid, beforeEnable.groupId))[0];
    await c.writeVolume(vol, 0, randomBytes(4096)); // not journaled: the task is disabled
    const missed = await c.volumeSha256(vol);
    expect(missed).not.toBe(atDisable);
    await c.ok("POST", `/zstack/v1/cdp-task/enable/${t.uuid}`, { params: {} });
    await waitFor(async () => ((await points(c, vm.uuid)).at(-1)!.groupId > beforeEnable.groupId ? true : undefined), "a point after enable");
    const afterEnable = (await points(c, vm.uuid)).at(-1)!;
    expect((await restoredHashes(c, t.uuid, afterEnable.groupId))[0]).toBe(missed);
    expect((await restoredHashes(c, t.uuid, beforeEnable.groupId))[0]).toBe(atDisable);

    // Restart on the same data dir: the journal reopens, the task resumes and journals new writes.
    const dataDir = lab.engine.dataDir;
    await lab.engine.close();
    const again = await startTestEngine({ dataDir });
    try {
      const c2 = new ZStackClient(again.url);
      await c2.login();
      expect((await points(c2, vm.uuid)).map((p) => p.groupId)).toEqual(expect.arrayContaining([beforeEnable.groupId, afterEnable.groupId]));
      expect((await restoredHashes(c2, t.uuid, afterEnable.groupId))[0]).toBe(missed);
      await c2.writeVolume(vol, 65536, randomBytes(4096));
      const now = await c2.volumeSha256(vol);
      const seen = (await points(c2, vm.uuid)).at(-1)!.groupId;
      await waitFor(async () => ((await points(c2, vm.uuid)).at(-1)!.groupId > seen ? true : undefined), "a point after the restart");
      const latest = (await points(c2, vm.uuid)).at(-1)!;
      expect((await restoredHashes(c2, t.uuid, latest.groupId))[0]).toBe(now);
      const verify = await c2.request("POST", `/engine/v1/backup-storages/${lab.bs.uuid}/verify`);
      expect(verify.status, verify.text).toBe(200);
      expect(verify.json).toMatchObject({ ok: true, problems: [], missing: [] });
      await c2.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`);
      expect(existsSync(journalDir)).toBe(false);
      expect(await points(c2, vm.uuid)).toEqual([]);
    } finally {
      await again.close();
      lab.engine = await startTestEngine({ dataDir });
      lab.client = new ZStackClient(lab.engine.url);
      await lab.client.login();
    }
  });

  it("reports a corrupted chunk: verify names it and a restore fails with an API error instead of wrong bytes", async () => {
    const c = lab.client;
    const vm = await c.adminVm("cdp-corrupt", [MiB]);
    const vol = vm.allVolumes[0].uuid;
    await c.writeVolume(vol, 0, randomBytes(MiB));
    const t = await createTask(c, vm.uuid);
    await waitFor(async () => ((await task(c, t.uuid)).status === "Running" ? true : undefined), "Running");
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} });
    const base = JSON.parse(readFileSync(join(lab.bs.url, "cdp", t.uuid, "base-0", `${vol}.json`), "utf8"));
    const hash: string = base.chunks[0];
    const chunk = join(lab.bs.url, "chunks", hash.slice(0, 2), hash);
    const good = readFileSync(chunk);
    const bad = Buffer.from(good);
    bad[12345] = bad[12345]! ^ 0xff;
    writeFileSync(chunk, bad);
    try {
      const verify = await c.request("POST", `/engine/v1/backup-storages/${lab.bs.uuid}/verify`);
      expect(verify.status).toBe(200);
      expect(verify.json.ok).toBe(false);
      expect(verify.json.problems).toEqual([expect.objectContaining({ kind: "corrupt_chunk", item: hash })]);
      const restore = await c.call("PUT", "/zstack/v1/cdp-backups/actions", {
        createVmFromCdpBackup: { name: "bad", groupId: 1, cdpTaskUuid: t.uuid, instanceOfferingUuid: lab.offering.uuid },
      });
      expect(restore.status).toBe(503);
      expect(restore.json.error.details).toContain(hash);
    } finally {
      writeFileSync(chunk, good);
    }
    expect((await c.request("POST", `/engine/v1/backup-storages/${lab.bs.uuid}/verify`)).json.ok).toBe(true);
    expect(readdirSync(join(lab.bs.url, "cdp"))).toContain(t.uuid);
    await c.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`);
  });
});
