import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsProvider, zstackProvider } from "../../providers/index.js";
import type { CsbsClient } from "../../providers/csbs/client.js";
import type { ZStackClient } from "../../providers/zstack/client.js";
import { isUnknown, PartialCreateError, planResourceChange, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { backplan, readState } from "./plan-harness.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The csbs provider as a real Open Telekom Cloud / Huawei CSBS endpoint would see it: a recording proxy in front
 * of the engine answers 404 on Karbor's checkpoint routes (which CSBS does not document) and can hold backups
 * in `protecting`, as a slow backup does; everything else reaches the engine unchanged.
 */

interface Seen {
  method: string;
  path: string;
  body: string;
}

let engine: TestEngine;
let proxy: Server;
let proxyUrl: string;
const seen: Seen[] = [];
let holdProtecting = false;
let servers: { id: string; name: string }[];

const EMPTY: SdkObject = Object.fromEntries(Object.keys(csbsProvider.attributes).map((k) => [k, null]));
const WEEKLY = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const KARBOR_READ = /\/providers\/[^/]+\/checkpoints(\/[^/]+)?$/;

function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0]!;
      seen.push({ method: req.method ?? "", path, body });
      if (req.method === "GET" && KARBOR_READ.test(path)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_code: "APIGW.0101", error_msg: "The API does not exist or has not been published in the environment" }));
        return;
      }
      const up = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (upRes) => {
        let text = "";
        upRes.on("data", (c: Buffer) => (text += c.toString()));
        upRes.on("end", () => {
          if (holdProtecting && /\/checkpoint_items(\/[^/]+)?$/.test(path)) text = text.replace(/"status":"available"/g, '"status":"protecting"');
          const headers = { ...upRes.headers };
          delete headers["content-length"];
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(text);
        });
      });
      up.end(body);
    });
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

async function csbsClient(extra: SdkObject = {}): Promise<CsbsClient> {
  return (await csbsProvider.configure(
    { ...EMPTY, auth_url: `${engine.url}/v3`, username: "demo", password: "password", project_name: "demo", domain_name: "Default", endpoint: proxyUrl, ...extra },
    {},
  )) as CsbsClient;
}

const ctxOf = (c: CsbsClient, timeoutMs = 60_000) => ({ client: c as unknown, timeoutMs, signal: new AbortController().signal });

function planned(r: Resource<unknown>, prior: SdkObject | null, config: SdkObject): SdkObject {
  const out = planResourceChange(r.attributes, prior, config).planned;
  const p: SdkObject = {};
  for (const [k, v] of Object.entries(out)) p[k] = isUnknown(v) ? null : (v as SdkValue);
  return p;
}

