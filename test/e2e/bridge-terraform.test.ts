import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinProviders } from "../../providers/index.js";
import { providersSchemaJson } from "../../src/sdk/index.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, planActions, TerraformDir, terraformBinary } from "./bridge-support.js";
import { ZStackClient } from "./engine-zstack-client.js";

/** The quickstart's core resources, with the knobs the lifecycle steps turn. */
function config(endpoint: string, o: { taskName: string; policy: "gold" | "silver"; latency: number }): string {
  return `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
  }
}

provider "zstack" {
  endpoint         = "${endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}

provider "csbs" {
  auth_url         = "${endpoint}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}

data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 5
  retention_time_per_day    = 1
}

resource "zstack_cdp_policy" "silver" {
  name                      = "silver"
  recovery_point_per_second = 60
  retention_time_per_day    = 2
}

resource "zstack_cdp_task" "web" {
  name                = "${o.taskName}"
  policy_uuid         = zstack_cdp_policy.${o.policy}.uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = ${o.latency}
}

resource "csbs_backup_policy" "daily" {
  name = "daily-web"

  resource {
    id   = data.zstack_vm_instances.web.vm_instances[0].uuid
    type = "OS::Nova::Server"
    name = "web-1"
  }

  scheduled_operation {
    name            = "daily"
    enabled         = true
    operation_type  = "backup"
    max_backups     = 7
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}

output "task_uuid" {
  value = zstack_cdp_task.web.uuid
}
`;
}

/**
 * Terraform 1.11 drives backplan's providers through the bridge against a real engine: offline init from the
 * mirror `backplan terraform install` writes, the whole lifecycle, and state shared both ways with backplan.
 */
