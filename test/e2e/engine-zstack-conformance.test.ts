import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, UUID, waitFor, ZSTACK_DATE, type Lab } from "./engine-zstack-client.js";

/**
 * Replays the request examples of the seed documents (shared/seeds 000, 001, 003, 004) with real uuids in place
 * of the placeholders, and checks every documented response field and its type. Longs and ints must be JSON
 * integers (the documents' `1.048576E8` is a doc-generator artefact); timestamps ZStack's `Nov 14, 2017 10:20:57 PM`.
 * Fields the documents mark required but which ZStack leaves null for these objects (Gson omits nulls) are listed
 * as optional.
 */

type FieldType = "string" | "long" | "int" | "boolean" | "timestamp" | "list" | "object";
type Spec = Record<string, FieldType>;

function checkFields(where: string, obj: Record<string, unknown>, required: Spec, optional: Spec = {}): void {
  for (const [field, type] of Object.entries(required)) {
    expect(obj, `${where}.${field} is missing`).toHaveProperty(field);
    checkType(`${where}.${field}`, obj[field], type);
  }
  for (const [field, type] of Object.entries(optional)) if (obj[field] !== undefined) checkType(`${where}.${field}`, obj[field], type);
}

function checkType(where: string, v: unknown, type: FieldType): void {
  switch (type) {
    case "string":
      expect(typeof v, where).toBe("string");
      break;
    case "long":
    case "int":
      expect(Number.isInteger(v), `${where} = ${String(v)} must be an integer`).toBe(true);
      break;
    case "boolean":
      expect(typeof v, where).toBe("boolean");
      break;
    case "timestamp":
      expect(v, where).toMatch(ZSTACK_DATE);
      break;
    case "list":
      expect(Array.isArray(v), where).toBe(true);
      break;
    case "object":
      expect(v !== null && typeof v === "object" && !Array.isArray(v), where).toBe(true);
      break;
  }
}

const CDP_TASK: Spec = {
  uuid: "string",
  name: "string",
  description: "string",
  policyUuid: "string",
  backupStorageUuid: "string",
  backupBandwidth: "long",
  maxCapacity: "long",
  usedCapacity: "long",
  maxLatency: "long",
  lastLatency: "long",
  createDate: "timestamp",
  lastOpDate: "timestamp",
  status: "string",
  state: "string",
  taskType: "string",
  resourceRefs: "list",
};
const RESOURCE_REF: Spec = { taskUuid: "string", resourceUuid: "string", resourceType: "string", createDate: "timestamp", lastOpDate: "timestamp" };
const STATUSES = ["Created", "Starting", "Running", "Stopped", "Unknown", "Failed", "DataMerging"];

function checkCdpTask(where: string, t: any): void {
  checkFields(where, t, CDP_TASK);
  expect(STATUSES).toContain(t.status);
  expect(["Enabled", "Disabled"]).toContain(t.state);
  expect(t.taskType).toBe("VM");
  for (const [i, r] of t.resourceRefs.entries()) checkFields(`${where}.resourceRefs[${i}]`, r, RESOURCE_REF);
}

