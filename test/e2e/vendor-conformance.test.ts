import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsProvider } from "../../providers/index.js";
import type { CsbsClient } from "../../providers/csbs/client.js";
import { isUnknown, planResourceChange, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * Requests built the way the vendors' own clients build them — ZStack's Go and Java SDKs, gophertelekomcloud —
 * from the facts in shared/research/vendor_fidelity.md (method, path, headers, body), sent to an engine standing
 * in for a management node on Asia/Shanghai; replies are checked against the fields of the SDKs' reply types.
 */

let engine: TestEngine;
let session: string;
let vms: { uuid: string; name: string }[];
let bsUuid: string;
let key: { id: string; secret: string };

type Json = Record<string, any>; // test helper: replies are indexed freely, their shapes asserted below

async function send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${engine.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json;charset=UTF-8" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // plain-text replies (400s) stay in `text`
  }
  return { status: res.status, json, text };
}

/** Follows a ZStack async job (202 + location, polled without auth) to its final reply. */
async function job(reply: { status: number; json: Json; text: string }): Promise<{ status: number; json: Json }> {
  expect(reply.status, reply.text).toBe(202);
  const path = new URL(reply.json["location"] as string).pathname;
  for (let i = 0; i < 300; i++) {
    const r = await send("GET", path, {});
    if (r.status !== 202) return r;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`job ${path} never finished`);
}

/** The wall clock of Asia/Shanghai as `EEE, dd MMM yyyy HH:mm:ss`, as the SDKs format `time.Now().Local()` there. */
function shanghaiFace(now = Date.now()): string {
  const f = new Date(now + 8 * 3600_000);
  const two = (n: number) => String(n).padStart(2, "0");
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][f.getUTCDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][f.getUTCMonth()];
  return `${day}, ${two(f.getUTCDate())} ${mon} ${f.getUTCFullYear()} ${two(f.getUTCHours())}:${two(f.getUTCMinutes())}:${two(f.getUTCSeconds())}`;
}

function signed(method: string, apiPath: string, date: string): Record<string, string> {
  const sig = createHmac("sha1", key.secret).update(`${method}\n${date}\n${apiPath}`).digest("base64");
  return { Date: date, Authorization: `ZStack ${key.id}:${sig}` };
}

beforeAll(async () => {
  engine = await startTestEngine({ demo: true, timeZone: "Asia/Shanghai" });
  const login = await send("PUT", "/zstack/v1/accounts/login", {}, { logInByAccount: { accountName: "admin", password: createHash("sha512").update("password").digest("hex") } });
  session = login.json["inventory"]["uuid"] as string;
  const made = await send("POST", "/engine/v1/access-keys", { Authorization: `OAuth ${session}` }, { description: "conformance" });
  key = { id: made.json["inventory"]["AccessKeyID"] as string, secret: made.json["inventory"]["AccessKeySecret"] as string };
  vms = ((await send("GET", "/zstack/v1/vm-instances", { Authorization: `OAuth ${session}` })).json["inventories"] as Json[]).map((v) => ({ uuid: v["uuid"], name: v["name"] }));
  bsUuid = ((await send("GET", "/zstack/v1/backup-storage", { Authorization: `OAuth ${session}` })).json["inventories"] as Json[])[0]!["uuid"] as string;
}, 60_000);

afterAll(async () => {
  await engine.dispose();
});