function policyConfig(name: string, description: string | null): SdkObject {
  return {
    name,
    description,
    provider_id: null,
    common: null,
    resource: [{ id: servers[0]!.id, type: "OS::Nova::Server", name: servers[0]!.name }],
    scheduled_operation: [
      {
        name: null,
        description: null,
        enabled: true,
        operation_type: "backup",
        trigger_pattern: WEEKLY,
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

beforeAll(async () => {
  engine = await startTestEngine({ demo: true });
  proxy = await startProxy(engine.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const zs = (await zstackProvider.configure({ endpoint: engine.url, account_name: "admin", account_password: "password" }, {})) as ZStackClient;
  const vms = (await zstackProvider.dataSources.get("zstack_vm_instances")!.read({ client: zs, timeoutMs: 30_000, signal: new AbortController().signal }, {}))["vm_instances"] as SdkObject[];
  await zstackProvider.close(zs);
  servers = vms.map((v) => ({ id: v["uuid"] as string, name: v["name"] as string }));
}, 60_000);

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((done) => proxy.close(() => done()));
  await engine.dispose();
});

describe("csbs against documented CSBS routes only", () => {
  const policyR = csbsProvider.resources.get("csbs_backup_policy")!;
  const cpR = csbsProvider.resources.get("csbs_backup_policy_checkpoint")!;

  it("creates, waits on, reads, imports, lists and deletes a checkpoint without Karbor's checkpoint routes", async () => {
    const c = await csbsClient();
    try {
      const ctx = ctxOf(c);
      const policy = await policyR.create(ctx, planned(policyR, null, policyConfig("vendor-cp", null)));
      seen.length = 0;
      const created = await cpR.create(ctx, planned(cpR, null, { plan_id: policy["id"] as string, provider_id: null, resources: null, auto_trigger: false }));
      expect(created).toMatchObject({ status: "available", plan_id: policy["id"] });
      expect((created["checkpoint_items"] as SdkObject[]).map((i) => i["resource_id"])).toEqual([servers[0]!.id]);
      expect(await cpR.read(ctx, created)).toMatchObject({ id: created["id"], status: "available", protection_plan: created["protection_plan"] });
      const imported = await cpR.import!(ctx, created["id"] as string);
      expect(imported).toMatchObject({ id: created["id"], plan_id: policy["id"], status: "available" });
      expect((imported!["protection_plan"] as SdkObject[])[0]).toMatchObject({ id: policy["id"], name: "vendor-cp" });
      const listed = await cpR.inventory!.list(ctx);
      expect(listed.map((x) => x.id)).toContain(created["id"]);
      await cpR.delete(ctx, created);
      expect(await cpR.read(ctx, created)).toBeNull();
      expect(seen.filter((s) => s.method === "GET" && KARBOR_READ.test(s.path))).toEqual([]);
      expect(seen.some((s) => s.method === "GET" && s.path.endsWith("/checkpoint_items"))).toBe(true);
      await policyR.delete(ctx, policy);
    } finally {
      await csbsProvider.close(c);
    }
  }, 90_000);

  it("still reads through Karbor's routes when api_flavor is karbor", async () => {
    const c = await csbsClient({ endpoint: null, api_flavor: "karbor" });
    try {
      const ctx = ctxOf(c);
      const policy = await policyR.create(ctx, planned(policyR, null, policyConfig("karbor-cp", null)));
      const created = await cpR.create(ctx, planned(cpR, null, { plan_id: policy["id"] as string, provider_id: null, resources: null, auto_trigger: false }));
      expect(created).toMatchObject({ status: "available" });
      expect(await cpR.import!(ctx, created["id"] as string)).toMatchObject({ id: created["id"], plan_id: policy["id"] });
      await cpR.delete(ctx, created);
      await policyR.delete(ctx, policy);
    } finally {
      await csbsProvider.close(c);
    }
  }, 90_000);

  it("records a checkpoint still protecting at the create timeout instead of losing it (OTC #1875)", async () => {
    const c = await csbsClient();
    const ctx = ctxOf(c);
    const policy = await policyR.create(ctx, planned(policyR, null, policyConfig("slow-cp", null)));
    holdProtecting = true;
    try {
      const err = await cpR.create(ctxOf(c, 2_500), planned(cpR, null, { plan_id: policy["id"] as string, provider_id: null, resources: null, auto_trigger: false })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PartialCreateError);
      const partial = (err as PartialCreateError).partial;
      expect(partial).toMatchObject({ plan_id: policy["id"], status: "protecting" });
      expect(partial["id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect((err as Error).message).toMatch(/recorded in state as tainted/);
      holdProtecting = false;
      // What was recorded is the real backup: the next refresh finds it.
      expect(await cpR.read(ctx, partial)).toMatchObject({ id: partial["id"], status: "available" });
      await cpR.delete(ctx, partial);
    } finally {
      holdProtecting = false;
      await policyR.delete(ctx, policy);
      await csbsProvider.close(c);
    }
  }, 90_000);

  it("refuses a per-server backup on a Karbor endpoint, naming the setting, before calling anything", async () => {
    const c = await csbsClient({ api_flavor: "karbor" });
    try {
      seen.length = 0;
      const backupR = csbsProvider.resources.get("csbs_backup")!;
      const config = { resource_id: servers[0]!.id, backup_name: null, description: null, resource_type: null, tags: null };
      await expect(backupR.create(ctxOf(c), planned(backupR, null, config))).rejects.toThrow(/csbs_backup needs the CSBS API.*api_flavor = "csbs"/);
      expect(seen).toEqual([]);
    } finally {
      await csbsProvider.close(c);
    }
  });

  it("records a per-server backup still protecting at the create timeout, found again through its record (csbs_backup)", async () => {
    const c = await csbsClient();
    const ctx = ctxOf(c);
    const backupR = csbsProvider.resources.get("csbs_backup")!;
    holdProtecting = true;
    try {
      seen.length = 0;
      const config = { resource_id: servers[1]!.id, backup_name: "slow_one", description: null, resource_type: null, tags: null };
      const err = await backupR.create(ctxOf(c, 2_500), planned(backupR, null, config)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PartialCreateError);
      const partial = (err as PartialCreateError).partial;
      expect(partial).toMatchObject({ resource_id: servers[1]!.id, backup_name: "slow_one", status: "protecting", backup_record_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect((err as Error).message).toMatch(/backup record \S+ is recorded in state as tainted/);
      // Only documented CSBS routes: check_protectable, protect, then checkpoint_items.
      expect(seen.map((x) => `${x.method} ${x.path.replace(/^\/v1\/[^/]+/, "").replace(/[0-9a-f]{32}|[0-9a-f-]{36}/g, "{id}")}`).slice(0, 3)).toEqual([
        "POST /providers/{id}/resources/action",
        "POST /providers/{id}/resources/{id}/action",
        "GET /checkpoint_items",
      ]);
      holdProtecting = false;
      // What was recorded is the real backup: the next refresh finds it, even with only its record id known.
      const found = (await backupR.read(ctx, { ...partial, id: null }))!;
      expect(found).toMatchObject({ backup_record_id: partial["backup_record_id"], status: "available" });
      await backupR.delete(ctx, found);
      expect(await backupR.read(ctx, found)).toBeNull();
    } finally {
      holdProtecting = false;
      await csbsProvider.close(c);
    }
  }, 90_000);

  it("updates a policy with only the documented fields", async () => {
    const c = await csbsClient();
    try {
      const ctx = ctxOf(c);
      const policy = await policyR.create(ctx, planned(policyR, null, { ...policyConfig("upd", null), common: { foo: "bar" } }));
      seen.length = 0;
      const updated = await policyR.update(ctx, policy, planned(policyR, policy, { ...policyConfig("upd2", "now described"), common: { foo: "bar" } }));
      expect(updated).toMatchObject({ name: "upd2", description: "now described" });
      const put = seen.find((s) => s.method === "PUT" && s.path.endsWith(`/policies/${policy["id"] as string}`))!;
      expect(Object.keys(JSON.parse(put.body).policy).sort()).toEqual(["description", "name", "resources", "scheduled_operations"]);
      expect(planResourceChange(policyR.attributes, policy, { ...policyConfig("upd", null), common: { foo: "baz" } }).requiresReplace).toEqual([["common"]]);
      await policyR.delete(ctx, policy);
    } finally {
      await csbsProvider.close(c);
    }
  }, 60_000);
});

describe("backplan apply with a checkpoint that outlives its create timeout", () => {
  it("records the started checkpoint as tainted, and the next plan replaces it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backplan-vendor-"));
    writeFileSync(
      join(dir, "main.tf"),
      `
terraform {
  required_providers {
    csbs = { source = "backplan/csbs" }
  }
}
provider "csbs" {
  auth_url     = "${engine.url}/v3"
  username     = "demo"
  password     = "password"
  project_name = "demo"
  domain_name  = "Default"
  endpoint     = "${proxyUrl}"
}
resource "csbs_backup_policy" "p" {
  name = "slow-apply"
  resource {
    id   = "${servers[1]!.id}"
    type = "OS::Nova::Server"
    name = "${servers[1]!.name}"
  }
  scheduled_operation {
    enabled         = true
    operation_type  = "backup"
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
    max_backups     = 2
  }
}
resource "csbs_backup_policy_checkpoint" "now" {
  plan_id = csbs_backup_policy.p.id
  timeouts {
    create = "3s"
  }
}
`,
    );
    holdProtecting = true;
    try {
      const applied = await backplan(["apply", "-auto-approve"], dir);
      expect(applied.code, applied.stdout + applied.stderr).toBe(1);
      expect(applied.stdout + applied.stderr).toMatch(/recorded in state as tainted/);
      const cp = readState(dir).resources.find((r) => r.type === "csbs_backup_policy_checkpoint")!;
      expect(cp.instances[0]!.status).toBe("tainted");
      const id = cp.instances[0]!.attributes["id"] as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      holdProtecting = false;
      const planned = await backplan(["plan", "-detailed-exitcode", "-no-color"], dir);
      expect(planned.code, planned.stdout + planned.stderr).toBe(2);
      expect(planned.stdout).toMatch(/csbs_backup_policy_checkpoint\.now is tainted, so must be replaced/);
      const destroyed = await backplan(["destroy", "-auto-approve"], dir);
      expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    } finally {
      holdProtecting = false;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
