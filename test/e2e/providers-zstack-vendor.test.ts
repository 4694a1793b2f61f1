import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstackProvider } from "../../providers/index.js";
import { ApiError } from "../../providers/http/errors.js";
import { sha512Hex } from "../../providers/zstack/auth.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import { isUnknown, planResourceChange, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * The zstack provider against an engine standing in for a management node the way real ones are installed:
 * on Asia/Shanghai local time, answering recovery points in the shape ZStack's SDK types them.
 */

let engine: TestEngine;
let admin: ZStackClient;
let key: { id: string; secret: string };

const ctxOf = (client: ZStackClient) => ({ client: client as unknown, timeoutMs: 60_000, signal: new AbortController().signal });

function plannedCreate(r: Resource<unknown>, config: SdkObject): SdkObject {
  const { planned } = planResourceChange(r.attributes, null, config);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(planned)) out[k] = isUnknown(v) ? null : (v as SdkValue);
  if (r.clientId && r.newClientId) out[r.clientId] = r.newClientId();
  return out;
}

beforeAll(async () => {
  engine = await startTestEngine({ demo: true, timeZone: "Asia/Shanghai" });
  admin = (await zstackProvider.configure({ endpoint: engine.url, account_name: "admin", account_password: "password" }, {})) as ZStackClient;
  const login = await fetch(`${engine.url}/zstack/v1/accounts/login`, {
    method: "PUT",
    body: JSON.stringify({ logInByAccount: { accountName: "admin", password: sha512Hex("password") } }),
  });
  const session = ((await login.json()) as { inventory: { uuid: string } }).inventory.uuid;
  const made = await fetch(`${engine.url}/engine/v1/access-keys`, {
    method: "POST",
    headers: { authorization: `OAuth ${session}`, "content-type": "application/json" },
    body: JSON.stringify({ description: "vendor e2e" }),
  });
  const inv = ((await made.json()) as { inventory: Record<string, string> }).inventory;
  key = { id: inv["AccessKeyID"]!, secret: inv["AccessKeySecret"]! };
}, 60_000);

afterAll(async () => {
  await zstackProvider.close(admin);
  await engine.dispose();
});

async function readL3(timeZone: string): Promise<unknown> {
  const c = (await zstackProvider.configure({ endpoint: engine.url, access_key_id: key.id, access_key_secret: key.secret, time_zone: timeZone }, {})) as ZStackClient;
  try {
    return await zstackProvider.dataSources.get("zstack_l3_networks")!.read(ctxOf(c), { name: null, zone_uuid: null });
  } catch (e) {
    return e;
  } finally {
    await zstackProvider.close(c);
  }
}

describe("AccessKey signing against a management node on Asia/Shanghai", () => {
  it("is accepted when time_zone names the node's zone (as an id or an offset)", async () => {
    for (const zone of ["Asia/Shanghai", "+08:00"]) {
      const out = (await readL3(zone)) as SdkObject;
      expect(out, zone).not.toBeInstanceOf(Error);
      expect((out["l3_networks"] as SdkObject[]).length).toBeGreaterThan(0);
    }
  });

  it("gets 403 requestTimeTooSkewed when the Date is written in another zone, as real ZStack answers", async () => {
    const err = await readL3("UTC");
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toMatch(/requestTimeTooSkewed/);
  });
});

describe("zstack_cdp_recovery_points against the SDK's reply shape", () => {
  it("lists groups from `recoveryPoints` lists, sending the time range as zoned date-times", async () => {
    const ctx = ctxOf(admin);
    const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read(ctx, { name: null, uuid: null, state: null }))["vm_instances"] as SdkObject[];
    const bss = (await zstackProvider.dataSources.get("zstack_backup_storages")!.read(ctx, { name: null, type: null }))["backup_storages"] as SdkObject[];
    const policyR = zstackProvider.resources.get("zstack_cdp_policy")!;
    const taskR = zstackProvider.resources.get("zstack_cdp_task")!;
    const policy = await policyR.create(ctx, plannedCreate(policyR, { name: "vendor-rp", recovery_point_per_second: 1 }));
    const vm = vms[1]!;
    const task = await taskR.create(
      ctx,
      plannedCreate(taskR, { name: "vendor-rp", policy_uuid: policy["uuid"] as string, backup_storage_uuid: bss[0]!["uuid"] as string, resource_uuids: [vm["uuid"] as string], max_latency: 1000 }),
    );
    const ds = zstackProvider.dataSources.get("zstack_cdp_recovery_points")!;
    // An hour ago written as Shanghai local time with its offset, the form of the SDK's own sample.
    const hourAgo = new Date(Date.now() - 3600_000 + 8 * 3600_000).toISOString().slice(0, 19) + "+08:00";
    const out = await ds.read(ctx, { vm_instance_uuid: vm["uuid"] as string, start_time: hourAgo, end_time: null, wait_for_points: 2 });
    const list = out["recovery_points"] as SdkObject[];
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list.map((p) => p["group_id"])).toEqual([...new Set(list.map((p) => p["group_id"]))]);
    expect(list[0]).toMatchObject({ cdp_task_uuid: task["uuid"], time: expect.stringMatching(/Z$/) });
    expect(out["latest_group_id"]).toBe(list.at(-1)!["group_id"]);
    const none = await ds.read(ctx, { vm_instance_uuid: vm["uuid"] as string, start_time: "2100-01-01T08:00:00+08:00", end_time: null, wait_for_points: null });
    expect(none["recovery_points"]).toEqual([]);
    await taskR.delete(ctx, task);
    await policyR.delete(ctx, policy);
  }, 90_000);
});