describe("ZStack Go and Java SDKs", () => {
  it("E1: AccessKey Date in the node's local time, with a zone abbreviation (Go) or a zone id (Java)", async () => {
    for (const zone of ["CST", "Asia/Shanghai"]) {
      const date = `${shanghaiFace()} ${zone}`;
      const r = await send("GET", "/zstack/v1/zones", signed("GET", "/v1/zones", date));
      expect(r.status, `${zone}: ${r.text}`).toBe(200);
      // E7: the schema map RestServer adds, read by the Java SDK's ApiResult to build the right classes.
      expect(r.json["schema"]).toEqual({ "inventories[0]": "org.zstack.header.zone.ZoneInventory" });
    }
    const utcFace = `${new Date().toUTCString().slice(0, 25)} GMT`;
    const skewed = await send("GET", "/zstack/v1/zones", signed("GET", "/v1/zones", utcFace));
    expect(skewed.status).toBe(403);
  });

  let taskUuid: string;
  it("E3/E4: CreateCdpTask as the Java SDK sends it — tags and requestIp inside `params`, a vendor taskType, an unknown field", async () => {
    const policy = await job(
      await send("POST", "/zstack/v1/cdp-backup-storage/policy", { Authorization: `OAuth ${session}` }, { params: { name: "conf", recoveryPointPerSecond: 1 }, systemTags: [], userTags: [] }),
    );
    const r = await job(
      await send(
        "POST",
        "/zstack/v1/cdp-backup-storage/task",
        { Authorization: `OAuth ${session}`, "X-Job-UUID": "0123456789abcdef0123456789abcd01" },
        {
          params: {
            name: "conformance",
            taskType: "incremental",
            policyUuid: policy.json["inventory"]["uuid"],
            backupStorageUuid: bsUuid,
            resourceUuids: [vms[2]!.uuid],
            maxLatency: 1000,
            systemTags: ["conformance::yes"],
            userTags: ["team-a"],
            requestIp: "10.0.0.9",
            fieldOfANewerServer: true,
          },
        },
      ),
    );
    expect(r.status).toBe(200);
    const inv = r.json["inventory"] as Json;
    // CdpTaskInventory's fields (Java SDK org.zstack.sdk.CdpTaskInventory).
    for (const f of ["uuid", "name", "description", "policyUuid", "backupStorageUuid", "taskType", "status", "state", "maxCapacity", "usedCapacity", "maxLatency", "lastLatency", "backupBandwidth", "resourceRefs", "createDate", "lastOpDate"]) {
      expect(inv, f).toHaveProperty(f);
    }
    expect(inv["taskType"]).toBe("incremental");
    taskUuid = inv["uuid"] as string;
  }, 60_000);

  it("E7: trimmed field names and the __systemTag__/__userTag__ pseudo-fields in q=", async () => {
    const auth = { Authorization: `OAuth ${session}` };
    const q = (cond: string) => send("GET", `/zstack/v1/cdp-task?q=${encodeURIComponent(cond)}`, auth);
    expect((await q("name =conformance")).json["inventories"].map((t: Json) => t["uuid"])).toEqual([taskUuid]);
    expect((await q("__systemTag__=conformance::yes")).json["inventories"].map((t: Json) => t["uuid"])).toEqual([taskUuid]);
    expect((await q("__userTag__~=team-%")).json["inventories"].map((t: Json) => t["uuid"])).toEqual([taskUuid]);
    expect((await q("__userTag__=team-b")).json["inventories"]).toEqual([]);
  });

  it("E8: UpdateCdpTask needs its action-name key; an unknown field inside it is ignored", async () => {
    const auth = { Authorization: `OAuth ${session}` };
    const wrong = await send("PUT", `/zstack/v1/cdp-backup-storage/task/${taskUuid}/actions`, auth, { params: { name: "renamed" } });
    expect(wrong.status).toBe(400);
    const r = await job(await send("PUT", `/zstack/v1/cdp-backup-storage/task/${taskUuid}/actions`, auth, { updateCdpTask: { name: "renamed", notAField: 1 }, systemTags: [], userTags: [] }));
    expect(r.json["inventory"]["name"]).toBe("renamed");
  }, 60_000);

  it("E2: GetVmInstanceRecoveryPoints with the SDK's string times answers its RecoveryPointView lists", async () => {
    const auth = { Authorization: `OAuth ${session}` };
    let points: Json = {};
    for (let i = 0; i < 100 && Object.keys(points).length === 0; i++) {
      points = (await send("GET", `/zstack/v1/vm-instances/${vms[2]!.uuid}/recovery-points?startTime=${encodeURIComponent("2023-06-06T00:00:00+08:00")}`, auth)).json["recoveryPoints"] ?? {};
      if (Object.keys(points).length === 0) await new Promise((done) => setTimeout(done, 200));
    }
    const lists = Object.values(points) as Json[][];
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) {
      expect(Array.isArray(list)).toBe(true);
      for (const p of list) {
        // Go SDK view.RecoveryPointView: id int64, grpId int64, size int64, volId string, ts string, desc string.
        expect(Number.isInteger(p["id"]) && Number.isInteger(p["grpId"]) && Number.isInteger(p["size"])).toBe(true);
        expect([typeof p["volId"], typeof p["ts"], typeof p["desc"]]).toEqual(["string", "string", "string"]);
      }
    }
    const bad = await send("GET", `/zstack/v1/vm-instances/${vms[2]!.uuid}/recovery-points?startTime=yesterday`, auth);
    expect(bad.status).toBe(400);
    await job(await send("DELETE", `/zstack/v1/cdp-task/${taskUuid}?deleteMode=Permissive`, auth));
  }, 60_000);
});

