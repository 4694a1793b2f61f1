import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstackProvider } from "../../providers/index.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import type { SdkObject } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { opContext, plannedCreate, plannedUpdate, resourceOf } from "../support/provider-ops.js";

/**
 * zstack_volume_backup, zstack_scheduler_trigger and zstack_scheduler_job driven directly (as the plan engine
 * drives them) against a real engine: create, read, batched read, import, update, delete, drift inventory and
 * what the protection review reads from them.
 */

let engine: TestEngine;
let client: ZStackClient;
let vm: { uuid: string; rootVolumeUuid: string; volumes: { uuid: string; type: string }[] };
let bsUuid: string;
const ctx = () => opContext(client);

beforeAll(async () => {
  engine = await startTestEngine({ demo: true });
  client = (await zstackProvider.configure({ endpoint: engine.url, account_name: "admin", account_password: "password" }, {})) as ZStackClient;
  const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read(ctx(), { name: null, uuid: null, state: null }))["vm_instances"] as SdkObject[];
  const bss = (await zstackProvider.dataSources.get("zstack_backup_storages")!.read(ctx(), { name: null, type: "ImageStoreBackupStorage" }))["backup_storages"] as SdkObject[];
  const v = vms[0]!;
  vm = { uuid: v["uuid"] as string, rootVolumeUuid: v["root_volume_uuid"] as string, volumes: (v["all_volumes"] as SdkObject[]).map((x) => ({ uuid: x["uuid"] as string, type: x["type"] as string })) };
  bsUuid = bss[0]!["uuid"] as string;
});

afterAll(async () => {
  await zstackProvider.close(client);
  await engine.dispose();
});

describe("zstack_backup_storages", () => {
  it("reports the engine's storage backend as an ImageStore backup storage", async () => {
    const out = await zstackProvider.dataSources.get("zstack_backup_storages")!.read(ctx(), { name: null, type: null });
    expect(out["backup_storages"]).toEqual([expect.objectContaining({ uuid: bsUuid, type: "ImageStoreBackupStorage", status: "Connected" })]);
  });
});

describe("zstack_volume_backup", () => {
  const r = resourceOf(zstackProvider, "zstack_volume_backup");

  it("creates, reads, imports, lists and deletes one volume's backup", async () => {
    const planned = plannedCreate(r, { volume_uuid: vm.rootVolumeUuid, backup_storage_uuid: bsUuid, name: "root-before-upgrade", description: null, triggers: { n: "1" } });
    const created = await r.create(ctx(), planned);
    expect(created).toMatchObject({ uuid: planned["uuid"], name: "root-before-upgrade", type: "Root", status: "Ready", vm_instance_uuid: vm.uuid, triggers: { n: "1" } });
    expect(created["size"]).toBeGreaterThan(0);
    // A retried create finds the backup the first attempt made instead of taking another.
    expect((await r.create(ctx(), planned))["uuid"]).toBe(created["uuid"]);

    expect(await r.read(ctx(), created)).toEqual(created);
    expect(await r.import(ctx(), created["uuid"] as string)).toMatchObject({ uuid: created["uuid"], volume_uuid: vm.rootVolumeUuid, backup_storage_uuid: bsUuid, name: "root-before-upgrade", triggers: null });
    const gone = { ...created, uuid: "0123456789abcdef0123456789abcdef" };
    expect(await r.readMany(ctx(), [gone, created])).toEqual([null, created]);

    // A VM backup's volume backups belong to zstack_vm_backup, not here.
    const vmb = resourceOf(zstackProvider, "zstack_vm_backup");
    const group = await vmb.create(ctx(), plannedCreate(vmb, { root_volume_uuid: vm.rootVolumeUuid, backup_storage_uuid: bsUuid, name: "whole-vm" }));
    const listed = (await r.inventory!.list(ctx())).map((o) => o.id);
    expect(listed).toEqual([created["uuid"]]);
    expect(((await vmb.inventory!.list(ctx())).map((o) => o.id))).toEqual([group["group_uuid"]]);

    expect(plannedUpdate(r, created, { ...created, name: "renamed" }).requiresReplace).toEqual([["name"]]);
    await r.delete(ctx(), created);
    expect(await r.read(ctx(), created)).toBeNull();
    await r.delete(ctx(), created); // already gone: not an error
  });
});