describe("seed conformance", () => {
  let lab: Lab;
  let policy: any;
  let task: any;

  beforeAll(async () => {
    lab = await startLab();
    policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "seed-policy", recoveryPointPerSecond: 1 } })).inventory;
  });
  afterAll(() => lab.engine.dispose());

  it("000 CreateCdpTask: POST /zstack/v1/cdp-backup-storage/task", async () => {
    const resourceUuid = "613a2bba58f03c4ba98ec089674cefaa";
    const body = {
      params: {
        name: "My Task",
        description: "<description>",
        taskType: "VM",
        policyUuid: policy.uuid,
        backupStorageUuid: lab.bs.uuid,
        resourceUuids: [lab.vms[0].uuid],
        backupBandwidth: 1,
        maxCapacity: 1,
        maxLatency: 1,
        resourceUuid,
        tagUuids: ["<tagUuids>"],
      },
      systemTags: ["<systemTags>"],
      userTags: ["<userTags>"],
    };
    const r = await lab.client.call("POST", "/zstack/v1/cdp-backup-storage/task", body);
    expect(r.status).toBe(200);
    task = r.json.inventory;
    checkCdpTask("inventory", task);
    expect(task).toMatchObject({ uuid: resourceUuid, name: "My Task", status: "Created", state: "Enabled", taskType: "VM", backupBandwidth: 1, maxCapacity: 1, maxLatency: 1, usedCapacity: 0 });
    expect(task.resourceRefs).toHaveLength(1);
    expect(task.resourceRefs[0]).toMatchObject({ taskUuid: resourceUuid, resourceUuid: lab.vms[0].uuid });
  });

  it("001 QueryCdpTask: GET /zstack/v1/cdp-task", async () => {
    const r = await lab.client.get("/zstack/v1/cdp-task");
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["inventories"]);
    expect(r.json.inventories.length).toBeGreaterThanOrEqual(1);
    for (const [i, t] of r.json.inventories.entries()) checkCdpTask(`inventories[${i}]`, t);
    expect(r.json.inventories.map((t: any) => t.uuid)).toContain(task.uuid);
  });

  it("003 CreateVmFromCdpBackup: PUT /zstack/v1/cdp-backups/actions", async () => {
    await waitFor(async () => ((await lab.client.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), "task Running");
    const [cluster] = await lab.client.query("/zstack/v1/clusters");
    const [host] = await lab.client.query("/zstack/v1/hosts");
    const [ps] = await lab.client.query("/zstack/v1/primary-storage");
    const points = (await lab.client.get(`/zstack/v1/vm-instances/${lab.vms[0].uuid}/recovery-points`)).json.recoveryPoints;
    const groupId = Math.max(...Object.keys(points).map(Number));
    const resourceUuid = "ecadf3712d373abebb48671015a49e2c";
    // The seed (ZStack's API Explorer) wraps this PUT action in `params`; the server reads `createVmFromCdpBackup`
    // (the Java SDK's parameterName) and so does the engine, which refuses the Explorer's form with a clear 400.
    const body = {
      createVmFromCdpBackup: {
        name: "Test-VM",
        groupId,
        cdpTaskUuid: task.uuid,
        instanceOfferingUuid: lab.offering.uuid,
        defaultL3NetworkUuid: lab.l3.uuid,
        l3NetworkUuids: [lab.l3.uuid],
        type: "UserVm",
        zoneUuid: lab.zone.uuid,
        clusterUuid: cluster.uuid,
        hostUuid: host.uuid,
        primaryStorageUuidForRootVolume: ps.uuid,
        primaryStorageUuidForDataVolume: ps.uuid,
        recoverBandwidth: 1,
        description: "web server VM",
        rootVolumeSystemTags: ["<rootVolumeSystemTags>"],
        dataVolumeSystemTags: ["<dataVolumeSystemTags>"],
        resourceUuid,
        tagUuids: ["<tagUuids>"],
      },
      systemTags: ["<systemTags>"],
      userTags: ["<userTags>"],
    };
    const explorerForm = await lab.client.request("PUT", "/zstack/v1/cdp-backups/actions", { body: { params: body.createVmFromCdpBackup, systemTags: body.systemTags, userTags: body.userTags } });
    expect(explorerForm.status).toBe(400);
    expect(explorerForm.text).toContain("go in 'createVmFromCdpBackup', not 'params'");
    const r = await lab.client.call("PUT", "/zstack/v1/cdp-backups/actions", body);
    expect(r.status, r.text).toBe(200);
    const vm = r.json.inventory;
    checkFields("inventory", vm, {
      uuid: "string",
      name: "string",
      description: "string",
      zoneUuid: "string",
      clusterUuid: "string",
      imageUuid: "string",
      hostUuid: "string",
      lastHostUuid: "string",
      instanceOfferingUuid: "string",
      rootVolumeUuid: "string",
      platform: "string",
      architecture: "string",
      defaultL3NetworkUuid: "string",
      type: "string",
      hypervisorType: "string",
      memorySize: "long",
      cpuNum: "int",
      cpuSpeed: "long",
      allocatorStrategy: "string",
      createDate: "timestamp",
      lastOpDate: "timestamp",
      state: "string",
      guestOsType: "string",
      vmNics: "list",
      allVolumes: "list",
      vmCdRoms: "list",
    });
    expect(vm).toMatchObject({ uuid: resourceUuid, name: "Test-VM", description: "web server VM", type: "UserVm", hypervisorType: "KVM", state: "Running", zoneUuid: lab.zone.uuid, defaultL3NetworkUuid: lab.l3.uuid });
    expect(vm.vmNics).toHaveLength(1);
    const nic = vm.vmNics[0];
    checkFields("vmNics[0]", nic, {
      uuid: "string",
      vmInstanceUuid: "string",
      l3NetworkUuid: "string",
      ip: "string",
      mac: "string",
      hypervisorType: "string",
      netmask: "string",
      gateway: "string",
      metaData: "string",
      ipVersion: "int",
      driverType: "string",
      internalName: "string",
      deviceId: "int",
      type: "string",
      createDate: "timestamp",
      lastOpDate: "timestamp",
      usedIps: "list",
      usedIpUuid: "string",
    });
    expect(nic.vmInstanceUuid).toBe(vm.uuid);
    checkFields("vmNics[0].usedIps[0]", nic.usedIps[0], {
      uuid: "string",
      ipRangeUuid: "string",
      l3NetworkUuid: "string",
      ipVersion: "int",
      ip: "string",
      netmask: "string",
      gateway: "string",
      usedFor: "string",
      ipInLong: "long",
      vmNicUuid: "string",
      createDate: "timestamp",
      lastOpDate: "timestamp",
    });
    expect(vm.allVolumes.length).toBe(2);
    for (const [i, v] of vm.allVolumes.entries()) {
      checkFields(
        `allVolumes[${i}]`,
        v,
        {
          uuid: "string",
          name: "string",
          description: "string",
          primaryStorageUuid: "string",
          vmInstanceUuid: "string",
          installPath: "string",
          type: "string",
          format: "string",
          size: "long",
          actualSize: "long",
          deviceId: "int",
          state: "string",
          status: "string",
          createDate: "timestamp",
          lastOpDate: "timestamp",
          isShareable: "boolean",
          lastVmInstanceUuid: "string",
        },
        { diskOfferingUuid: "string", rootImageUuid: "string", volumeQos: "string", lastDetachDate: "timestamp" },
      );
      expect(v.vmInstanceUuid).toBe(vm.uuid);
    }
    expect(vm.allVolumes[0]).toMatchObject({ type: "Root", uuid: vm.rootVolumeUuid, deviceId: 0 });
    expect(vm.allVolumes[1]).toMatchObject({ type: "Data", deviceId: 1 });
  });

  describe("004 VM backups", () => {
    let backups: any[];

    it("CreateVmBackup: POST zstack/v1/volumes/{rootVolumeUuid}/vm-backups", async () => {
      const body = { params: { backupStorageUuid: lab.bs.uuid, name: "backup-1", description: "a critical volume backup" }, systemTags: [], userTags: [] };
      const r = await lab.client.call("POST", `/zstack/v1/volumes/${lab.vms[1].rootVolumeUuid}/vm-backups`, body);
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(["inventories"]);
      backups = r.json.inventories;
      expect(backups).toHaveLength(lab.vms[1].allVolumes.length);
      for (const [i, b] of backups.entries()) {
        checkFields(`inventories[${i}]`, b, {
          uuid: "string",
          volumeUuid: "string",
          name: "string",
          description: "string",
          type: "string",
          state: "string",
          status: "string",
          size: "long",
          metadata: "string",
          groupUuid: "string",
          createDate: "timestamp",
          lastOpDate: "timestamp",
          backupStorageRefs: "list",
        });
        expect(b.uuid).toMatch(UUID);
        checkFields(`inventories[${i}].backupStorageRefs[0]`, b.backupStorageRefs[0], {
          volumeBackupUuid: "string",
          backupStorageUuid: "string",
          installPath: "string",
          status: "string",
          createDate: "timestamp",
          lastOpDate: "timestamp",
        });
        expect(b.groupUuid).toBe(backups[0].groupUuid);
      }
    });

    it("SyncVmBackup: PUT zstack/v1/vm-backups/imageStore/{imageStoreUuid}/actions", async () => {
      const r = await lab.client.call("PUT", `/zstack/v1/vm-backups/imageStore/${lab.bs.uuid}/actions`, { syncVmBackup: {}, systemTags: [], userTags: [] });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ result: { deletedBackupCount: 0, newBackupCount: 0 } });
    });

    it("DeleteVmBackup: DELETE zstack/v1/vm-backups/{groupUuid}?backupStorageUuids=...&deleteMode=Permissive", async () => {
      const r = await lab.client.call("DELETE", `/zstack/v1/vm-backups/${backups[0].groupUuid}?backupStorageUuids=${lab.bs.uuid}&deleteMode=Permissive`);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toEqual({});
      expect(await lab.client.query(`/zstack/v1/volume-backups?q=groupUuid=${backups[0].groupUuid}`)).toEqual([]);
    });

    it("answers errors with the documented error object", async () => {
      const r = await lab.client.call("PUT", `/zstack/v1/vm-backups/imageStore/0000000000000000000000000000dead/actions`, { syncVmBackup: {} });
      expect(r.status).toBe(503);
      checkFields("error", r.json.error, { code: "string", description: "string", details: "string" });
      expect(r.json.error.code).toMatch(/^[A-Z_]+\.\d{4}$/);
    });
  });
});
