import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstackProvider } from "../../providers/index.js";
import { ApiError, OperationTimeoutError } from "../../providers/http/errors.js";
import { sha512Hex } from "../../providers/zstack/auth.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import { isUnknown, planResourceChange, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * The zstack provider's resources and data sources driven directly (as the plan engine will drive them) against
 * a real backup engine on 127.0.0.1 with the demo lab.
 */

const ADMIN = { account_name: "admin", account_password: "password" };

function resource(type: string): Resource<unknown> {
  const r = zstackProvider.resources.get(type);
  if (!r) throw new Error(`no resource ${type}`);
  return r;
}

function ctxOf(client: ZStackClient, timeoutMs = 60_000) {
  return { client: client as unknown, timeoutMs, signal: new AbortController().signal };
}

/** What the plan engine hands `create`: planned values, unknowns as null, the client id filled in. */
function plannedCreate(r: Resource<unknown>, config: SdkObject): SdkObject {
  const { planned } = planResourceChange(r.attributes, null, config);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(planned)) out[k] = isUnknown(v) ? null : (v as SdkValue);
  if (r.clientId && r.newClientId) out[r.clientId] = r.newClientId();
  return out;
}

/** What the plan engine hands `update`: the prior state with the new configuration applied. */
function plannedUpdate(r: Resource<unknown>, prior: SdkObject, config: SdkObject): { planned: SdkObject; requiresReplace: string[][] } {
  const { planned, requiresReplace } = planResourceChange(r.attributes, prior, config);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(planned)) out[k] = isUnknown(v) ? null : (v as SdkValue);
  return { planned: out, requiresReplace };
}

/** Configurable attributes of a state, as a configuration that reproduces it. */
function configOf(r: Resource<unknown>, state: SdkObject): SdkObject {
  const out: SdkObject = {};
  for (const [k, a] of Object.entries(r.attributes)) if (a.kind !== "computed") out[k] = state[k] ?? null;
  return out;
}

interface Lab {
  vms: { uuid: string; name: string; rootVolumeUuid: string }[];
  backupStorageUuid: string;
  offeringUuid: string;
  l3Uuid: string;
}

let engine: TestEngine;
let client: ZStackClient;
let lab: Lab;

/** Finds the demo lab through the provider's own data sources. */
async function discoverLab(): Promise<Lab> {
  const ctx = ctxOf(client);
  const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read(ctx, { name: null, uuid: null, state: null }))["vm_instances"] as SdkObject[];
  const bss = (await zstackProvider.dataSources.get("zstack_backup_storages")!.read(ctx, { name: null, type: "ImageStoreBackupStorage" }))["backup_storages"] as SdkObject[];
  const offerings = (await zstackProvider.dataSources.get("zstack_instance_offerings")!.read(ctx, { name: null }))["instance_offerings"] as SdkObject[];
  const l3s = (await zstackProvider.dataSources.get("zstack_l3_networks")!.read(ctx, { name: null, zone_uuid: null }))["l3_networks"] as SdkObject[];
  return {
    vms: vms.map((v) => ({ uuid: v["uuid"] as string, name: v["name"] as string, rootVolumeUuid: v["root_volume_uuid"] as string })),
    backupStorageUuid: bss[0]!["uuid"] as string,
    offeringUuid: offerings[0]!["uuid"] as string,
    l3Uuid: l3s[0]!["uuid"] as string,
  };
}

