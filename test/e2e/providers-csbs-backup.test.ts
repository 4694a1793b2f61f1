import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsProvider, zstackProvider } from "../../providers/index.js";
import { ApiError } from "../../providers/http/errors.js";
import type { CsbsClient } from "../../providers/csbs/client.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import { isUnknown, planResourceChange, sameValue, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * csbs_backup (per-server protect) and the csbs_backup / csbs_backup_policy data sources driven directly against
 * a real backup engine on 127.0.0.1, logged in through Keystone as the demo user.
 */

let engine: TestEngine;
let client: CsbsClient;
let servers: { id: string; name: string }[];

const WEEKLY = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const backupR = () => csbsProvider.resources.get("csbs_backup")!;
const ctx = () => ({ client: client as unknown, timeoutMs: 60_000, signal: new AbortController().signal });

/** What a plan proposes (unknowns as null, as create receives them). */
function planned(r: Resource<unknown>, prior: SdkObject | null, config: SdkObject): { planned: SdkObject; requiresReplace: string[][] } {
  const out = planResourceChange(r.attributes, prior, config);
  const p: SdkObject = {};
  for (const [k, v] of Object.entries(out.planned)) p[k] = isUnknown(v) ? null : (v as SdkValue);
  return { planned: p, requiresReplace: out.requiresReplace };
}

/** Attributes a plan would change: empty is "No changes". */
function changed(r: Resource<unknown>, prior: SdkObject, config: SdkObject): string[] {
  const { planned: p } = planResourceChange(r.attributes, prior, config);
  return Object.entries(r.attributes)
    .filter(([k, a]) => a.kind !== "computed" && !sameValue(a, prior[k] ?? null, p[k] ?? null))
    .map(([k]) => k);
}

function backupConfig(server: number, extra: Partial<SdkObject> = {}): SdkObject {
  return { resource_id: servers[server]!.id, backup_name: null, description: null, resource_type: null, tags: null, ...extra };
}

beforeAll(async () => {
  engine = await startTestEngine({ demo: true });
  client = (await csbsProvider.configure(Object.fromEntries(Object.keys(csbsProvider.attributes).map((k) => [k, null])), {
    OS_AUTH_URL: `${engine.url}/v3`,
    OS_USERNAME: "demo",
    OS_PASSWORD: "password",
    OS_PROJECT_NAME: "demo",
  })) as CsbsClient;
  const zs = (await zstackProvider.configure({ endpoint: engine.url, account_name: "admin", account_password: "password" }, {})) as ZStackClient;
  const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read({ client: zs, timeoutMs: 30_000, signal: new AbortController().signal }, {}))["vm_instances"] as SdkObject[];
  await zstackProvider.close(zs);
  servers = vms.map((v) => ({ id: v["uuid"] as string, name: v["name"] as string }));
  expect(servers.length).toBeGreaterThanOrEqual(3);
});

afterAll(async () => {
  await csbsProvider.close(client);
  await engine.dispose();
});