describe("gophertelekomcloud (OTC and Huawei CSBS)", () => {
  let token: string;
  let project: string;
  const PROVIDER = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";

  beforeAll(async () => {
    const res = await fetch(`${engine.url}/v3/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        auth: { identity: { methods: ["password"], password: { user: { name: "demo", password: "password", domain: { name: "Default" } } } }, scope: { project: { name: "demo", domain: { name: "Default" } } } },
      }),
    });
    token = res.headers.get("x-subject-token")!;
    project = ((await res.json()) as Json)["token"]["project"]["id"] as string;
  });

  const csbs = (method: string, path: string, body?: unknown) => send(method, `/v1/${project}${path}`, { "X-Auth-Token": token }, body);

  async function settled(checkpointId: string): Promise<Json[]> {
    for (let i = 0; i < 300; i++) {
      const items = (await csbs("GET", `/checkpoint_items?checkpoint_id=${checkpointId}`)).json["checkpoint_items"] as Json[];
      if (items.length > 0 && items.every((x) => x["status"] === "available" || x["status"] === "error")) return items;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`checkpoint ${checkpointId} never settled`);
  }

  it("E6: check_protectable, then the per-server protect action, waited on through checkpoint_items", async () => {
    const vm = vms[3]!;
    const cap = await csbs("POST", `/providers/${PROVIDER}/resources/action`, { check_protectable: [{ resource_id: vm.uuid, resource_type: "OS::Nova::Server" }] });
    expect(cap.status, cap.text).toBe(200);
    expect(cap.json["protectable"]).toEqual([{ result: true, resource_type: "OS::Nova::Server", resource_id: vm.uuid }]);
    const missing = await csbs("POST", `/providers/${PROVIDER}/resources/action`, { check_protectable: [{ resource_id: "0".repeat(32), resource_type: "OS::Nova::Server" }] });
    expect(missing.json["protectable"][0]).toMatchObject({ result: false, error_code: expect.any(String), error_msg: expect.any(String) });

    // backup.CreateOpts: backup_name, description, resource_type, incremental, tags, extra_info; wrapped in `protect`.
    const r = await csbs("POST", `/providers/${PROVIDER}/resources/${vm.uuid}/action`, {
      protect: { backup_name: "conformance_bk", description: "per-server", resource_type: "OS::Nova::Server", incremental: true },
    });
    expect(r.status, r.text).toBe(200);
    const cp = r.json["checkpoint"] as Json;
    // backup.Checkpoint: status, created_at, id, resource_graph, project_id, protection_plan{id, name, resources}, extra_info.
    for (const f of ["status", "created_at", "id", "resource_graph", "project_id", "protection_plan", "extra_info"]) expect(cp, f).toHaveProperty(f);
    expect(cp["protection_plan"]["resources"].map((x: Json) => x["id"])).toEqual([vm.uuid]);
    const busy = await csbs("POST", `/providers/${PROVIDER}/resources/action`, { check_protectable: [{ resource_id: vm.uuid, resource_type: "OS::Nova::Server" }] });
    expect(busy.json["protectable"][0]["result"]).toBe(false);

    const items = await settled(cp["id"] as string);
    expect(items).toHaveLength(1);
    // backup.Backup: id, checkpoint_id, name, resource_id, resource_type, status, created_at, extend_info, backup_data...
    expect(items[0]).toMatchObject({ checkpoint_id: cp["id"], name: "conformance_bk", description: "per-server", resource_id: vm.uuid, resource_type: "OS::Nova::Server", status: "available" });
    expect(items[0]!["extend_info"]["volume_backups"].length).toBeGreaterThan(0);
    expect((await csbs("GET", `/checkpoint_items/${items[0]!["id"] as string}`)).json["checkpoint_item"]["id"]).toBe(items[0]!["id"]);
    const del = await csbs("DELETE", `/providers/${PROVIDER}/checkpoints/${cp["id"] as string}`);
    expect(del.status, del.text).toBe(200);
  }, 90_000);

  it("backup.List with the SDK's ListOpts query, replies typed as backup.Backup; tags of protect kept; Delete of one item", async () => {
    const vm = vms[4] ?? vms[3]!;
    // opentelekomcloud_csbs_backup_v1 sends tags inside `protect` (tags.ResourceTag: key, value).
    const made = await csbs("POST", `/providers/${PROVIDER}/resources/${vm.uuid}/action`, { protect: { backup_name: "listed_bk", resource_type: "OS::Nova::Server", tags: [{ key: "team", value: "web" }] } });
    expect(made.status, made.text).toBe(200);
    const recordId = made.json["checkpoint"]["id"] as string;
    await settled(recordId);
    // backup.ListOpts: status, limit, marker, sort, all_tenants, name, resource_id, resource_name, policy_id, ip (vm_ip),
    // checkpoint_id, resource_type, each a query parameter (the SDK leaves out the empty ones).
    const q = new URLSearchParams({ status: "available", limit: "10", sort: "created_at:desc", name: "listed_bk", resource_id: vm.uuid, resource_name: vm.name, checkpoint_id: recordId, resource_type: "OS::Nova::Server" });
    const r = await csbs("GET", `/checkpoint_items?${q.toString()}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json["checkpoint_items_links"]).toEqual(expect.any(Array));
    const items = r.json["checkpoint_items"] as Json[];
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item["tags"]).toEqual([{ key: "team", value: "web" }]);
    // backup.Backup and its nested types; Go's json fails on a float where the SDK has an int.
    for (const f of ["checkpoint_id", "created_at", "id", "name", "resource_id", "status", "updated_at", "description", "resource_type"]) expect(typeof item[f], f).toBe("string");
    const ext = item["extend_info"] as Json;
    for (const f of ["progress", "size"]) expect(Number.isInteger(ext[f]), `extend_info.${f}`).toBe(true);
    for (const f of ["average_speed", "space_saving_ratio"]) expect(typeof ext[f], `extend_info.${f}`).toBe("number");
    for (const f of ["auto_trigger", "incremental", "support_lld"]) expect(typeof ext[f], `extend_info.${f}`).toBe("boolean");
    expect(ext["fail_code"]).toEqual(expect.any(Object));
    const data = item["backup_data"] as Json;
    for (const f of ["disk", "ram", "vcpus"]) expect(Number.isInteger(data[f]), `backup_data.${f}`).toBe(true);
    for (const f of ["__openstack_region_name", "cloudservicetype", "imagetype", "eip", "private_ip"]) expect(typeof data[f], `backup_data.${f}`).toBe("string");
    const volumes = ext["volume_backups"] as Json[];
    expect(volumes.length).toBeGreaterThan(0);
    for (const v of volumes) {
      for (const f of ["average_speed", "size", "source_volume_size"]) expect(Number.isInteger(v[f]), `volume_backups.${f}`).toBe(true);
      for (const f of ["id", "image_type", "snapshot_id", "name", "source_volume_id", "status", "source_volume_name"]) expect(typeof v[f], `volume_backups.${f}`).toBe("string");
      expect(typeof v["space_saving_ratio"]).toBe("number");
    }
    // `ip` is the SDK's name for the VM IP filter (its VmIp); another server's backups are not listed.
    expect(data["private_ip"]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const byIp = await csbs("GET", `/checkpoint_items?ip=${encodeURIComponent(data["private_ip"] as string)}&checkpoint_id=${recordId}`);
    expect((byIp.json["checkpoint_items"] as Json[]).map((i) => i["id"])).toEqual([item["id"]]);
    expect((await csbs("GET", `/checkpoint_items?ip=203.0.113.250&checkpoint_id=${recordId}`)).json["checkpoint_items"]).toEqual([]);
    const other = await csbs("GET", `/checkpoint_items?resource_id=${vms[0]!.uuid}&checkpoint_id=${recordId}`);
    expect(other.json["checkpoint_items"]).toEqual([]);
    // Every status the Backup type documents is a valid filter (the data sources pass the user's value through).
    for (const status of ["waiting_protect", "protecting", "waiting_restore", "restoring", "error", "waiting_delete", "deleting", "deleted"]) {
      const f = await csbs("GET", `/checkpoint_items?status=${status}&checkpoint_id=${recordId}`);
      expect(f.status, `${status}: ${f.text}`).toBe(200);
      expect(f.json["checkpoint_items"], status).toEqual([]);
    }
    // backup.Delete of one backup of a record: DELETE .../checkpoints/{id}?checkpoint_items={item id}.
    const del = await csbs("DELETE", `/providers/${PROVIDER}/checkpoints/${recordId}?checkpoint_items=${item["id"] as string}`);
    expect(del.status, del.text).toBe(200);
    expect(del.json).toEqual({});
  }, 90_000);

  it("policies.List by name (the SDK filters id and status itself): trigger name and type in each scheduled operation", async () => {
    const body = {
      policy: {
        name: "listed-policy",
        provider_id: PROVIDER,
        parameters: { common: {} },
        resources: [{ id: vms[0]!.uuid, type: "OS::Nova::Server", name: vms[0]!.name }],
        scheduled_operations: [
          { enabled: true, operation_type: "backup", operation_definition: { max_backups: 2 }, trigger: { properties: { pattern: "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=1;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" } } },
        ],
      },
    };
    const made = await csbs("POST", "/policies", body);
    expect(made.status, made.text).toBe(200);
    const r = await csbs("GET", "/policies?name=listed-policy");
    expect(r.status, r.text).toBe(200);
    const policies = r.json["policies"] as Json[];
    expect(policies.map((p) => p["id"])).toEqual([made.json["policy"]["id"]]);
    const op = policies[0]!["scheduled_operations"][0] as Json;
    // policies.ScheduledOperationResp: id, trigger_id, trigger {id, name, type, properties {pattern, start_time}}.
    expect(op).toMatchObject({ id: expect.any(String), trigger_id: expect.any(String), trigger: { id: op["trigger_id"], name: expect.any(String), type: "time", properties: { pattern: expect.any(String), start_time: expect.any(String) } } });
    expect((await csbs("DELETE", `/policies/${made.json["policy"]["id"] as string}`)).status).toBe(200);
  });

  it('E5: ExecBackupPolicy with `"resources": null` backs up all of the policy\'s servers', async () => {
    const c = (await csbsProvider.configure(
      { ...Object.fromEntries(Object.keys(csbsProvider.attributes).map((k) => [k, null])), auth_url: `${engine.url}/v3`, username: "demo", password: "password", project_name: "demo" },
      {},
    )) as CsbsClient;
    const policyR = csbsProvider.resources.get("csbs_backup_policy")!;
    const config: SdkObject = {
      name: "exec-null",
      description: null,
      provider_id: null,
      common: null,
      resource: [vms[0]!, vms[1]!].map((v) => ({ id: v.uuid, type: "OS::Nova::Server", name: v.name })),
      scheduled_operation: [
        {
          name: null,
          description: null,
          enabled: true,
          operation_type: "backup",
          trigger_pattern: "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
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
    const planned: SdkObject = {};
    for (const [k, v] of Object.entries(planResourceChange(policyR.attributes, null, config).planned)) planned[k] = isUnknown(v) ? null : (v as SdkValue);
    const ctx = { client: c as unknown, timeoutMs: 60_000, signal: new AbortController().signal };
    const policy = await policyR.create(ctx, planned);
    try {
      const r = await csbs("POST", `/providers/${PROVIDER}/checkpoints`, { checkpoint: { plan_id: policy["id"], parameters: { auto_trigger: false, resources: null } } });
      expect(r.status, r.text).toBe(200);
      const items = await settled(r.json["checkpoint"]["id"] as string);
      expect(items.map((i) => i["resource_id"]).sort()).toEqual([vms[0]!.uuid, vms[1]!.uuid].sort());
      await csbs("DELETE", `/providers/${PROVIDER}/checkpoints/${r.json["checkpoint"]["id"] as string}`);
    } finally {
      await policyR.delete(ctx, policy).catch(() => undefined);
      await csbsProvider.close(c);
    }
  }, 90_000);
});