describe("zstack_scheduler_trigger and zstack_scheduler_job", () => {
  const trig = resourceOf(zstackProvider, "zstack_scheduler_trigger");
  const job = resourceOf(zstackProvider, "zstack_scheduler_job");

  it("a nightly VM backup: triggers and a job attached to them, updated in place, imported and deleted", async () => {
    const nightly = await trig.create(ctx(), plannedCreate(trig, { name: "nightly", description: null, scheduler_type: "cron", cron: "0 0 2 * * ?", scheduler_interval: null, repeat_count: null, start_time: null }));
    expect(nightly).toMatchObject({ name: "nightly", scheduler_type: "cron", cron: "0 0 2 * * ?", job_uuids: [] });
    const hourly = await trig.create(ctx(), plannedCreate(trig, { name: "hourly", description: "on the hour", scheduler_type: "simple", scheduler_interval: 3600, repeat_count: 24, start_time: 1893456000, cron: null }));
    expect(hourly).toMatchObject({ scheduler_interval: 3600, repeat_count: 24, start_time: 1893456000, description: "on the hour" });
    expect(hourly["stop_time"]).toEqual(expect.any(String));

    const [nightlyId, hourlyId] = [nightly["uuid"] as string, hourly["uuid"] as string];
    const config: SdkObject = { name: "web-nightly", description: null, type: "vmBackup", target_resource_uuid: vm.uuid, backup_storage_uuid: bsUuid, parameters: null, trigger_uuids: [nightlyId, hourlyId] };
    const created = await job.create(ctx(), plannedCreate(job, config));
    expect(created).toMatchObject({ name: "web-nightly", type: "vmBackup", target_resource_uuid: vm.uuid, backup_storage_uuid: bsUuid, state: "Enabled", trigger_uuids: [nightly["uuid"], hourly["uuid"]] });
    expect(JSON.parse(created["job_data"] as string)).toEqual({ type: "vmBackup", parameters: { backupStorageUuid: bsUuid } });
    expect(await job.read(ctx(), created)).toEqual(created);
    expect((await trig.read(ctx(), nightly))!["job_uuids"]).toEqual([created["uuid"]]);

    // The protection review: the job covers its VM on a schedule whose terms come from its first trigger.
    const [cover] = job.protection!.facts(created);
    expect(cover).toMatchObject({ kind: "covers", vm: vm.uuid, method: "scheduled", enabled: true, termsOf: nightly["uuid"], storage: bsUuid });
    expect(trig.protection!.facts(nightly)).toEqual([{ kind: "terms", id: nightly["uuid"], rpoSeconds: 86_400, retentionDays: Infinity }]);
    expect(trig.protection!.facts(hourly)).toEqual([{ kind: "terms", id: hourly["uuid"], rpoSeconds: 3600, retentionDays: Infinity }]);

    // Rename and detach the hourly trigger in place; the type or target would replace the job.
    const change = plannedUpdate(job, created, { ...config, name: "web-nightly-only", trigger_uuids: [nightlyId] });
    expect(change.requiresReplace).toEqual([]);
    const updated = await job.update(ctx(), created, change.planned);
    expect(updated).toMatchObject({ name: "web-nightly-only", trigger_uuids: [nightly["uuid"]] });
    expect((await trig.read(ctx(), hourly))!["job_uuids"]).toEqual([]);
    expect(plannedUpdate(job, updated, { ...config, target_resource_uuid: vm.rootVolumeUuid }).requiresReplace).toEqual([["target_resource_uuid"]]);

    const renamedTrigger = await trig.update(ctx(), nightly, plannedUpdate(trig, nightly, { ...nightly, name: "nightly-0200" } as SdkObject).planned);
    expect(renamedTrigger).toMatchObject({ uuid: nightly["uuid"], name: "nightly-0200", cron: "0 0 2 * * ?" });

    expect(await job.import(ctx(), created["uuid"] as string)).toMatchObject({ uuid: created["uuid"], name: "web-nightly-only", type: "vmBackup", backup_storage_uuid: bsUuid, trigger_uuids: [nightly["uuid"]] });
    expect(await trig.import(ctx(), hourly["uuid"] as string)).toMatchObject({ uuid: hourly["uuid"], scheduler_type: "simple", scheduler_interval: 3600, repeat_count: 24 });
    expect(await trig.readMany(ctx(), [renamedTrigger, hourly])).toEqual([renamedTrigger, expect.objectContaining({ uuid: hourly["uuid"] })]);
    expect(await job.readMany(ctx(), [updated])).toEqual([updated]);
    expect((await job.inventory!.list(ctx())).map((o) => o.name)).toEqual(["web-nightly-only"]);
    expect((await trig.inventory!.list(ctx())).map((o) => o.name).sort()).toEqual(["hourly", "nightly-0200"]);

    // Deleting a trigger detaches it; deleting the job and triggers leaves nothing behind.
    await trig.delete(ctx(), renamedTrigger);
    expect((await job.read(ctx(), updated))!["trigger_uuids"]).toEqual([]);
    expect(job.protection!.facts({ ...updated, trigger_uuids: [] })[0]).toMatchObject({ enabled: false });
    await job.delete(ctx(), updated);
    await trig.delete(ctx(), hourly);
    expect(await job.read(ctx(), updated)).toBeNull();
    expect(await trig.read(ctx(), hourly)).toBeNull();
    await job.delete(ctx(), updated);
  });

  it("the engine's refusal of a bad schedule reaches the user with the field named", async () => {
    const planned = plannedCreate(trig, { name: "bad", description: null, scheduler_type: "cron", cron: "0 0 2 * *", scheduler_interval: null, repeat_count: null, start_time: null });
    await expect(trig.create(ctx(), planned)).rejects.toThrow(/cron.*needs 6 or 7 fields/);
  });
});
