import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsProvider, zstackProvider } from "../../providers/index.js";
import { deadlineOf } from "../../providers/http/deadline.js";
import { ApiError } from "../../providers/http/errors.js";
import type { CsbsClient } from "../../providers/csbs/client.js";
import { sha512Hex } from "../../providers/zstack/auth.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import { isUnknown, planResourceChange, sameValue, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * The csbs provider's resources and data source driven directly against a real backup engine on 127.0.0.1
 * (Keystone v3 + CSBS/Karbor), logged in as the demo user from OS_* variables, the endpoint from the catalog.
 */

let engine: TestEngine;
let client: CsbsClient;
let servers: { id: string; name: string }[];

const EMPTY_CONFIG: SdkObject = Object.fromEntries(Object.keys(csbsProvider.attributes).map((k) => [k, null]));
const WEEKLY = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const DAILY = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR=3;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

function resource(type: string): Resource<unknown> {
  const r = csbsProvider.resources.get(type);
  if (!r) throw new Error(`no resource ${type}`);
  return r;
}

function ctxOf(c: CsbsClient = client, timeoutMs = 60_000) {
  return { client: c as unknown, timeoutMs, signal: new AbortController().signal };
}

function planned(r: Resource<unknown>, prior: SdkObject | null, config: SdkObject): { planned: SdkObject; requiresReplace: string[][] } {
  const out = planResourceChange(r.attributes, prior, config);
  const p: SdkObject = {};
  for (const [k, v] of Object.entries(out.planned)) p[k] = isUnknown(v) ? null : (v as SdkValue);
  return { planned: p, requiresReplace: out.requiresReplace };
}

/** Attributes whose planned value differs from the prior one: empty means "no changes" in a plan. */
function changedAttributes(r: Resource<unknown>, prior: SdkObject, config: SdkObject): string[] {
  const { planned: p } = planned(r, prior, config);
  return Object.entries(r.attributes)
    .filter(([k, a]) => a.kind !== "computed" && !sameValue(a, prior[k] ?? null, p[k] ?? null))
    .map(([k]) => k);
}

beforeAll(async () => {
  engine = await startTestEngine({ demo: true });
  client = (await csbsProvider.configure(EMPTY_CONFIG, {
    OS_AUTH_URL: `${engine.url}/v3`,
    OS_USERNAME: "demo",
    OS_PASSWORD: "password",
    OS_PROJECT_NAME: "demo",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
  })) as CsbsClient;
  // The servers CSBS protects are the lab's VMs; find them through the zstack provider, as a user would.
  const zs = (await zstackProvider.configure({ endpoint: engine.url, account_name: "admin", account_password: "password" }, {})) as ZStackClient;
  const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read({ client: zs, timeoutMs: 30_000, signal: new AbortController().signal }, {}))[
    "vm_instances"
  ] as SdkObject[];
  await zstackProvider.close(zs);
  servers = vms.map((v) => ({ id: v["uuid"] as string, name: v["name"] as string }));
  expect(servers.length).toBeGreaterThanOrEqual(2);
});

afterAll(async () => {
  await csbsProvider.close(client);
  await engine.dispose();
});

/** A configuration as an opentelekomcloud_csbs_backup_policy_v1 user writes it. */
function policyConfig(name: string, serverIdx: number[], pattern = WEEKLY): SdkObject {
  return {
    name,
    description: null,
    provider_id: null,
    common: null,
    resource: serverIdx.map((i) => ({ id: servers[i]!.id, type: "OS::Nova::Server", name: servers[i]!.name })),
    scheduled_operation: [
      {
        name: null,
        description: null,
        enabled: true,
        operation_type: "backup",
        trigger_pattern: pattern,
        max_backups: 2,
        retention_duration_days: null,
        permanent: null,
        day_backups: null,
        week_backups: null,
        month_backups: null,
        year_backups: null,
        timezone: null,
      },
    ],
    tags: null,
  };
}

