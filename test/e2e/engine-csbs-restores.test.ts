import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VmInstance } from "../../src/engine/domain/inventory.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, setUpLab, until, type CsbsLab } from "./engine-csbs-lab.js";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const MiB = 1024 * 1024;

/**
 * The engine's CSBS restore API: CSBS's documented form (`POST /v1/{project}/restores` with `checkpoint_item_id`,
 * `power_on` and `targets` — a backup written onto an existing server's disks) and Karbor's (new servers), each
 * polled through `GET /restores/{id}` to `success`, with the bytes of the backup on disk; and bad requests
 * answered with the CSBS error naming the field.
 */
describe("CSBS restores", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let token: string;
  let source: VmInstance;
  let target: VmInstance;
  let item: any;
  let backupSums: string[];
  const api = (method: string, path: string, body?: unknown) => call(engine.url, method, `/v1/${lab.projectId}${path}`, { token, body });
  const vols = (vm: VmInstance) => engine.context.inventory.vmVolumes(vm.uuid);
  const settled = (id: string) =>
    until(async () => {
      const r = (await api("GET", `/restores/${id}`)).body.restore;
      return r.status === "in_progress" ? undefined : r;
    }, `restore ${id}`);

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context);
    ({ token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a"));
    source = await lab.vm("src-1", [2 * MiB, MiB]);
    target = await lab.vm("target-1", [2 * MiB, MiB]);
    const inv = engine.context.inventory;
    await inv.writeVolume(source.rootVolumeUuid, 100, Buffer.from("root bytes of src-1"));
    await inv.writeVolume(vols(source)[1]!.uuid, MiB - 9, Buffer.from("data tail"));
    await inv.writeVolume(target.rootVolumeUuid, 0, Buffer.from("target's own bytes"));
    backupSums = vols(source).map((v) => sha256(v.installPath));
    const p = await api("POST", "/policies", policyBody("p", [{ id: source.uuid, name: "src-1" }]));
    const cp = await api("POST", `/providers/${CSBS_PROVIDER}/checkpoints`, { checkpoint: { plan_id: p.body.policy.id, parameters: {} } });
    item = await until(async () => {
      const [i] = (await api("GET", `/checkpoint_items?checkpoint_id=${cp.body.checkpoint.id}`)).body.checkpoint_items;
      return i?.status === "available" ? i : undefined;
    }, "an available backup");
    // Written after the backup: a restore must bring back the bytes before this.
    await inv.writeVolume(source.rootVolumeUuid, 100, Buffer.from("CHANGED"));
  });
  afterAll(async () => engine.dispose());

  const inPlace = (overrides: Record<string, unknown> = {}) => ({
    restore: {
      provider_id: CSBS_PROVIDER,
      checkpoint_id: item.checkpoint_id,
      parameters: {
        checkpoint_item_id: item.id,
        power_on: false,
        targets: {
          server_id: target.uuid,
          volumes: item.extend_info.volume_backups.map((b: any, i: number) => ({ backup_id: b.id, volume_id: vols(target)[i]!.uuid })),
        },
        ...overrides,
      },
    },
  });

  it("CSBS form: writes each disk backup onto the mapped volume of the target server, powered as asked", async () => {
    const r = await api("POST", "/restores", inPlace());
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.restore).toMatchObject({ provider_id: CSBS_PROVIDER, checkpoint_id: item.checkpoint_id, status: "in_progress", parameters: { checkpoint_item_id: item.id } });
    const done = await settled(r.body.restore.id);
    expect(done.status, JSON.stringify(done)).toBe("success");
    expect(done.resources_status).toEqual({ [`OS::Nova::Server#${source.uuid}`]: "available" });
    expect(vols(target).map((v) => sha256(v.installPath))).toEqual(backupSums);
    expect(engine.context.inventory.vms.get(target.uuid)!.state).toBe("Stopped");
    expect(vols(source).map((v) => sha256(v.installPath))).not.toEqual(backupSums);
  });

  it("Karbor form: creates a new server holding the backup's bytes, named as asked", async () => {
    const r = await api("POST", "/restores", {
      restore: { provider_id: CSBS_PROVIDER, checkpoint_id: item.checkpoint_id, parameters: { [`OS::Nova::Server#${source.uuid}`]: { restore_name: "src-1-copy" } } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const done = await settled(r.body.restore.id);
    expect(done.status, JSON.stringify(done)).toBe("success");
    const copy = engine.context.inventory.vms.get(String(done.restored_servers[`OS::Nova::Server#${source.uuid}`]).replace(/-/g, ""))!;
    expect(copy).toMatchObject({ name: "src-1-copy", state: "Running" });
    expect(vols(copy).map((v) => sha256(v.installPath))).toEqual(backupSums);
    expect((await api("GET", "/restores")).body.restores.map((x: any) => x.id)).toContain(r.body.restore.id);
  });

  it("bad requests name the field", async () => {
    const wrongSize = await lab.vm("small-1", [MiB]);
    const cases: [unknown, number, string][] = [
      [inPlace({ power_on: "maybe" }), 400, "restore.parameters.power_on"],
      [inPlace({ targets: { server_id: "0123456789abcdef0123456789abcdef", volumes: [] } }), 400, "restore.parameters.targets.volumes"],
      [inPlace({ targets: { server_id: wrongSize.uuid, volumes: [{ backup_id: item.extend_info.volume_backups[0].id, volume_id: wrongSize.rootVolumeUuid }] } }), 400, "holds 2097152"],
      [inPlace({ checkpoint_item_id: "nope" }), 404, "nope"],
      [{ restore: { provider_id: "other", checkpoint_id: item.checkpoint_id, parameters: {} } }, 400, "provider invalid"],
      [{ restore: { provider_id: CSBS_PROVIDER, checkpoint_id: item.checkpoint_id, parameters: { "OS::Cinder::Volume": {} } } }, 400, "only OS::Nova::Server"],
      [{ restore: { provider_id: CSBS_PROVIDER, checkpoint_id: item.checkpoint_id, parameters: { "OS::Nova::Server": { restore_name: 5 } } } }, 400, "restore.parameters.OS::Nova::Server.restore_name"],
    ];
    for (const [body, status, text] of cases) {
      const r = await api("POST", "/restores", body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(JSON.stringify(r.body)).toContain(text);
    }
    expect((await api("GET", "/restores/00000000-0000-0000-0000-000000000000")).status).toBe(404);
  });
});