describe("Terraform through the tfplugin6 bridge", () => {
  let engine: TestEngine;
  let work: string;
  let tfBin: string;
  let zstack: ZStackClient;

  beforeAll(async () => {
    tfBin = terraformBinary();
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-bridge-"));
    await installProviders(join(work, "install"));
    zstack = new ZStackClient(engine.url);
    await zstack.login();
  });

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("init installs both providers from the filesystem mirror, and their schema is backplan's", async () => {
    const tf = new TerraformDir(join(work, "schema"), join(work, "install"), tfBin);
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, { taskName: "t", policy: "gold", latency: 600000 }));
    const init = await tf.tfOk(0, "init", "-no-color");
    expect(init).toContain("Installed backplan/zstack v0.1.0 (unauthenticated)");
    expect(init).toContain("Installed backplan/csbs v0.1.0 (unauthenticated)");
    const schema = JSON.parse(await tf.tfOk(0, "providers", "schema", "-json")) as unknown;
    expect(schema).toEqual(JSON.parse(JSON.stringify(providersSchemaJson(builtinProviders()))));
    // The same document `backplan providers schema -json` prints, less its builtin terraform provider.
    const ours = JSON.parse(await tf.backplanOk(0, "providers", "schema", "-json")) as { provider_schemas: Record<string, unknown> };
    delete ours.provider_schemas["terraform.io/builtin/terraform"];
    expect(schema).toEqual(ours);
  });

  it("create, no-op re-plan, update in place, replace, refresh-only drift, destroy — and backplan agrees at each step", async () => {
    const tf = new TerraformDir(join(work, "life"), join(work, "install"), tfBin);
    const write = (o: Parameters<typeof config>[1]) => writeFileSync(join(tf.dir, "main.tf"), config(engine.url, o));
    write({ taskName: "web-cdp", policy: "gold", latency: 600000 });
    await tf.tfOk(0, "init", "-no-color");

    // Both engines plan the same creates from an empty state.
    await tf.tfOk(0, "plan", "-no-color", "-out", "tf.plan");
    const tfCreate = planActions(await tf.tfOk(0, "show", "-json", "tf.plan"));
    expect(tfCreate).toEqual({
      "zstack_cdp_policy.gold": "create",
      "zstack_cdp_policy.silver": "create",
      "zstack_cdp_task.web": "create",
      "csbs_backup_policy.daily": "create",
    });
    await tf.backplanOk(0, "plan", "-no-color", "-out", "bp.plan");
    expect(planActions(await tf.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(tfCreate);

    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
    const taskUuid = JSON.parse(await tf.tfOk(0, "output", "-json", "task_uuid")) as string;
    const [task] = await zstack.query(`/zstack/v1/cdp-task?q=uuid=${taskUuid}`);
    expect(task).toMatchObject({ name: "web-cdp", maxLatency: 600000 });

    // Re-plan is a no-op in Terraform, and backplan reads Terraform's state as a no-op too.
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    // Update in place: the same single action from both.
    write({ taskName: "web-cdp-renamed", policy: "gold", latency: 300000 });
    await tf.tfOk(2, "plan", "-no-color", "-detailed-exitcode", "-out", "tf.plan");
    const tfUpdate = planActions(await tf.tfOk(0, "show", "-json", "tf.plan"));
    expect(tfUpdate["zstack_cdp_task.web"]).toBe("update");
    await tf.backplanOk(2, "plan", "-no-color", "-detailed-exitcode", "-out", "bp.plan");
    expect(planActions(await tf.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(tfUpdate);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
    const [renamed] = await zstack.query(`/zstack/v1/cdp-task?q=uuid=${taskUuid}`);
    expect(renamed).toMatchObject({ name: "web-cdp-renamed", maxLatency: 300000 });
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    // A forceNew attribute (policy_uuid) replaces the task: requires_replace reaches Terraform.
    write({ taskName: "web-cdp-renamed", policy: "silver", latency: 300000 });
    await tf.tfOk(2, "plan", "-no-color", "-detailed-exitcode", "-out", "tf.plan");
    const tfPlan = JSON.parse(await tf.tfOk(0, "show", "-json", "tf.plan")) as {
      resource_changes: { address: string; change: { actions: string[]; replace_paths?: unknown } }[];
    };
    const rc = tfPlan.resource_changes.find((c) => c.address === "zstack_cdp_task.web")!;
    expect(rc.change.actions).toEqual(["delete", "create"]);
    expect(rc.change.replace_paths).toEqual([["policy_uuid"]]);
    await tf.backplanOk(2, "plan", "-no-color", "-detailed-exitcode", "-out", "bp.plan");
    expect(planActions(await tf.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(planActions(JSON.stringify(tfPlan)));
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
    const newUuid = JSON.parse(await tf.tfOk(0, "output", "-json", "task_uuid")) as string;
    expect(newUuid).not.toBe(taskUuid);
    expect(await zstack.query(`/zstack/v1/cdp-task?q=uuid=${taskUuid}`)).toEqual([]);
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    // Drift: the task is disabled behind Terraform's back. Refresh-only shows it (exit 2) in both engines.
    const r = await zstack.call("POST", `/zstack/v1/cdp-task/disable/${newUuid}`, { params: {} });
    expect(r.status, r.text).toBe(200);
    const drift = await tf.tfOk(2, "plan", "-no-color", "-refresh-only", "-detailed-exitcode");
    expect(drift).toContain("zstack_cdp_task.web has changed");
    expect(drift).toMatch(/enabled\s+= true -> false/);
    await tf.backplanOk(2, "plan", "-no-color", "-refresh-only", "-detailed-exitcode");
    // A normal plan undoes the drift in place, in both engines.
    await tf.tfOk(2, "plan", "-no-color", "-out", "tf.plan", "-detailed-exitcode");
    const undo = planActions(await tf.tfOk(0, "show", "-json", "tf.plan"));
    expect(undo["zstack_cdp_task.web"]).toBe("update");
    await tf.backplanOk(2, "plan", "-no-color", "-out", "bp.plan", "-detailed-exitcode");
    expect(planActions(await tf.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(undo);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
    const [enabled] = await zstack.query(`/zstack/v1/cdp-task?q=uuid=${newUuid}`);
    expect(enabled.state).toBe("Enabled");

    await tf.tfOk(0, "destroy", "-no-color", "-auto-approve");
    expect(await zstack.query(`/zstack/v1/cdp-task?q=uuid=${newUuid}`)).toEqual([]);
    const state = JSON.parse(readFileSync(join(tf.dir, "terraform.tfstate"), "utf8")) as { resources: unknown[] };
    expect(state.resources).toEqual([]);
  }, 600_000);

  it("a state applied by backplan plans as no-op in Terraform", async () => {
    const tf = new TerraformDir(join(work, "reverse"), join(work, "install"), tfBin);
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, { taskName: "by-backplan", policy: "gold", latency: 600000 }));
    await tf.backplanOk(0, "apply", "-no-color", "-auto-approve");
    await tf.tfOk(0, "init", "-no-color");
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");

    // `terraform import` (ImportResourceState) and `backplan import` adopt backplan's objects into fresh states:
    // both plan no-op after.
    const state = JSON.parse(readFileSync(join(tf.dir, "terraform.tfstate"), "utf8")) as {
      resources: { mode: string; type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[];
    };
    const other = new TerraformDir(join(work, "imported"), join(work, "install"), tfBin);
    const native = new TerraformDir(join(work, "imported-native"), join(work, "install"), tfBin);
    for (const d of [other, native]) writeFileSync(join(d.dir, "main.tf"), config(engine.url, { taskName: "by-backplan", policy: "gold", latency: 600000 }));
    await other.tfOk(0, "init", "-no-color");
    const managed = state.resources.filter((r) => r.mode === "managed");
    expect(managed.map((r) => r.type).sort()).toEqual(["csbs_backup_policy", "zstack_cdp_policy", "zstack_cdp_policy", "zstack_cdp_task"]);
    for (const r of managed) {
      const id = (r.instances[0]!.attributes["uuid"] ?? r.instances[0]!.attributes["id"]) as string;
      await other.tfOk(0, "import", "-no-color", `${r.type}.${r.name}`, id);
      await native.backplanOk(0, "import", "-no-color", `${r.type}.${r.name}`, id);
    }
    await other.tfOk(0, "plan", "-no-color", "-out", "tf.plan");
    // The csbs policy's config leaves scheduled_operation.description unset, which the engine answers as "".
    expect(planActions(await other.tfOk(0, "show", "-json", "tf.plan"))).toEqual({
      "csbs_backup_policy.daily": "no-op",
      "zstack_cdp_policy.gold": "no-op",
      "zstack_cdp_policy.silver": "no-op",
      "zstack_cdp_task.web": "no-op",
    });
    // Not -detailed-exitcode: a fresh state has no outputs yet, so the config's output alone is a change.
    await native.backplanOk(0, "plan", "-no-color", "-out", "bp.plan");
    expect(planActions(await native.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(planActions(await other.tfOk(0, "show", "-json", "tf.plan")));

    await tf.tfOk(0, "destroy", "-no-color", "-auto-approve");
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode", "-destroy");
  }, 300_000);
});