describe("csbs_backup_policy", () => {
  const r = resource("csbs_backup_policy");

  it("creates, reads without a diff, updates in place, imports and deletes", async () => {
    const ctx = ctxOf();
    const config = policyConfig("web-weekly", [0]);
    const created = await r.create(ctx, planned(r, null, config).planned);
    expect(created["id"]).toEqual(expect.any(String));
    expect(created["scheduled_operation_id"]).toEqual(expect.any(String));
    expect(created["status"]).toEqual(expect.any(String));

    const read = (await r.read(ctx, created))!;
    expect(read).toEqual(created);
    expect(changedAttributes(r, read, config)).toEqual([]); // no perpetual diff: defaults the API echoes stay unset

    const nextConfig = { ...policyConfig("web-daily", [0, 1], DAILY), description: "both web servers" };
    const change = planned(r, read, nextConfig);
    expect(change.requiresReplace).toEqual([]);
    const updated = await r.update(ctx, read, change.planned);
    expect(updated).toMatchObject({ id: created["id"], name: "web-daily", description: "both web servers" });
    expect((updated["resource"] as SdkObject[]).map((x) => x["id"])).toEqual([servers[0]!.id, servers[1]!.id]);
    const reread = (await r.read(ctx, updated))!;
    expect(changedAttributes(r, reread, nextConfig)).toEqual([]);
    expect((reread["scheduled_operation"] as SdkObject[])[0]!["trigger_pattern"]).toBe(DAILY);

    const imported = (await r.import(ctx, created["id"] as string))!;
    expect(imported).toMatchObject({ id: created["id"], name: "web-daily", provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da" });
    expect((imported["scheduled_operation"] as SdkObject[])[0]).toMatchObject({ operation_type: "backup", max_backups: 2, trigger_pattern: DAILY });

    await r.delete(ctx, updated);
    expect(await r.read(ctx, updated)).toBeNull();
    await r.delete(ctx, updated);
  });

  it("readMany refreshes several policies with one listing and reports a deleted one as gone", async () => {
    const ctx = ctxOf();
    const made = [];
    for (const n of ["m1", "m2", "m3"]) made.push(await r.create(ctx, planned(r, null, policyConfig(n, [0])).planned));
    await r.delete(ctx, made[1]!);
    const before = client.transport.requests;
    const out = await r.readMany(ctx, made);
    expect(client.transport.requests - before).toBe(1);
    expect(out.map((o) => o?.["id"] ?? null)).toEqual([made[0]!["id"], null, made[2]!["id"]]);
    expect(out[0]).toEqual(await r.read(ctx, made[0]!));
    await r.delete(ctx, made[0]!);
    await r.delete(ctx, made[2]!);
  });

  it("reports an invalid schedule with the API's code, method and path", async () => {
    const err = await r.create(ctxOf(), planned(r, null, policyConfig("bad", [0], "RRULE:FREQ=SECONDLY")).planned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.api).toBe("CSBS");
    expect(api.code).toMatch(/^CSBS\.\d{4}$/);
    expect(api.message).toMatch(new RegExp(`^CSBS API error ${api.code.replace(".", "\\.")} on POST /v1/[0-9a-f]+/policies: `));
  });
});

describe("csbs_backup_policy_checkpoint and csbs_checkpoint_items", () => {
  const policyR = resource("csbs_backup_policy");
  const r = resource("csbs_backup_policy_checkpoint");
  let policy: SdkObject;

  beforeAll(async () => {
    policy = await policyR.create(ctxOf(), planned(policyR, null, policyConfig("for-checkpoints", [0, 1])).planned);
  });
  afterAll(async () => {
    await policyR.delete(ctxOf(), policy);
  });

  it("executes the policy, waits until available, reads, lists items, imports and deletes", async () => {
    const ctx = ctxOf();
    const config = { plan_id: policy["id"] as string, provider_id: null, resources: [servers[1]!.id], auto_trigger: false };
    const created = await r.create(ctx, planned(r, null, config).planned);
    expect(created).toMatchObject({ plan_id: policy["id"], status: "available", provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da" });
    const items = created["checkpoint_items"] as SdkObject[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ resource_id: servers[1]!.id, status: "available", checkpoint_id: created["id"] });
    expect((created["protection_plan"] as SdkObject[])[0]).toMatchObject({ id: policy["id"], name: "for-checkpoints" });

    const read = (await r.read(ctx, created))!;
    expect(read).toMatchObject({ id: created["id"], status: "available" });
    expect(planned(r, read, config).requiresReplace).toEqual([]);
    expect(planned(r, read, { ...config, auto_trigger: true }).requiresReplace).toEqual([["auto_trigger"]]);

    const ds = csbsProvider.dataSources.get("csbs_checkpoint_items")!;
    const listed = await ds.read(ctx, { checkpoint_id: created["id"] as string, policy_id: null, resource_id: null, status: null, name: null });
    expect((listed["checkpoint_items"] as SdkObject[]).map((i) => i["id"])).toEqual([items[0]!["id"]]);
    const byResource = await ds.read(ctx, { checkpoint_id: null, policy_id: null, resource_id: servers[1]!.id, status: "available", name: null });
    expect((byResource["checkpoint_items"] as SdkObject[]).some((i) => i["id"] === items[0]!["id"])).toBe(true);

    const imported = (await r.import(ctx, created["id"] as string))!;
    expect(imported).toMatchObject({ id: created["id"], plan_id: policy["id"], status: "available" });

    await r.delete(ctx, created);
    expect(await r.read(ctx, created)).toBeNull();
    const after = await ds.read(ctx, { checkpoint_id: created["id"] as string, policy_id: null, resource_id: null, status: null, name: null });
    expect((after["checkpoint_items"] as SdkObject[]).filter((i) => i["status"] !== "deleted")).toEqual([]);
  });

  it("backs up every resource of the policy when resources is unset", async () => {
    const ctx = ctxOf();
    const created = await r.create(ctx, planned(r, null, { plan_id: policy["id"] as string, provider_id: null, resources: null, auto_trigger: null }).planned);
    expect((created["checkpoint_items"] as SdkObject[]).map((i) => i["resource_id"]).sort()).toEqual([servers[0]!.id, servers[1]!.id].sort());
    await r.delete(ctx, created);
  });

  it("executes a policy twice at once: the second waits while CSBS says the policy is busy, then runs", async () => {
    const ctx = ctxOf();
    const config = { plan_id: policy["id"] as string, provider_id: null, resources: [servers[0]!.id], auto_trigger: null };
    const [a, b] = await Promise.all([r.create(ctx, planned(r, null, config).planned), r.create(ctx, planned(r, null, config).planned)]);
    expect(a["status"]).toBe("available");
    expect(b["status"]).toBe("available");
    expect(a["id"]).not.toBe(b["id"]);
    await r.delete(ctx, a);
    await r.delete(ctx, b);
  });

  it("reports executing a policy that does not exist with the API's code", async () => {
    const err = await r
      .create(ctxOf(), planned(r, null, { plan_id: "00000000-0000-0000-0000-000000000000", provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da", resources: null, auto_trigger: null }).planned)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toMatch(/^CSBS\.\d{4}$/);
    expect((err as ApiError).method).toBe("POST");
    expect((err as ApiError).path).toMatch(/\/providers\/fc4d5750-22e7-4798-8a46-f48f62c4c1da\/checkpoints$/);
  });
});

describe("a checkpoint that ends in error", () => {
  it("fails the create with the resource's failure reason and removes the failed checkpoint", async () => {
    // A server whose disk file vanished from primary storage: real storage damage, so the backup really fails.
    const login = await fetch(`${engine.url}/zstack/v1/accounts/login`, {
      method: "PUT",
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: sha512Hex("password") } }),
    });
    const session = ((await login.json()) as { inventory: { uuid: string } }).inventory.uuid;
    const made = await fetch(`${engine.url}/engine/v1/vms`, {
      method: "POST",
      headers: { authorization: `OAuth ${session}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "doomed", volumes: [{ size: 1 << 20 }] }),
    });
    expect(made.status).toBe(200);
    const vmUuid = ((await made.json()) as { inventory: { uuid: string } }).inventory.uuid;
    const vols = await fetch(`${engine.url}/zstack/v1/volumes?q=vmInstanceUuid=${vmUuid}`, { headers: { authorization: `OAuth ${session}` } });
    const installPath = ((await vols.json()) as { inventories: { installPath: string }[] }).inventories[0]!.installPath;

    const policyR = resource("csbs_backup_policy");
    const r = resource("csbs_backup_policy_checkpoint");
    const policy = await policyR.create(ctxOf(), planned(policyR, null, { ...policyConfig("doomed", []), resource: [{ id: vmUuid, type: "OS::Nova::Server", name: "doomed" }] }).planned);
    await rm(installPath);
    const err = await r.create(ctxOf(), planned(r, null, { plan_id: policy["id"] as string, provider_id: null, resources: null, auto_trigger: null }).planned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^CSBS checkpoint \\S+ of policy ${policy["id"] as string} failed \\(status error\\): ${vmUuid}: .+; the failed checkpoint was deleted$`));
    const cpId = /checkpoint (\S+) of policy/.exec(message)![1]!;
    const items = await csbsProvider.dataSources.get("csbs_checkpoint_items")!.read(ctxOf(), { checkpoint_id: cpId, policy_id: null, resource_id: null, status: null, name: null });
    expect((items["checkpoint_items"] as SdkObject[]).filter((i) => i["status"] !== "deleted" && i["status"] !== "deleting")).toEqual([]);
    await policyR.delete(ctxOf(), policy);
  });
});

describe("csbs authentication", () => {
  it("authenticates again once when the token is rejected (401) and the call succeeds", async () => {
    const c = (await csbsProvider.configure(
      { ...EMPTY_CONFIG, auth_url: engine.url, username: "demo", password: "password", project_name: "demo" },
      {},
    )) as CsbsClient;
    try {
      const ds = csbsProvider.dataSources.get("csbs_checkpoint_items")!;
      const d = deadlineOf({ timeoutMs: 10_000 });
      const token = await c.token(d);
      expect(c.authentications).toBe(1);
      const revoke = await fetch(`${engine.url}/v3/auth/tokens`, { method: "DELETE", headers: { "x-auth-token": token, "x-subject-token": token } });
      expect(revoke.status).toBe(204);
      const out = await ds.read(ctxOf(c), { checkpoint_id: null, policy_id: null, resource_id: null, status: null, name: null });
      expect(Array.isArray(out["checkpoint_items"])).toBe(true);
      expect(c.authentications).toBe(2);
      expect(await c.token(d)).not.toBe(token);
    } finally {
      await csbsProvider.close(c);
    }
  });

  it("reports wrong credentials as a Keystone error naming the call", async () => {
    const c = (await csbsProvider.configure({ ...EMPTY_CONFIG, auth_url: `${engine.url}/v3`, username: "demo", password: "wrong", project_name: "demo" }, {})) as CsbsClient;
    try {
      const err = await csbsProvider.dataSources
        .get("csbs_checkpoint_items")!
        .read(ctxOf(c), { checkpoint_id: null, policy_id: null, resource_id: null, status: null, name: null })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).api).toBe("Keystone");
      expect((err as ApiError).status).toBe(401);
      expect((err as Error).message).toContain("on POST /v3/auth/tokens");
    } finally {
      await csbsProvider.close(c);
    }
  });
});
