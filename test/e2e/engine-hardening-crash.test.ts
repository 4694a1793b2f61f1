import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killHard, startEngineProcess as startChild, verifyOffline, type EngineProcess as Child } from "../support/engine-process.js";
import { sleep, ZStackClient } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

describe("engine hardening: slow backups, SIGTERM, interrupted deletes (real engine processes)", () => {
  const dirs: string[] = [];
  const children: Child[] = [];
  afterAll(async () => {
    for (const c of children) await killHard(c);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), "backplan-harden-"));
    dirs.push(d);
    return d;
  };

  it("a backup throttled to 1 KiB/s blocks no delete, GC, restore or other backup; SIGTERM stops the engine promptly; offline verify does not wait", async () => {
    const dataDir = newDir();
    const e = await startChild(dataDir, true);
    children.push(e);
    // The demo AccessKey's secret is printed the first time only, and kept in a 0600 file.
    expect(e.output()).toMatch(/ZStack AccessKey: \S+ \/ \S+/);
    expect(statSync(join(dataDir, "demo-access-key.json")).mode & 0o777).toBe(0o600);
    const c = new ZStackClient(e.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const slowVm = await c.adminVm("slow", [4 * MiB]);
    const otherVm = await c.adminVm("other", [4 * MiB]);
    for (const vm of [slowVm, otherVm]) await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(4 * MiB));
    const backupOf = (vm: any, extra: object = {}) =>
      c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name: vm.name, ...extra } });
    const old = (await backupOf(otherVm)).inventories[0];

    const slow = await c.request("POST", `/zstack/v1/volumes/${slowVm.rootVolumeUuid}/vm-backups`, {
      body: { params: { backupStorageUuid: bs.uuid, name: "crawl", volumeReadBandwidth: 1024 } },
    });
    expect(slow.status).toBe(202);
    await sleep(500);
    const started = performance.now();
    await backupOf(otherVm); // another backup
    await c.ok("DELETE", `/zstack/v1/vm-backups/${old.groupUuid}`); // a delete and its GC
    const restored = (await c.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${(await c.query("/zstack/v1/volume-backups"))[0].groupUuid}`, {
      params: { name: "restored", backupStorageUuid: bs.uuid, strategy: "CreateStopped" },
    })).inventory;
    expect(await c.volumeSha256(restored.allVolumes[0].uuid)).toBe(await c.volumeSha256(otherVm.allVolumes[0].uuid));
    expect(performance.now() - started).toBeLessThan(30_000);
    expect((await c.get(new URL(slow.json.location).pathname)).status).toBe(202); // still crawling

    const stopping = performance.now();
    e.child.kill("SIGTERM");
    expect(await e.exited).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(15_000);

    const offline = verifyOffline(dataDir, 30_000);
    expect(offline.status, offline.out).toBe(0);

    const again = await startChild(dataDir, true);
    children.push(again);
    expect(again.output()).not.toMatch(/ZStack AccessKey: \S+ \/ \S+/);
    expect(again.output()).toContain("demo-access-key.json");
    const c2 = new ZStackClient(again.url);
    await c2.login();
    const job = await c2.get(new URL(slow.json.location).pathname);
    expect(job.status).toBe(503);
    expect(job.text).toContain("stopped while this job ran");
    expect((await c2.query("/zstack/v1/volume-backups")).map((b: any) => b.name).filter((n: string) => n.startsWith("crawl"))).toEqual([]);
    await killHard(again);
  }, 180_000);

  it("chunks of a backup killed mid-way are gone once the engine has restarted, before any GC", async () => {
    const dataDir = newDir();
    let e = await startChild(dataDir, true);
    children.push(e);
    let c = new ZStackClient(e.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const chunkFiles = () =>
      existsSync(join(bs.url, "chunks"))
        ? readdirSync(join(bs.url, "chunks"), { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && /^[0-9a-f]{64}$/.test(f.name)).length
        : 0;
    const vm = await c.adminVm("halfway", [16 * MiB]);
    await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(16 * MiB));
    const before = chunkFiles();
    // 2 MiB/s over 16 MiB of fresh data: chunks land one by one for about eight seconds.
    const r = await c.request("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, {
      body: { params: { backupStorageUuid: bs.uuid, name: "halfway", volumeReadBandwidth: 2 * MiB } },
    });
    expect(r.status).toBe(202);
    for (let i = 0; i < 200 && chunkFiles() === before; i++) await sleep(50);
    await killHard(e);
    expect(chunkFiles()).toBeGreaterThan(before); // the crash left chunks no manifest references

    e = await startChild(dataDir, false);
    children.push(e);
    c = new ZStackClient(e.url);
    await c.login();
    expect(chunkFiles()).toBe(before); // removed at start, not at some later GC pass
    expect((await c.query("/zstack/v1/volume-backups")).filter((b: any) => b.name.startsWith("halfway"))).toEqual([]);
    e.child.kill("SIGTERM");
    await e.exited;
    const offline = verifyOffline(dataDir);
    expect(offline.status, offline.out).toBe(0);
  }, 120_000);

  it("a backup delete killed at random moments never comes back: not listed after restart, not by SyncVmBackup, its data gone", async () => {
    const dataDir = newDir();
    let e = await startChild(dataDir, true);
    children.push(e);
    let c = new ZStackClient(e.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const vm = await c.adminVm("victim", [8 * MiB]);
    await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(8 * MiB));
    const delays = [0, 2, 5, 10, 20, 40];
    let deleted = 0;
    for (const [trial, delay] of delays.entries()) {
      await c.writeVolume(vm.allVolumes[0].uuid, trial * MiB, randomBytes(MiB));
      const group = (await c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name: `t${trial}` } })).inventories[0].groupUuid;
      const ids = (await c.query(`/zstack/v1/volume-backups?q=groupUuid=${group}`)).map((b: any) => b.uuid);
      const r = await c.request("DELETE", `/zstack/v1/vm-backups/${group}`);
      expect(r.status).toBe(202);
      await sleep(delay);
      await killHard(e);

      e = await startChild(dataDir, false);
      children.push(e);
      c = new ZStackClient(e.url);
      await c.login();
      // A delete killed before its job ran leaves the group whole (the job fails); once it ran, the group is gone
      // for good. Never a mix, and never back through SyncVmBackup.
      const listed = async () => (await c.query(`/zstack/v1/volume-backups?q=groupUuid=${group}`)).map((b: any) => b.uuid).sort();
      const manifestsOf = () => readdirSync(join(bs.url, "manifests")).filter((m) => ids.some((id: string) => m === `${id}.json`));
      const before = await listed();
      await c.ok("PUT", `/zstack/v1/vm-backups/imageStore/${bs.uuid}/actions`, { syncVmBackup: {} });
      expect(await listed(), `trial ${trial} after SyncVmBackup`).toEqual(before);
      if (before.length === 0) {
        deleted++;
        expect(manifestsOf(), `trial ${trial}`).toEqual([]);
      } else {
        expect(before, `trial ${trial}`).toEqual([...ids].sort());
        expect(manifestsOf()).toHaveLength(ids.length);
      }
    }
    expect(deleted).toBeGreaterThan(0);
    await killHard(e);
    const offline = verifyOffline(dataDir);
    expect(offline.status, offline.out).toBe(0);
  }, 240_000);
});
