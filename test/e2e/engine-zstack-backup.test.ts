import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, UUID, ZSTACK_DATE, type Lab } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

describe("ZStack VM backups", () => {
  let lab: Lab;
  let vm: any;
  let backups: any[];
  let sums: string[];

  beforeAll(async () => {
    lab = await startLab();
    vm = await lab.client.adminVm("to-backup", [4 * MiB, 2 * MiB, MiB]);
    for (const v of vm.allVolumes) await lab.client.writeVolume(v.uuid, 8192, randomBytes(128 * 1024));
    sums = await Promise.all(vm.allVolumes.map((v: any) => lab.client.volumeSha256(v.uuid)));
  });
  afterAll(() => lab.engine.dispose());

  it("backs up every volume of the VM in one group, with ZStack's rewritten names", async () => {
    const r = await lab.client.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, {
      params: { backupStorageUuid: lab.bs.uuid, name: "backup-1", description: "a critical volume backup", resourceUuid: "0000111122223333444455556666aaaa" },
      systemTags: [],
      userTags: [],
    });
    backups = r.inventories;
    expect(backups).toHaveLength(3);
    const groupUuid = backups[0].groupUuid;
    expect(groupUuid).toMatch(UUID);
    expect(backups[0].uuid).toBe("0000111122223333444455556666aaaa");
    for (const [i, b] of backups.entries()) {
      expect(b).toMatchObject({
        volumeUuid: vm.allVolumes[i].uuid,
        groupUuid,
        vmInstanceUuid: vm.uuid,
        description: "a critical volume backup",
        state: "Enabled",
        status: "Ready",
        type: i === 0 ? "Root" : "Data",
        size: vm.allVolumes[i].size,
        createDate: expect.stringMatching(ZSTACK_DATE),
        lastOpDate: expect.stringMatching(ZSTACK_DATE),
      });
      expect(b.backupStorageRefs).toEqual([
        expect.objectContaining({ volumeBackupUuid: b.uuid, backupStorageUuid: lab.bs.uuid, status: "Ready", installPath: expect.any(String) }),
      ]);
      expect(typeof b.metadata).toBe("string");
    }
    expect(backups[0].name).toMatch(/^backup-1-\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,3}$/);
    expect(backups[1].name).toMatch(new RegExp(`^backup-1-${vm.allVolumes[1].uuid}-\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{1,3}$`));
  });

  it("queries volume backups by group and by uuid", async () => {
    const group = await lab.client.query(`/zstack/v1/volume-backups?q=groupUuid=${backups[0].groupUuid}&sort=%2BcreateDate`);
    expect(group.map((b) => b.uuid).sort()).toEqual(backups.map((b) => b.uuid).sort());
    expect(await lab.client.query(`/zstack/v1/volume-backups/${backups[1].uuid}`)).toEqual([backups[1]]);
    const withRef = await lab.client.query(`/zstack/v1/volume-backups?q=backupStorageRefs.backupStorageUuid=${lab.bs.uuid}&q=type=Root`);
    expect(withRef.map((b) => b.uuid)).toContain(backups[0].uuid);
  });

  it("creates a VM from the backup whose volumes equal the source's bytes at backup time", async () => {
    await lab.client.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(4096));
    const restored = (await lab.client.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${backups[0].groupUuid}`, {
      params: { name: "restored", backupStorageUuid: lab.bs.uuid, strategy: "CreateStopped" },
    })).inventory;
    expect(restored).toMatchObject({ name: "restored", state: "Stopped", instanceOfferingUuid: vm.instanceOfferingUuid });
    expect(restored.vmNics[0].l3NetworkUuid).toBe(vm.vmNics[0].l3NetworkUuid);
    expect(restored.allVolumes.map((v: any) => v.size)).toEqual([4 * MiB, 2 * MiB, MiB]);
    const got = await Promise.all(restored.allVolumes.map((v: any) => lab.client.volumeSha256(v.uuid)));
    expect(got).toEqual(sums);
  });

  it("reverts the VM's own volumes to the backup", async () => {
    expect(await lab.client.volumeSha256(vm.allVolumes[0].uuid)).not.toBe(sums[0]);
    // Dirty tracking and CDP journals listen to volume writes: a revert must show up there, and only where it changed.
    const seen: { volumeUuid: string; offset: number; length: number }[] = [];
    const stop = lab.engine.context.inventory.onWrite((w) => seen.push({ volumeUuid: w.volumeUuid, offset: w.offset, length: w.data.length }));
    try {
      expect(await lab.client.ok("PUT", `/zstack/v1/vm-backups/${backups[0].groupUuid}/actions`, { revertVmFromVmBackup: { backupStorageUuid: lab.bs.uuid } })).toEqual({});
    } finally {
      stop();
    }
    const got = await Promise.all(vm.allVolumes.map((v: any) => lab.client.volumeSha256(v.uuid)));
    expect(got).toEqual(sums);
    expect(seen).toEqual([{ volumeUuid: vm.allVolumes[0].uuid, offset: 0, length: 4 * MiB }]);
  });

  it("refuses a backup of a data volume or onto an unknown backup storage", async () => {
    const data = await lab.client.call("POST", `/zstack/v1/volumes/${vm.allVolumes[1].uuid}/vm-backups`, { params: { backupStorageUuid: lab.bs.uuid, name: "x" } });
    expect(data.status).toBe(503);
    expect(data.json.error.details).toContain("not a root volume");
    const bs = await lab.client.call("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: "abababababababababababababababab", name: "x" } });
    expect(bs.status).toBe(503);
    expect(bs.json.error.code).toBe("SYS.1007");
  });

  it("syncs: forgets backups whose data vanished and finds backups another engine left in the ImageStore", async () => {
    const c = lab.client;
    // A second group, whose data is then removed from the store behind the engine's back.
    const second = (await c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: lab.bs.uuid, name: "doomed" } })).inventories;
    const storeDir = join(lab.engine.dataDir, "backup", lab.bs.uuid);
    for (const b of second) await lab.engine.context.backupStore.remove(storeDir, b.uuid);
    const synced = await c.ok("PUT", `/zstack/v1/vm-backups/imageStore/${lab.bs.uuid}/actions`, { syncVmBackup: {} });
    expect(synced).toEqual({ result: { deletedBackupCount: 3, newBackupCount: 0 } });
    expect(await c.query(`/zstack/v1/volume-backups?q=groupUuid=${second[0].groupUuid}`)).toEqual([]);

    // A fresh engine whose ImageStore directory receives a copy of this one's: its sync discovers the backups.
    const other = await startLab();
    try {
      const otherDir = join(other.engine.dataDir, "backup", other.bs.uuid);
      cpSync(storeDir, otherDir, { recursive: true });
      expect(readdirSync(otherDir).length).toBeGreaterThan(0);
      const found = await other.client.ok("PUT", `/zstack/v1/vm-backups/imageStore/${other.bs.uuid}/actions`, { syncVmBackup: {} });
      expect(found).toEqual({ result: { deletedBackupCount: 0, newBackupCount: 3 } });
      const rediscovered = await other.client.query(`/zstack/v1/volume-backups?q=groupUuid=${backups[0].groupUuid}`);
      expect(rediscovered).toHaveLength(3);
      expect(rediscovered[0].backupStorageRefs[0].backupStorageUuid).toBe(other.bs.uuid);
      const restored = (await other.client.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${backups[0].groupUuid}`, {
        params: { name: "elsewhere", instanceOfferingUuid: other.offering.uuid, l3NetworkUuids: [other.l3.uuid] },
      })).inventory;
      expect(await Promise.all(restored.allVolumes.map((v: any) => other.client.volumeSha256(v.uuid)))).toEqual(sums);
    } finally {
      await other.engine.dispose();
    }
  });

  it("deletes a VM backup group (and deleting it again succeeds)", async () => {
    const groupUuid = backups[0].groupUuid;
    expect(await lab.client.ok("DELETE", `/zstack/v1/vm-backups/${groupUuid}?backupStorageUuids=${lab.bs.uuid}&deleteMode=Permissive`)).toEqual({});
    expect(await lab.client.query(`/zstack/v1/volume-backups?q=groupUuid=${groupUuid}`)).toEqual([]);
    const storeDir = join(lab.engine.dataDir, "backup", lab.bs.uuid);
    const left = await lab.engine.context.backupStore.list(storeDir);
    for (const b of backups) expect(left).not.toContain(b.uuid);
    expect(await lab.client.ok("DELETE", `/zstack/v1/vm-backups/${groupUuid}`)).toEqual({});
    const gone = await lab.client.call("POST", `/zstack/v1/vm-instances/from/vm-backups/${groupUuid}`, { params: { name: "x" } });
    expect(gone.status).toBe(503);
  });
});
