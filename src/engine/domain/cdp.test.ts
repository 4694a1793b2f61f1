import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CopyBackupStore } from "../storage/copy-store.js";
import { SqliteMetadataStore } from "../store/sqlite-store.js";
import { Cdp } from "./cdp.js";
import { Inventory, type BackupStorage, type VmInstance } from "./inventory.js";

const MiB = 1024 * 1024;

describe("Cdp (domain)", () => {
  let dir: string;
  let db: SqliteMetadataStore;
  let inventory: Inventory;
  let bs: BackupStorage;
  let vm: VmInstance;
  const store = new CopyBackupStore();
  const clock = { now: () => Date.now() };
  let open: Cdp[] = [];
  const make = () => {
    const cdp = new Cdp({ store: db, clock, inventory, backupStore: store });
    open.push(cdp);
    return cdp;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "backplan-cdp-"));
    db = new SqliteMetadataStore(dir);
    inventory = new Inventory(db, dir, clock);
    const zone = inventory.addZone("z");
    const cluster = inventory.addCluster(zone.uuid, "c");
    inventory.addHost(cluster.uuid, "h", "10.0.0.1");
    inventory.addPrimaryStorage(zone.uuid, "ps");
    const offering = inventory.addInstanceOffering("o", 1, MiB);
    const l3 = inventory.addL3Network(zone.uuid, "l3", "192.168.0.0/24");
    bs = inventory.addBackupStorage([zone.uuid], "bs", 1024 * MiB);
    vm = await inventory.createVm({ name: "vm", instanceOfferingUuid: offering.uuid, l3NetworkUuids: [l3.uuid], volumes: [{ size: MiB }] });
  });
  afterEach(async () => {
    for (const c of open) await c.close();
    open = [];
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitRunning = async (cdp: Cdp, uuid: string) => {
    for (let i = 0; i < 200 && cdp.tasks.get(uuid)?.status !== "Running"; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cdp.tasks.get(uuid)?.status).toBe("Running");
  };

  it("moves Created -> Starting -> Running with the first point, Stopped/Disabled on disable", async () => {
    const cdp = make();
    const policy = cdp.createPolicy({ name: "p", recoveryPointPerSecond: 3600 });
    const task = cdp.createTask({ name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] });
    expect(task).toMatchObject({ status: "Created", state: "Enabled", lastGroupId: 0 });
    await waitRunning(cdp, task.uuid);
    expect(cdp.pointsOf(task.uuid).map((p) => p.groupId)).toEqual([1]);
    // The base copy of an all-zero volume is holes only: the task uses just its journal bytes.
    expect(cdp.pointsOf(task.uuid)[0]!.storedSize).toBe(MiB);
    expect(cdp.tasks.get(task.uuid)!.usedCapacity).toBeGreaterThan(0);
    expect(cdp.tasks.get(task.uuid)!.usedCapacity).toBeLessThan(4096);
    expect(await cdp.disableTask(task.uuid)).toMatchObject({ status: "Stopped", state: "Disabled" });
    expect(await cdp.enableTask(task.uuid)).toMatchObject({ status: "Running", state: "Enabled" });
  });

  it("sweeps the full-copy recovery points of older engines, and only those", async () => {
    const cdp = make();
    const volume = inventory.vmVolumes(vm.uuid)[0]!;
    await store.write({ storageDir: bs.url, backupId: "cdp-legacy", sourcePath: volume.installPath, size: volume.size });
    await store.write({ storageDir: bs.url, backupId: "someone-elses", sourcePath: volume.installPath, size: volume.size });
    expect(await cdp.sweepOrphanCopies()).toBe(1);
    expect(await store.list(bs.url)).toEqual(["someone-elses"]);
  });

  it("journals writes: points restore byte-exact, writes missed while disabled are picked up on enable", async () => {
    const cdp = make();
    const policy = cdp.createPolicy({ name: "p", recoveryPointPerSecond: 3600 });
    const volume = inventory.vmVolumes(vm.uuid)[0]!;
    await inventory.writeVolume(volume.uuid, 0, Buffer.alloc(4096, 1));
    const task = cdp.createTask({ name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] });
    await waitRunning(cdp, task.uuid);
    const first = readFileSync(volume.installPath);
    await cdp.disableTask(task.uuid);
    await inventory.writeVolume(volume.uuid, 8192, Buffer.alloc(4096, 2)); // not journaled: the task is disabled
    await cdp.close();
    const reopened = make();
    await reopened.enableTask(task.uuid);
    for (let i = 0; i < 300 && reopened.pointsOf(task.uuid).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const ids = reopened.pointsOf(task.uuid).map((p) => p.groupId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(1);
    expect(ids[1]!).toBeGreaterThan(1);
    const restore = async (groupId: number) => {
      const made = await reopened.createVmFromPoint(task.uuid, groupId, { name: `r${groupId}`, instanceOfferingUuid: vm.instanceOfferingUuid, l3NetworkUuids: [] });
      return readFileSync(inventory.vmVolumes(made.uuid)[0]!.installPath);
    };
    expect((await restore(1)).equals(first)).toBe(true);
    expect((await restore(ids[1]!)).equals(readFileSync(volume.installPath))).toBe(true);
    await expect(reopened.createVmFromPoint(task.uuid, 999, { name: "x", instanceOfferingUuid: vm.instanceOfferingUuid, l3NetworkUuids: [] })).rejects.toThrow("groupId 999");
  });

  it("writes racing the resynchronization of an enabled task all end up in its next point", async () => {
    const big = await inventory.createVm({ name: "big", instanceOfferingUuid: vm.instanceOfferingUuid, l3NetworkUuids: [inventory.l3Networks.all()[0]!.uuid], volumes: [{ size: 8 * MiB }] });
    const volume = inventory.vmVolumes(big.uuid)[0]!;
    const cdp = make();
    const policy = cdp.createPolicy({ name: "p", recoveryPointPerSecond: 1 });
    const task = cdp.createTask({ name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [big.uuid] });
    await waitRunning(cdp, task.uuid);
    await cdp.disableTask(task.uuid);
    for (let i = 0; i < 8; i++) await inventory.writeVolume(volume.uuid, i * MiB + 100, randomBytes(3000)); // missed
    await cdp.enableTask(task.uuid);
    // While the journal is compared with the volume, keep writing over the same regions.
    for (let i = 0; i < 40; i++) await inventory.writeVolume(volume.uuid, (i % 8) * MiB + 50, randomBytes(5000));
    // Wait for a point cut after the last write (points come every second, without another resync).
    const live = readFileSync(volume.installPath);
    const done = Date.now();
    for (let i = 0; i < 400 && !(cdp.pointsOf(task.uuid).at(-1)!.createDate > done + 50); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cdp.tasks.get(task.uuid)!.status).toBe("Running");
    const newest = cdp.pointsOf(task.uuid).at(-1)!;
    expect(newest.createDate).toBeGreaterThan(done);
    const made = await cdp.createVmFromPoint(task.uuid, newest.groupId, { name: "r", instanceOfferingUuid: vm.instanceOfferingUuid, l3NetworkUuids: [] });
    expect(readFileSync(inventory.vmVolumes(made.uuid)[0]!.installPath).equals(live)).toBe(true);
  });

  it("refuses a second task on a protected VM and destroying a protected VM", async () => {
    const cdp = make();
    const policy = cdp.createPolicy({ name: "p", recoveryPointPerSecond: 3600 });
    cdp.createTask({ name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] });
    expect(() => cdp.createTask({ name: "u", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] })).toThrow("already protected");
    await expect(cdp.destroyVm(vm.uuid)).rejects.toThrow("protected by CDP task");
  });

  it("takes the shorter of the policy interval and maxLatency, never under a second", () => {
    const cdp = make();
    const policy = cdp.createPolicy({ name: "p", recoveryPointPerSecond: 60 });
    const base = cdp.createTask({ name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] });
    expect(cdp.periodMs(base)).toBe(60_000);
    expect(cdp.periodMs({ ...base, maxLatency: 5000 })).toBe(5000);
    expect(cdp.periodMs({ ...base, maxLatency: 1 })).toBe(1000);
    expect(cdp.periodMs({ ...base, maxLatency: 0 })).toBe(60_000);
  });
});