describe("csbs_backup", () => {
  it("creates (check_protectable, protect, wait), reads without a diff, imports by backup or record id, and deletes", async () => {
    const r = backupR();
    const config = backupConfig(0, { backup_name: "web_before_upgrade", description: "before 2.0", tags: [{ key: "change", value: "CHG-1" }] });
    const created = await r.create(ctx(), planned(r, null, config).planned);
    expect(created).toMatchObject({
      resource_id: servers[0]!.id,
      backup_name: "web_before_upgrade",
      description: "before 2.0",
      resource_type: "OS::Nova::Server",
      tags: [{ key: "change", value: "CHG-1" }],
      status: "available",
      auto_trigger: false,
    });
    expect(created["id"]).toEqual(expect.any(String));
    expect(created["backup_record_id"]).toEqual(expect.any(String));
    expect(created["id"]).not.toBe(created["backup_record_id"]); // the backup, not its record, as OTC's resource holds
    const volumes = created["volume_backups"] as SdkObject[];
    expect(volumes.length).toBeGreaterThan(0);
    expect(volumes[0]).toMatchObject({ status: "available", source_volume_id: expect.any(String), size: expect.any(Number), bootable: expect.any(Boolean) });
    expect(created["vm_metadata"]).toEqual([expect.objectContaining({ name: servers[0]!.name, vcpus: expect.any(Number), ram: expect.any(Number), disk: expect.any(Number) })]);

    const read = (await r.read(ctx(), created))!;
    expect(read).toEqual(created);
    expect(changed(r, read, config)).toEqual([]);
    expect(planned(r, read, { ...config, description: "other" }).requiresReplace).toEqual([["description"]]);

    const byId = (await r.import(ctx(), created["id"] as string))!;
    expect(byId).toEqual(created);
    expect(changed(r, byId, config)).toEqual([]); // an import plans no change against the configuration it came from
    expect((await r.import(ctx(), created["backup_record_id"] as string))!["id"]).toBe(created["id"]);

    // The backup protects its server, once, for good.
    expect(r.protection!.facts(created)).toEqual([{ kind: "covers", vm: servers[0]!.id, vmName: servers[0]!.name, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: expect.any(String), enabled: true }]);
    const [data] = await r.protection!.recoveryData!(ctx(), [created]);
    expect(data).toEqual([expect.objectContaining({ vm: servers[0]!.id, kind: "backup", count: 1 })]);
    expect((await r.inventory!.list(ctx())).map((o) => o.id)).toContain(created["id"]);

    await r.delete(ctx(), created);
    expect(await r.read(ctx(), created)).toBeNull();
    await r.delete(ctx(), created); // already gone: still succeeds
    expect(await r.import(ctx(), created["id"] as string)).toBeNull();
  });

  it("refreshes several backups with one listing (readMany), a deleted one as gone", async () => {
    const r = backupR();
    const made = await Promise.all([0, 1, 2].map((i) => r.create(ctx(), planned(r, null, backupConfig(i)).planned)));
    expect(made.map((b) => b["backup_name"])).toEqual(made.map(() => expect.stringMatching(/\S/))); // CSBS names unnamed backups
    await r.delete(ctx(), made[1]!);
    const before = client.transport.requests;
    const out = await r.readMany(ctx(), made);
    expect(client.transport.requests - before).toBe(1);
    expect(out.map((o) => o?.["id"] ?? null)).toEqual([made[0]!["id"], null, made[2]!["id"]]);
    expect(out[0]).toEqual(await r.read(ctx(), made[0]!));
    await Promise.all([r.delete(ctx(), made[0]!), r.delete(ctx(), made[2]!)]);
  });

  it("refuses a server CSBS cannot back up with check_protectable's code, before starting anything", async () => {
    const r = backupR();
    const missing = "0123456789abcdef0123456789abcdef";
    const err = await r.create(ctx(), planned(r, null, { ...backupConfig(0), resource_id: missing }).planned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toMatch(/^CSBS\.\d{4}$/);
    expect((err as Error).message).toContain(`resource_id ${missing} cannot be backed up`);
    expect((err as ApiError).path).toMatch(/\/providers\/fc4d5750-22e7-4798-8a46-f48f62c4c1da\/resources\/action$/);
  });
});

describe("data sources csbs_backup and csbs_backup_policy", () => {
  it("find one backup by id, name or record; fail on none and on several", async () => {
    const r = backupR();
    const ds = csbsProvider.dataSources.get("csbs_backup")!;
    const a = await r.create(ctx(), planned(r, null, backupConfig(1, { backup_name: "ds_a" })).planned);
    const b = await r.create(ctx(), planned(r, null, backupConfig(1, { backup_name: "ds_b" })).planned);
    try {
      const none: SdkObject = Object.fromEntries(Object.keys(ds.attributes).map((k) => [k, null]));
      const byName = await ds.read(ctx(), { ...none, backup_name: "ds_a" });
      expect(byName).toMatchObject({ id: a["id"], backup_record_id: a["backup_record_id"], resource_id: servers[1]!.id, resource_name: servers[1]!.name, status: "available" });
      expect(byName["volume_backups"]).toEqual(a["volume_backups"]);
      expect(byName["vm_metadata"]).toEqual(a["vm_metadata"]);
      expect((await ds.read(ctx(), { ...none, id: b["id"] as string }))["backup_name"]).toBe("ds_b");
      expect((await ds.read(ctx(), { ...none, backup_record_id: b["backup_record_id"] as string }))["id"]).toBe(b["id"]);
      await expect(ds.read(ctx(), { ...none, resource_id: servers[1]!.id })).rejects.toThrow(/csbs_backup: 2 backups match resource_id=\S+; narrow the search/);
      await expect(ds.read(ctx(), { ...none, backup_name: "no_such" })).rejects.toThrow("csbs_backup: no backup matches name=no_such");
    } finally {
      await Promise.all([r.delete(ctx(), a), r.delete(ctx(), b)]);
    }
  });

  it("find one policy by name or id, with its schedule's trigger name and type", async () => {
    const policyR = csbsProvider.resources.get("csbs_backup_policy")!;
    const ds = csbsProvider.dataSources.get("csbs_backup_policy")!;
    const config: SdkObject = {
      name: "ds-policy",
      description: "read by the data source",
      provider_id: null,
      common: null,
      resource: [{ id: servers[2]!.id, type: "OS::Nova::Server", name: servers[2]!.name }],
      scheduled_operation: [{ name: null, description: null, enabled: true, operation_type: "backup", trigger_pattern: WEEKLY, max_backups: 3, retention_duration_days: null, permanent: null, day_backups: null, week_backups: null, month_backups: null, year_backups: null, timezone: null }],
      tags: null,
    };
    const policy = await policyR.create(ctx(), planned(policyR, null, config).planned);
    try {
      // The resource reads the trigger back, and a plan against the same configuration changes nothing.
      const op = (policy["scheduled_operation"] as SdkObject[])[0]!;
      expect(op).toMatchObject({ id: policy["scheduled_operation_id"], trigger_id: policy["trigger_id"], trigger_name: "default", trigger_type: "time" });
      const reread = (await policyR.read(ctx(), policy))!;
      expect(reread).toEqual(policy);
      expect(changed(policyR, reread, config)).toEqual([]);

      const none = { id: null, name: null, status: null };
      const byName = await ds.read(ctx(), { ...none, name: "ds-policy" });
      expect(byName).toMatchObject({ id: policy["id"], name: "ds-policy", description: "read by the data source", provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da", resource: config["resource"] });
      expect((byName["scheduled_operation"] as SdkObject[])[0]).toMatchObject({ trigger_pattern: WEEKLY, max_backups: 3, trigger_name: "default", trigger_type: "time", trigger_id: policy["trigger_id"] });
      expect((await ds.read(ctx(), { ...none, id: policy["id"] as string }))["name"]).toBe("ds-policy");
      await expect(ds.read(ctx(), { ...none, name: "ds-policy", status: "started" })).rejects.toThrow("csbs_backup_policy: no backup policy matches name=ds-policy, status=started");
      await expect(ds.read(ctx(), { ...none, id: "00000000-0000-0000-0000-000000000000" })).rejects.toThrow(/no backup policy matches id=/);
    } finally {
      await policyR.delete(ctx(), policy);
    }
  });
});
