import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoAccessKey } from "../../src/engine/domain/demo.js";
import { engineServices } from "../../src/engine/domain/services.js";
import { sha256, startLab, type Lab } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("the demo lab and the admin API", () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(() => lab.engine.dispose());

  it("seeds a zone, cluster, host, primary storage, offerings, an L3 network, an ImageStore and four VMs", async () => {
    const c = lab.client;
    expect(await c.query("/zstack/v1/zones")).toHaveLength(1);
    expect(await c.query("/zstack/v1/clusters")).toHaveLength(1);
    expect(await c.query("/zstack/v1/hosts")).toHaveLength(1);
    expect(await c.query("/zstack/v1/primary-storage")).toHaveLength(1);
    expect((await c.query("/zstack/v1/instance-offerings")).length).toBeGreaterThanOrEqual(1);
    expect(await c.query("/zstack/v1/l3-networks")).toHaveLength(1);
    expect(lab.bs.type).toBe("ImageStoreBackupStorage");
    expect(lab.vms.map((v) => v.name)).toEqual(["web-1", "web-2", "db-1", "app-1"]);
    for (const vm of lab.vms) {
      expect(vm.allVolumes.map((v: any) => v.type)).toEqual(["Root", "Data"]);
      for (const v of vm.allVolumes) {
        expect(v.size).toBeLessThanOrEqual(64 * MiB);
        const head = await c.request("GET", `/engine/v1/volumes/${v.uuid}/data?offset=0&length=512`);
        expect(head.status).toBe(200);
        expect(Buffer.from(head.text, "latin1").subarray(0, 14).toString()).toBe("backplan demo ");
      }
    }
  });

  it("creates the demo AccessKey, which signs requests", async () => {
    const key = demoAccessKey(engineServices(lab.engine.context).accounts);
    expect(key).toBeDefined();
    const r = await lab.client.get("/zstack/v1/vm-instances?count=true", { accessKey: { id: key!.accessKeyId, secret: key!.accessKeySecret } });
    expect(r.json).toEqual({ total: 4 });
  });

  it("creates VMs with large sparse volumes and attaches more volumes", async () => {
    const vm = await lab.client.adminVm("big", [4 * GiB]);
    expect(vm.allVolumes[0].size).toBe(4 * GiB);
    expect(vm.allVolumes[0].actualSize).toBeLessThan(MiB);
    const added = await lab.client.request("POST", `/engine/v1/vms/${vm.uuid}/volumes`, { body: { size: 2 * GiB, name: "scratch" } });
    expect(added.status, added.text).toBe(200);
    expect(added.json.inventory).toMatchObject({ type: "Data", deviceId: 1, size: 2 * GiB, name: "scratch", vmInstanceUuid: vm.uuid });
    const listed = await lab.client.query(`/zstack/v1/vm-instances/${vm.uuid}`);
    expect(listed[0].allVolumes.map((v: any) => v.size)).toEqual([4 * GiB, 2 * GiB]);
    // Bytes near the end of the 4 GiB volume.
    const data = randomBytes(4096);
    await lab.client.writeVolume(vm.allVolumes[0].uuid, 4 * GiB - 4096, data);
    const back = await fetch(`${lab.engine.url}/engine/v1/volumes/${vm.allVolumes[0].uuid}/data?offset=${4 * GiB - 4096}&length=4096`, {
      headers: { authorization: `OAuth ${(lab.client.auth as { session: string }).session}` },
    });
    expect(back.status).toBe(200);
    expect(sha256(new Uint8Array(await back.arrayBuffer()))).toBe(sha256(data));
  });

  it("writes and reads byte ranges and hashes whole volumes", async () => {
    const vm = await lab.client.adminVm("small", [MiB]);
    const uuid = vm.allVolumes[0].uuid;
    const image = Buffer.alloc(MiB);
    const a = randomBytes(1000);
    const b = randomBytes(5000);
    a.copy(image, 0);
    b.copy(image, 300_000);
    await lab.client.writeVolume(uuid, 0, a);
    await lab.client.writeVolume(uuid, 300_000, b);
    expect(await lab.client.volumeSha256(uuid)).toBe(sha256(image));
    const all = await fetch(`${lab.engine.url}/engine/v1/volumes/${uuid}/data`, { headers: { authorization: `OAuth ${(lab.client.auth as { session: string }).session}` } });
    expect(sha256(new Uint8Array(await all.arrayBuffer()))).toBe(sha256(image));
  });

  it("lists VMs and deletes AccessKeys", async () => {
    const vms = await lab.client.get("/engine/v1/vms");
    expect(vms.json.inventories.length).toBeGreaterThanOrEqual(6);
    const created = await lab.client.request("POST", "/engine/v1/access-keys", { body: {} });
    const id = created.json.inventory.AccessKeyID;
    expect((await lab.client.request("DELETE", `/engine/v1/access-keys/${id}`)).status).toBe(200);
    const listed = await lab.client.get("/engine/v1/access-keys");
    expect(listed.json.inventories.map((k: any) => k.AccessKeyID)).not.toContain(id);
  });
});
