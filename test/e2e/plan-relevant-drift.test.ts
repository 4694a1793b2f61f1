import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { ZStackClient } from "./engine-zstack-client.js";
import { backplan, planJsonOf, readState, stateInstances, workdir, writeMain } from "./plan-harness.js";

/**
 * "Objects have changed outside of backplan" against a live engine: once a CDP task runs, the engine changes its
 * computed `status`, `used_capacity` and `last_latency` on every recovery point. Nothing in the configuration
 * refers to them, so by Terraform's rule (`relevant_attributes`) a plan stays quiet about them, with or without
 * other changes; `-refresh-only` still shows them.
 */

const config = (taskName: string, endpoint: string) => `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}

provider "zstack" {
  endpoint         = "${endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}

data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "fast" {
  name                      = "fast"
  recovery_point_per_second = 1
}

resource "zstack_cdp_task" "web" {
  name                = "${taskName}"
  policy_uuid         = zstack_cdp_policy.fast.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
}

output "task_uuid" {
  value = zstack_cdp_task.web.uuid
}
`;

const NOTE = "Objects have changed outside of backplan";
const RUNTIME = ["status", "used_capacity", "last_latency"];

describe("drift note relevance against a live engine", () => {
  let engine: TestEngine;
  let dir = "";

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    dir = workdir(config("web-cdp", engine.url));
    const applied = await backplan(["apply", "-auto-approve"], dir);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    // Make the engine's runtime attributes move: write into the protected VM's root volume and wait for a
    // recovery point after it, until the engine's view differs from the state in all three attributes.
    const api = new ZStackClient(engine.url);
    await api.login();
    const [vm] = await api.query("/zstack/v1/vm-instances?q=name=web-1");
    const applied0 = stateInstances(readState(dir)).get("zstack_cdp_task.web")!;
    const deadline = Date.now() + 60_000;
    for (;;) {
      await api.writeVolume(vm.rootVolumeUuid, 0, randomBytes(64 * 1024));
      await new Promise((r) => setTimeout(r, 1500));
      const [task] = await api.query(`/zstack/v1/cdp-task/${applied0["uuid"] as string}`);
      const live = { status: task.status, used_capacity: task.usedCapacity, last_latency: task.lastLatency };
      if (RUNTIME.every((k) => live[k as keyof typeof live] !== applied0[k])) break;
      if (Date.now() > deadline) throw new Error(`runtime attributes did not move: state ${JSON.stringify(applied0)}, live ${JSON.stringify(live)}`);
    }
  }, 240_000);

  afterAll(async () => {
    await engine?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("-refresh-only shows the runtime attributes that changed", async () => {
    const r = await backplan(["plan", "-refresh-only"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(NOTE);
    expect(r.stdout).toContain("# zstack_cdp_task.web has changed");
    // Each recovery point moves them again, so which of them differ at this instant varies; some always do.
    expect(RUNTIME.filter((k) => new RegExp(`~ ${k}\\s+=`).test(r.stdout)).length, r.stdout).toBeGreaterThan(0);
  }, 120_000);

  it("a plan right after the apply is quiet about them", async () => {
    const r = await backplan(["plan", "-detailed-exitcode"], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain(NOTE);
    expect(r.stdout).toContain("No changes. Your infrastructure matches the configuration.");
  }, 120_000);

  it("a plan that changes the task is quiet about them too, and its JSON lists the drift and the relevant attributes", async () => {
    writeMain(dir, config("web-cdp-renamed", engine.url));
    const r = await backplan(["plan"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("# zstack_cdp_task.web will be updated in-place");
    expect(r.stdout).not.toContain(NOTE);

    const j = await backplan(["plan", "-json"], dir);
    expect(j.code, j.stderr).toBe(0);
    const doc = planJsonOf(j.stdout) as ReturnType<typeof planJsonOf> & { relevant_attributes?: { resource: string; attribute: unknown[] }[] };
    expect(doc.resource_drift?.map((d) => d.address)).toEqual(["zstack_cdp_task.web"]);
    expect(doc.relevant_attributes).toEqual([
      { resource: "data.zstack_backup_storages.bs", attribute: ["backup_storages", 0, "uuid"] },
      { resource: "data.zstack_vm_instances.web", attribute: ["vm_instances", 0, "uuid"] },
      { resource: "zstack_cdp_policy.fast", attribute: ["uuid"] },
    ]);
  }, 120_000);

  it("a saved plan keeps the rule when shown", async () => {
    const out = join(dir, "renamed.tfplan");
    const r = await backplan(["plan", `-out=${out}`], dir);
    expect(r.code, r.stderr).toBe(0);
    const shown = await backplan(["show", out], dir);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("# zstack_cdp_task.web will be updated in-place");
    expect(shown.stdout).not.toContain(NOTE);
    writeFileSync(join(dir, "main.tf"), config("web-cdp", engine.url));
  }, 120_000);
});