/** Calls the engine's admin API (`/engine/v1`) as admin over HTTP, for what no ZStack API offers (AccessKeys). */
async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const login = await fetch(`${engine.url}/zstack/v1/accounts/login`, {
    method: "PUT",
    body: JSON.stringify({ logInByAccount: { accountName: "admin", password: sha512Hex("password") } }),
  });
  const session = ((await login.json()) as { inventory: { uuid: string } }).inventory.uuid;
  const res = await fetch(`${engine.url}/engine/v1${path}`, {
    method,
    headers: { authorization: `OAuth ${session}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  engine = await startTestEngine({ demo: true });
  client = (await zstackProvider.configure({ endpoint: engine.url, ...ADMIN }, {})) as ZStackClient;
  lab = await discoverLab();
  expect(lab.vms.length).toBeGreaterThanOrEqual(2);
});

afterAll(async () => {
  await zstackProvider.close(client);
  await engine.dispose();
});

describe("zstack data sources", () => {
  it("find VMs by exact name and report their volumes and NICs", async () => {
    const ds = zstackProvider.dataSources.get("zstack_vm_instances")!;
    const target = lab.vms[0]!;
    const out = await ds.read(ctxOf(client), { name: target.name, uuid: null, state: null });
    const vms = out["vm_instances"] as SdkObject[];
    expect(vms.map((v) => v["uuid"])).toEqual([target.uuid]);
    expect((vms[0]!["all_volumes"] as SdkObject[]).some((v) => v["type"] === "Root" && v["uuid"] === target.rootVolumeUuid)).toBe(true);
    expect((vms[0]!["vm_nics"] as SdkObject[]).length).toBeGreaterThan(0);
    const none = await ds.read(ctxOf(client), { name: "no-such-vm", uuid: null, state: null });
    expect(none["vm_instances"]).toEqual([]);
  });

  it("list ImageStore backup storages, offerings and networks", () => {
    expect(lab.backupStorageUuid).toMatch(/^[0-9a-f]{32}$/);
    expect(lab.offeringUuid).toMatch(/^[0-9a-f]{32}$/);
    expect(lab.l3Uuid).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("zstack_cdp_policy", () => {
  const r = resource("zstack_cdp_policy");
  const config = {
    name: "gold",
    description: "every 5s",
    recovery_point_per_second: 5,
    retention_time_per_day: 7,
    hourly_rp_since_day: null,
    daily_rp_since_day: null,
    expire_time_in_day: null,
    full_backup_interval_in_day: null,
  };

  it("creates through an async job, reads, updates in place, imports and deletes", async () => {
    const ctx = ctxOf(client);
    const polls = client.jobPolls;
    const planned = plannedCreate(r, config);
    const created = await r.create(ctx, planned);
    expect(client.jobPolls).toBeGreaterThan(polls); // 202 + location was followed to the job's result
    expect(created["uuid"]).toBe(planned["uuid"]);
    expect(created).toMatchObject({ name: "gold", recovery_point_per_second: 5, retention_time_per_day: 7, state: "Enabled" });

    const read = await r.read(ctx, created);
    expect(read).toEqual(created);

    const { planned: next, requiresReplace } = plannedUpdate(r, created, { ...config, name: "platinum", recovery_point_per_second: 2 });
    expect(requiresReplace).toEqual([]);
    const updated = await r.update(ctx, created, next);
    expect(updated).toMatchObject({ uuid: created["uuid"], name: "platinum", recovery_point_per_second: 2 });
    expect(await r.read(ctx, updated)).toMatchObject({ name: "platinum", recovery_point_per_second: 2 });

    const imported = await r.import(ctx, created["uuid"] as string);
    expect(imported).toMatchObject({ uuid: created["uuid"], name: "platinum", description: "every 5s" });

    await r.delete(ctx, updated);
    expect(await r.read(ctx, updated)).toBeNull();
    await r.delete(ctx, updated); // already gone: still succeeds
  });

  it("create retried with the same client id returns the first object instead of a duplicate", async () => {
    const ctx = ctxOf(client);
    const planned = plannedCreate(r, { ...config, name: "retry-me" });
    const first = await r.create(ctx, planned);
    const second = await r.create(ctx, planned);
    expect(second["uuid"]).toBe(first["uuid"]);
    const all = await client.query({ signal: new AbortController().signal, timeoutMs: 10_000, expiresAt: Date.now() + 10_000 }, "/cdp-backup-storage/policy", ["name=retry-me"]);
    expect(all).toHaveLength(1);
    await r.delete(ctx, first);
  });

  it("reports a parameter the REST layer rejects (plain-text 400) with the status, method and path", async () => {
    const err = await r.create(ctxOf(client), plannedCreate(r, { ...config, recovery_point_per_second: 999_999 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.code).toBe("HTTP.400");
    expect(api.method).toBe("POST");
    expect(api.path).toBe("/zstack/v1/cdp-backup-storage/policy");
    expect(api.message).toContain(`ZStack API error ${api.code} on POST /zstack/v1/cdp-backup-storage/policy`);
    expect(api.message).toContain("recoveryPointPerSecond");
  });
});

describe("zstack_cdp_task", () => {
  const r = resource("zstack_cdp_task");
  const policyR = resource("zstack_cdp_policy");
  let policy: SdkObject;

  beforeAll(async () => {
    policy = await policyR.create(ctxOf(client), plannedCreate(policyR, { name: "task-policy", recovery_point_per_second: 1 }));
  });
  afterAll(async () => {
    await policyR.delete(ctxOf(client), policy);
  });

  const configFor = (name: string, vms: string[]): SdkObject => ({
    name,
    description: null,
    task_type: null,
    policy_uuid: policy["uuid"] as string,
    backup_storage_uuid: lab.backupStorageUuid,
    resource_uuids: vms,
    backup_bandwidth: null,
    max_capacity: null,
    max_latency: 1000,
    enabled: null,
  });

  it("creates, updates name/latency in place, disables and re-enables, imports and deletes", async () => {
    const ctx = ctxOf(client);
    const config = configFor("protect-web", [lab.vms[0]!.uuid]);
    const created = await r.create(ctx, plannedCreate(r, config));
    expect(created).toMatchObject({ name: "protect-web", task_type: "VM", enabled: true, state: "Enabled", max_latency: 1000 });
    expect(created["resource_uuids"]).toEqual([lab.vms[0]!.uuid]);

    const rename = plannedUpdate(r, created, { ...config, name: "protect-web-2", max_latency: 2000 });
    expect(rename.requiresReplace).toEqual([]);
    const renamed = await r.update(ctx, created, rename.planned);
    expect(renamed).toMatchObject({ uuid: created["uuid"], name: "protect-web-2", max_latency: 2000 });

    const off = plannedUpdate(r, renamed, { ...config, name: "protect-web-2", max_latency: 2000, enabled: false });
    const disabled = await r.update(ctx, renamed, off.planned);
    expect(disabled).toMatchObject({ enabled: false, state: "Disabled" });
    expect(await r.read(ctx, disabled)).toMatchObject({ enabled: false, state: "Disabled" });

    const on = plannedUpdate(r, disabled, { ...config, name: "protect-web-2", max_latency: 2000, enabled: true });
    const enabled = await r.update(ctx, disabled, on.planned);
    expect(enabled).toMatchObject({ enabled: true, state: "Enabled" });

    expect(await r.import(ctx, created["uuid"] as string)).toMatchObject({ uuid: created["uuid"], name: "protect-web-2", policy_uuid: policy["uuid"] });

    await r.delete(ctx, enabled);
    expect(await r.read(ctx, enabled)).toBeNull();
  });

  it("treats resource_uuids as a set and replaces the task when the set changes", async () => {
    const state = { ...plannedCreate(r, configFor("x", [lab.vms[0]!.uuid, lab.vms[1]!.uuid])), uuid: "u", status: "Running", state: "Enabled" };
    const reordered = plannedUpdate(r, state, configOf(r, { ...state, resource_uuids: [lab.vms[1]!.uuid, lab.vms[0]!.uuid] }));
    expect(reordered.requiresReplace).toEqual([]);
    const changed = plannedUpdate(r, state, configOf(r, { ...state, resource_uuids: [lab.vms[0]!.uuid] }));
    expect(changed.requiresReplace).toEqual([["resource_uuids"]]);
  });

  it("readMany refreshes many tasks with one query and reports the missing one as gone", async () => {
    const ctx = ctxOf(client);
    const a = await r.create(ctx, plannedCreate(r, configFor("batch-a", [lab.vms[0]!.uuid])));
    const b = await r.create(ctx, plannedCreate(r, configFor("batch-b", [lab.vms[1]!.uuid])));
    const gone = { ...a, uuid: "0123456789abcdef0123456789abcdef" };
    const before = client.transport.requests;
    const out = await r.readMany(ctx, [b, gone, a]);
    expect(client.transport.requests - before).toBe(1);
    expect(out.map((o) => o?.["uuid"] ?? null)).toEqual([b["uuid"], null, a["uuid"]]);
    expect(out[0]).toMatchObject({ name: "batch-b" });
    await r.delete(ctx, a);
    await r.delete(ctx, b);
  });

  it("reports a reference to a policy that does not exist with the API's code", async () => {
    const err = await r
      .create(ctxOf(client), plannedCreate(r, { ...configFor("bad", [lab.vms[0]!.uuid]), policy_uuid: "ffffffffffffffffffffffffffffffff" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toMatch(/^SYS\.\d{4}$/);
    expect((err as Error).message).toContain("on POST /zstack/v1/cdp-backup-storage/task");
  });
});

describe("zstack_vm_backup", () => {
  const r = resource("zstack_vm_backup");
  const configFor = (vm: Lab["vms"][number], name: string): SdkObject => ({
    root_volume_uuid: vm.rootVolumeUuid,
    backup_storage_uuid: lab.backupStorageUuid,
    name,
    description: "nightly",
    mode: null,
    volume_read_bandwidth: null,
    volume_write_bandwidth: null,
    network_read_bandwidth: null,
    network_write_bandwidth: null,
    triggers: { day: "1" },
  });

  it("backs up every volume of the VM as one group, reads, imports by group and deletes", async () => {
    const ctx = ctxOf(client);
    const vm = lab.vms[0]!;
    const planned = plannedCreate(r, configFor(vm, "nightly"));
    const created = await r.create(ctx, planned);
    expect(created["uuid"]).toBe(planned["uuid"]);
    expect(created["group_uuid"]).toMatch(/^[0-9a-f]{32}$/);
    expect(created).toMatchObject({ name: "nightly", description: "nightly", triggers: { day: "1" }, vm_instance_uuid: vm.uuid });
    const backups = created["backups"] as SdkObject[];
    expect(backups.map((b) => b["type"]).sort()).toEqual(["Data", "Root"]);
    expect(backups.find((b) => b["type"] === "Root")!["volume_uuid"]).toBe(vm.rootVolumeUuid);
    expect(backups.every((b) => typeof b["size"] === "number")).toBe(true);
    expect(created["total_size"]).toBe(backups.reduce((s, b) => s + (b["size"] as number), 0));

    expect(await r.read(ctx, created)).toEqual(created);
    const imported = await r.import(ctx, created["group_uuid"] as string);
    expect(imported).toMatchObject({ group_uuid: created["group_uuid"], root_volume_uuid: vm.rootVolumeUuid, backup_storage_uuid: lab.backupStorageUuid, name: "nightly" });

    const retrigger = plannedUpdate(r, created, { ...configFor(vm, "nightly"), triggers: { day: "2" } });
    expect(retrigger.requiresReplace).toEqual([["triggers"]]);

    await r.delete(ctx, created);
    expect(await r.read(ctx, created)).toBeNull();
  });

  it("create retried with the same client id returns the first backup group; a read by the client id alone finds it", async () => {
    const ctx = ctxOf(client);
    const planned = plannedCreate(r, configFor(lab.vms[0]!, "once"));
    const first = await r.create(ctx, planned);
    const again = await r.create(ctx, planned);
    expect(again["group_uuid"]).toBe(first["group_uuid"]);
    // After a crash the plan engine knows only the client id it recorded before calling create.
    const probe = Object.fromEntries(Object.keys(r.attributes).map((k) => [k, null]));
    expect(await r.read(ctx, { ...probe, uuid: planned["uuid"] as string })).toMatchObject({
      uuid: planned["uuid"],
      group_uuid: first["group_uuid"],
      name: "once",
      description: "nightly",
      root_volume_uuid: lab.vms[0]!.rootVolumeUuid,
    });
    await r.delete(ctx, first);
  });

  it("readMany refreshes several groups in one query", async () => {
    const ctx = ctxOf(client);
    const a = await r.create(ctx, plannedCreate(r, configFor(lab.vms[0]!, "a")));
    const b = await r.create(ctx, plannedCreate(r, configFor(lab.vms[1]!, "b")));
    const before = client.transport.requests;
    const out = await r.readMany(ctx, [a, b]);
    expect(client.transport.requests - before).toBe(1);
    expect(out.map((o) => o?.["group_uuid"])).toEqual([a["group_uuid"], b["group_uuid"]]);
    await r.delete(ctx, a);
    await r.delete(ctx, b);
  });

  it("reports a delete that outlives its timeout with the call it was making", async () => {
    const made = await r.create(ctxOf(client), plannedCreate(r, configFor(lab.vms[1]!, "to-delete")));
    const err = await r.delete(ctxOf(client, 1), made).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    const message = (err as Error).message;
    expect(message).toContain(`ZStack DELETE /zstack/v1/vm-backups/${made["group_uuid"] as string} timed out after 1ms: `);
    expect(message).toMatch(/request still in flight|async job [0-9a-f]{32} still running/);
    await r.delete(ctxOf(client), made);
    expect(await r.read(ctxOf(client), made)).toBeNull();
  });
});

describe("zstack sessions", () => {
  it("logs in again once when the session has expired (ID.1001) and the call succeeds", async () => {
    const short = await startTestEngine({ demo: true, sessionTimeoutSeconds: 1 });
    const c = (await zstackProvider.configure({ endpoint: short.url, ...ADMIN }, {})) as ZStackClient;
    try {
      const ds = zstackProvider.dataSources.get("zstack_backup_storages")!;
      await ds.read(ctxOf(c), { name: null, type: null });
      expect(c.logins).toBe(1);
      await new Promise((done) => setTimeout(done, 2100));
      const out = await ds.read(ctxOf(c), { name: null, type: null });
      expect(Array.isArray(out["backup_storages"])).toBe(true);
      expect(c.logins).toBe(2);
    } finally {
      await zstackProvider.close(c);
      await short.dispose();
    }
  });

  it("signs requests with an AccessKey instead of logging in", async () => {
    const key = (await admin("POST", "/access-keys", { description: "provider e2e" }))["inventory"] as Record<string, string>;
    const c = (await zstackProvider.configure(
      { endpoint: engine.url, access_key_id: key["AccessKeyID"]!, access_key_secret: key["AccessKeySecret"]! },
      {},
    )) as ZStackClient;
    try {
      const policyR = resource("zstack_cdp_policy");
      const made = await policyR.create(ctxOf(c), plannedCreate(policyR, { name: "signed", recovery_point_per_second: 10 }));
      expect(made).toMatchObject({ name: "signed" });
      await policyR.delete(ctxOf(c), made);
      expect(c.logins).toBe(0);
    } finally {
      await zstackProvider.close(c);
    }
  });

  it("reports a wrong AccessKey as an API error naming the call", async () => {
    const c = (await zstackProvider.configure({ endpoint: engine.url, access_key_id: "nope", access_key_secret: "bad" }, {})) as ZStackClient;
    try {
      const err = await zstackProvider.dataSources.get("zstack_l3_networks")!.read(ctxOf(c), { name: null, zone_uuid: null }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).path).toBe("/zstack/v1/l3-networks");
      expect(c.logins).toBe(0);
    } finally {
      await zstackProvider.close(c);
    }
  });
});

describe("CDP recovery points and zstack_vm_from_cdp_backup", () => {
  it("lists a protected VM's recovery points and rebuilds a VM from one", async () => {
    const ctx = ctxOf(client);
    const policyR = resource("zstack_cdp_policy");
    const taskR = resource("zstack_cdp_task");
    const vmR = resource("zstack_vm_from_cdp_backup");
    const points = zstackProvider.dataSources.get("zstack_cdp_recovery_points")!;
    const vm = lab.vms[0]!;
    const policy = await policyR.create(ctx, plannedCreate(policyR, { name: "rp", recovery_point_per_second: 1 }));
    const task = await taskR.create(
      ctx,
      plannedCreate(taskR, {
        name: "rp-task",
        policy_uuid: policy["uuid"] as string,
        backup_storage_uuid: lab.backupStorageUuid,
        resource_uuids: [vm.uuid],
        max_latency: 1000,
      }),
    );
    let found: SdkObject = {};
    for (let i = 0; i < 100; i++) {
      found = await points.read(ctx, { vm_instance_uuid: vm.uuid, start_time: null, end_time: null });
      if (found["latest_group_id"] !== null) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    const list = found["recovery_points"] as SdkObject[];
    expect(list.length).toBeGreaterThan(0);
    expect(found["latest_group_id"]).toBe(list[list.length - 1]!["group_id"]);
    expect(typeof list[0]!["time"]).toBe("string");
    expect(list[0]!["cdp_task_uuid"]).toBe(task["uuid"]);

    const future = await points.read(ctx, { vm_instance_uuid: vm.uuid, start_time: "2100-01-01T00:00:00Z", end_time: null });
    expect(future["recovery_points"]).toEqual([]);

    const planned = plannedCreate(vmR, {
      cdp_task_uuid: task["uuid"] as string,
      group_id: found["latest_group_id"] as number,
      name: "restored-web",
      instance_offering_uuid: lab.offeringUuid,
      l3_network_uuids: [lab.l3Uuid],
    });
    const restored = await vmR.create(ctx, planned);
    expect(restored["uuid"]).toBe(planned["uuid"]);
    expect(restored).toMatchObject({ name: "restored-web", instance_offering_uuid: lab.offeringUuid, default_l3_network_uuid: lab.l3Uuid });
    expect(restored["root_volume_uuid"]).toMatch(/^[0-9a-f]{32}$/);
    expect((restored["all_volumes"] as SdkObject[]).length).toBeGreaterThanOrEqual(1);
    expect(await vmR.read(ctx, restored)).toMatchObject({ uuid: restored["uuid"], root_volume_uuid: restored["root_volume_uuid"] });

    await vmR.delete(ctx, restored);
    expect(await vmR.read(ctx, restored)).toBeNull();
    await taskR.delete(ctx, task);
    await policyR.delete(ctx, policy);
  });
});
