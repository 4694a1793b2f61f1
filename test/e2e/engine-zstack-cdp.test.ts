import { randomBytes } from "node:crypto";
import { renameSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, UUID, waitFor, ZSTACK_DATE, type Lab } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

describe("ZStack CDP: policies, tasks, recovery points", () => {
  let lab: Lab;
  let policy: any;

  beforeAll(async () => {
    lab = await startLab();
    policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "every-second", recoveryPointPerSecond: 1 } })).inventory;
  });
  afterAll(() => lab.engine.dispose());

  const task = async (uuid: string) => (await lab.client.query(`/zstack/v1/cdp-task/${uuid}`))[0];
  const points = async (vmUuid: string) => {
    const r = await lab.client.get(`/zstack/v1/vm-instances/${vmUuid}/recovery-points`);
    expect(r.status, r.text).toBe(200);
    // The SDK's shape: a list per groupId, one entry per volume.
    return Object.entries(r.json.recoveryPoints as Record<string, any[]>).map(([key, volumes]) => ({ key, groupId: volumes[0].grpId, volumes }));
  };

  describe("policies", () => {
    it("creates with defaults, updates, queries and deletes a policy", async () => {
      const c = lab.client;
      const created = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "p1", description: "d", recoveryPointPerSecond: 60, retentionTimePerDay: 3 } })).inventory;
      expect(created).toMatchObject({ name: "p1", description: "d", state: "Enabled", recoveryPointPerSecond: 60, retentionTimePerDay: 3, fullBackupIntervalInDay: 1 });
      expect(created.uuid).toMatch(UUID);
      expect(created.createDate).toMatch(ZSTACK_DATE);
      const updated = (await c.ok("PUT", `/zstack/v1/cdp-backup-storage/policy/${created.uuid}/actions`, { updateCdpPolicy: { name: "p1b", recoveryPointPerSecond: 120 } })).inventory;
      expect(updated).toMatchObject({ uuid: created.uuid, name: "p1b", recoveryPointPerSecond: 120, retentionTimePerDay: 3, description: "d" });
      expect(await c.query(`/zstack/v1/cdp-backup-storage/policy?q=name=p1b`)).toHaveLength(1);
      expect(await c.ok("DELETE", `/zstack/v1/cdp-backup-storage/policy/${created.uuid}`)).toEqual({});
      expect(await c.query(`/zstack/v1/cdp-backup-storage/policy/${created.uuid}`)).toEqual([]);
    });

    it("refuses to delete a policy a task uses", async () => {
      const vm = await lab.client.adminVm("policy-user", [MiB]);
      const t = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
        params: { name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vm.uuid] },
      })).inventory;
      const r = await lab.client.call("DELETE", `/zstack/v1/cdp-backup-storage/policy/${policy.uuid}`);
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe("SYS.1006");
      expect(r.json.error.details).toContain(t.uuid);
      await lab.client.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`);
    });
  });

  describe("task lifecycle", () => {
    let vm: any;
    let t: any;

    beforeAll(async () => {
      vm = await lab.client.adminVm("cdp-vm", [2 * MiB, MiB]);
    });

    it("creates a task as Created/Enabled with resourceRefs, then moves it to Running with recovery points", async () => {
      t = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
        params: { name: "web", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vm.uuid], maxLatency: 5000 },
      })).inventory;
      expect(t).toMatchObject({ name: "web", status: "Created", state: "Enabled", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, maxLatency: 5000, backupBandwidth: 0, maxCapacity: 0, usedCapacity: 0 });
      expect(t.resourceRefs).toEqual([
        { taskUuid: t.uuid, resourceUuid: vm.uuid, resourceType: "VmInstanceVO", createDate: expect.stringMatching(ZSTACK_DATE), lastOpDate: expect.stringMatching(ZSTACK_DATE) },
      ]);
      const running = await waitFor(async () => {
        const now = await task(t.uuid);
        expect(["Created", "Starting", "Running"]).toContain(now.status);
        return now.status === "Running" ? now : undefined;
      }, "task Running");
      expect(running.usedCapacity).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(running.lastLatency)).toBe(true);
      const two = await waitFor(async () => ((await points(vm.uuid)).length >= 2 ? points(vm.uuid) : undefined), "two recovery points");
      const ids = two.map((p) => p.groupId);
      expect(ids[0]).toBe(1);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(two[0]!.key).toBe(String(two[0]!.groupId));
      expect(two[0]!.volumes).toHaveLength(2);
      for (const e of two[0]!.volumes) {
        expect(Object.keys(e).sort()).toEqual(["cdpTaskUuid", "desc", "grpId", "id", "size", "ts", "volId"]);
        expect(e).toMatchObject({ grpId: 1, cdpTaskUuid: t.uuid, ts: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) });
      }
      expect(two[0]!.volumes.map((e: any) => e.volId).sort()).toEqual(vm.allVolumes.map((v: any) => v.uuid).sort());
      const described = await lab.client.get(`/zstack/v1/vm-instances/${vm.uuid}/recovery-point?groupId=1`);
      expect(described.status).toBe(200);
      expect(described.json.virtualSizes).toEqual({ [vm.allVolumes[0].uuid]: 2 * MiB, [vm.allVolumes[1].uuid]: MiB });
      expect(described.json.timestamp).toMatch(ZSTACK_DATE);
    });

    it("updates name, description, bandwidth, capacity and latency but keeps the rest", async () => {
      const updated = (await lab.client.ok("PUT", `/zstack/v1/cdp-backup-storage/task/${t.uuid}/actions`, {
        updateCdpTask: { name: "web-renamed", description: "x", backupBandwidth: 104857600, maxCapacity: 107374182400, maxLatency: 9000 },
      })).inventory;
      expect(updated).toMatchObject({ uuid: t.uuid, name: "web-renamed", description: "x", backupBandwidth: 104857600, maxCapacity: 107374182400, maxLatency: 9000, policyUuid: policy.uuid, state: "Enabled" });
      // The Java SDK's "unchanged" sentinels, wrapped in params as the API Explorer shows.
      const same = (await lab.client.ok("PUT", `/zstack/v1/cdp-backup-storage/task/${t.uuid}/actions`, { updateCdpTask: { backupBandwidth: -1, maxCapacity: -1, maxLatency: 0 } })).inventory;
      expect(same).toMatchObject({ name: "web-renamed", backupBandwidth: 104857600, maxCapacity: 107374182400, maxLatency: 9000 });
    });

    it("disables to Stopped/Disabled and cuts no more points, enables back to Running/Enabled", async () => {
      const disabled = (await lab.client.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} })).inventory;
      expect(disabled).toMatchObject({ status: "Stopped", state: "Disabled" });
      const count = (await points(vm.uuid)).length;
      await new Promise((r) => setTimeout(r, 1500));
      expect((await points(vm.uuid)).length).toBe(count);
      expect(await task(t.uuid)).toMatchObject({ status: "Stopped", state: "Disabled" });
      const again = (await lab.client.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: { force: true } })).inventory;
      expect(again).toMatchObject({ status: "Stopped", state: "Disabled" });
      const enabled = (await lab.client.ok("POST", `/zstack/v1/cdp-task/enable/${t.uuid}`)).inventory;
      expect(enabled).toMatchObject({ status: "Running", state: "Enabled" });
      await waitFor(async () => ((await points(vm.uuid)).length > count ? true : undefined), "a new point after enable");
    });

    it("goes Failed (still Enabled) when a protected volume cannot be read, and Running again once enabled", async () => {
      const same = (await lab.client.ok("POST", `/zstack/v1/cdp-task/enable/${t.uuid}`, { params: {} })).inventory;
      expect(same).toMatchObject({ status: "Running", state: "Enabled" });
      // Lose the data volume's file on primary storage, as a broken disk would.
      const path = vm.allVolumes[1].installPath as string;
      renameSync(path, `${path}.lost`);
      try {
        const failed = await waitFor(async () => {
          const now = await task(t.uuid);
          return now.status === "Failed" ? now : undefined;
        }, "task Failed");
        expect(failed.state).toBe("Enabled");
      } finally {
        renameSync(`${path}.lost`, path);
      }
      const before = (await points(vm.uuid)).length;
      const enabled = (await lab.client.ok("POST", `/zstack/v1/cdp-task/enable/${t.uuid}`, { params: {} })).inventory;
      expect(enabled).toMatchObject({ status: "Running", state: "Enabled" });
      await waitFor(async () => ((await points(vm.uuid)).length > before ? true : undefined), "a point after recovery");
      expect((await task(t.uuid)).status).toBe("Running");
    });

    it("refuses a second task on an already protected VM", async () => {
      const r = await lab.client.call("POST", "/zstack/v1/cdp-backup-storage/task", {
        params: { name: "dup", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vm.uuid] },
      });
      expect(r.status).toBe(503);
      expect(r.json.error.details).toContain("already protected");
    });

    it("deletes the task with its recovery points", async () => {
      expect(await lab.client.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}?deleteMode=Permissive&force=true`)).toEqual({});
      expect(await lab.client.query(`/zstack/v1/cdp-task/${t.uuid}`)).toEqual([]);
      expect(await points(vm.uuid)).toEqual([]);
      expect(await lab.client.ok("DELETE", `/zstack/v1/cdp-task/${t.uuid}`)).toEqual({});
    });
  });

  it("creates a VM from a recovery point whose volumes equal the source's bytes at that point", async () => {
    const c = lab.client;
    const vm = await c.adminVm("protected", [2 * MiB, MiB]);
    const [root, data] = vm.allVolumes;
    await c.writeVolume(root.uuid, 0, randomBytes(256 * 1024));
    await c.writeVolume(data.uuid, 4096, randomBytes(64 * 1024));
    const t = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "rp", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vm.uuid], resourceUuid: "aaaabbbbccccddddeeeeffff00001111" },
    })).inventory;
    expect(t.uuid).toBe("aaaabbbbccccddddeeeeffff00001111");
    // Points are cut one after another: once the highest visible groupId is n, point n+2 started after now.
    const n = (await points(vm.uuid)).reduce((m, p) => Math.max(m, p.groupId), 0);
    const expected = [await c.volumeSha256(root.uuid), await c.volumeSha256(data.uuid)];
    const groupId = n + 2;
    await waitFor(async () => ((await points(vm.uuid)).some((p) => p.groupId === groupId) ? true : undefined), `recovery point ${groupId}`);
    // Change the source afterwards: the restore must show the bytes as of the point, not now.
    await c.writeVolume(root.uuid, 0, randomBytes(4096));
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${t.uuid}`, { params: {} });

    const restored = (await c.ok("PUT", "/zstack/v1/cdp-backups/actions", {
      createVmFromCdpBackup: { name: "from-cdp", groupId, cdpTaskUuid: t.uuid, instanceOfferingUuid: lab.offering.uuid, l3NetworkUuids: [lab.l3.uuid], description: "restored" },
    })).inventory;
    expect(restored).toMatchObject({ name: "from-cdp", description: "restored", state: "Running", instanceOfferingUuid: lab.offering.uuid });
    expect(restored.uuid).not.toBe(vm.uuid);
    expect(restored.allVolumes.map((v: any) => v.size)).toEqual([2 * MiB, MiB]);
    expect([await c.volumeSha256(restored.allVolumes[0].uuid), await c.volumeSha256(restored.allVolumes[1].uuid)]).toEqual(expected);
    expect(await c.volumeSha256(root.uuid)).not.toBe(expected[0]);

    // DestroyVmInstance: refused while a task protects the VM; the restored VM goes with its volumes.
    const refused = await c.call("DELETE", `/zstack/v1/vm-instances/${vm.uuid}`);
    expect(refused.status).toBe(503);
    expect(refused.json.error).toMatchObject({ code: "SYS.1006", details: expect.stringContaining(t.uuid) });
    expect(await c.ok("DELETE", `/zstack/v1/vm-instances/${restored.uuid}?deleteMode=Permissive`)).toEqual({});
    expect(await c.query(`/zstack/v1/vm-instances/${restored.uuid}`)).toEqual([]);
    expect(await c.query(`/zstack/v1/volumes?q=vmInstanceUuid=${restored.uuid}`)).toEqual([]);
    expect(await c.ok("PUT", `/zstack/v1/vm-instances/${restored.uuid}/actions`, { expungeVmInstance: {} })).toEqual({});

    // RevertVmFromCdpBackup: the protected VM's own volumes go back to the point.
    expect(await c.ok("PUT", `/zstack/v1/cdp-backups/${vm.uuid}/actions`, { revertVmFromCdpBackup: { backupStorageUuid: lab.bs.uuid, groupId } })).toEqual({});
    expect([await c.volumeSha256(root.uuid), await c.volumeSha256(data.uuid)]).toEqual(expected);
    const notExisting = await c.request("PUT", `/zstack/v1/cdp-backups/${vm.uuid}/actions`, {
      body: { revertVmFromCdpBackup: { backupStorageUuid: lab.bs.uuid, groupId, useExistingVolume: false } },
    });
    expect(notExisting.status).toBe(400);
    expect(notExisting.text).toContain("revertVmFromCdpBackup.useExistingVolume");

    const missing = await c.call("PUT", "/zstack/v1/cdp-backups/actions", {
      createVmFromCdpBackup: { name: "x", groupId: 999999, cdpTaskUuid: t.uuid, instanceOfferingUuid: lab.offering.uuid },
    });
    expect(missing.status).toBe(503);
    expect(missing.json.error.code).toBe("SYS.1007");
    expect(missing.json.error.details).toContain("999999");
  });

  it("validates CreateCdpTask: taskType any non-empty text (as ZStack's @Param), references must exist, resourceUuid must be new", async () => {
    const c = lab.client;
    const base = { name: "v", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [lab.vms[0].uuid] };
    const badType = await c.request("POST", "/zstack/v1/cdp-backup-storage/task", { body: { params: { ...base, taskType: "" } } });
    expect(badType.status).toBe(400);
    expect(badType.text).toContain("params.taskType");
    const empty = await c.request("POST", "/zstack/v1/cdp-backup-storage/task", { body: { params: { ...base, resourceUuids: [] } } });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain("params.resourceUuids");
    const noPolicy = await c.call("POST", "/zstack/v1/cdp-backup-storage/task", { params: { ...base, policyUuid: "ffffffffffffffffffffffffffffffff" } });
    expect(noPolicy.status).toBe(503);
    expect(noPolicy.json.error).toMatchObject({ code: "SYS.1007", details: expect.stringContaining("ffffffffffffffffffffffffffffffff") });
    const noVm = await c.call("POST", "/zstack/v1/cdp-backup-storage/task", { params: { ...base, resourceUuids: ["eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"] } });
    expect(noVm.status).toBe(503);
    const taken = await c.call("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "dup", recoveryPointPerSecond: 10, resourceUuid: policy.uuid } });
    expect(taken.status).toBe(503);
    expect(taken.json.error.details).toContain("already in use");
  });
});
