import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, TerraformDir, terraformBinary } from "./bridge-support.js";

/**
 * `plan -generate-config-out=FILE` for `import` blocks without resource blocks, against Terraform 1.11 driving the
 * same providers through the bridge: the same file (blocks compared as a set, since Terraform writes them in the
 * order its walk finishes), the same refusal when FILE exists, and a plan that then imports without changes.
 */

const providers = (endpoint: string) => `
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
`;

const managed = `
data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 5
}

resource "zstack_cdp_task" "web" {
  name                = "web-cdp"
  description         = "say \\"hi\\" to $\${x}"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
}

resource "csbs_backup_policy" "daily" {
  name = "daily-web"
  resource {
    id   = data.zstack_vm_instances.web.vm_instances[0].uuid
    type = "OS::Nova::Server"
    name = "web-1"
  }
  scheduled_operation {
    operation_type  = "backup"
    max_backups     = 7
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
  tags {
    key   = "env"
    value = "prod"
  }
}
`;

/** The header and the per-object sections of a generated file, sections sorted. */
function sections(text: string): { header: string; blocks: string[] } {
  const [header, ...rest] = text.split(/\n(?=# __generated__ by Terraform from )/);
  return { header: header!, blocks: rest.sort() };
}

describe("plan -generate-config-out matches Terraform's", () => {
  let engine: TestEngine;
  let work: string;
  let tf: TerraformDir;
  let bp: TerraformDir;

  beforeAll(async () => {
    const bin = terraformBinary();
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-genconfig-"));
    await installProviders(join(work, "install"));
    // Objects to import: made by backplan in a directory of their own.
    const made = new TerraformDir(join(work, "made"), join(work, "install"), bin);
    writeFileSync(join(made.dir, "main.tf"), providers(engine.url) + managed);
    await made.backplanOk(0, "apply", "-auto-approve", "-no-color");
    const state = JSON.parse(readFileSync(join(made.dir, "terraform.tfstate"), "utf8")) as { resources: { mode: string; type: string; name: string; instances: { attributes: Record<string, string> }[] }[] };
    const id = (type: string) => {
      const a = state.resources.find((r) => r.mode === "managed" && r.type === type)!.instances[0]!.attributes;
      return a["uuid"] ?? a["id"]!;
    };
    const imports = [
      ["zstack_cdp_policy.gold", id("zstack_cdp_policy")],
      ["zstack_cdp_task.web", id("zstack_cdp_task")],
      ["csbs_backup_policy.daily", id("csbs_backup_policy")],
    ]
      .map(([to, i]) => `\nimport {\n  to = ${to}\n  id = "${i}"\n}\n`)
      .join("");
    tf = new TerraformDir(join(work, "tf"), join(work, "install"), bin);
    bp = new TerraformDir(join(work, "bp"), join(work, "install"), bin);
    for (const d of [tf, bp]) writeFileSync(join(d.dir, "main.tf"), providers(engine.url) + imports);
    await tf.tfOk(0, "init", "-no-color");
  }, 300_000);

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("writes the same configuration, and the plan then imports without changes", async () => {
    await tf.tfOk(0, "plan", "-no-color", "-generate-config-out=generated.tf");
    const out = await bp.backplanOk(0, "plan", "-no-color", "-generate-config-out=generated.tf");
    expect(out).toContain("Plan: 3 to import, 0 to add, 0 to change, 0 to destroy.");
    expect(out).toContain("backplan has generated configuration and written it to generated.tf.");
    const ours = sections(readFileSync(join(bp.dir, "generated.tf"), "utf8"));
    const theirs = sections(readFileSync(join(tf.dir, "generated.tf"), "utf8"));
    expect(ours.header).toBe(theirs.header);
    expect(ours.blocks).toEqual(theirs.blocks);
    expect(ours.blocks.join("")).toContain('description         = "say \\"hi\\" to $${x}"');
    // With the file in place, both tools plan the imports as no-ops.
    await tf.tfOk(2, "plan", "-no-color", "-detailed-exitcode");
    await bp.backplanOk(2, "plan", "-no-color", "-detailed-exitcode");
  }, 300_000);

  it("refuses, as Terraform does, when the file already exists", async () => {
    const t = await tf.tf("plan", "-no-color", "-generate-config-out=generated.tf");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("Target generated file already exists");
    const before = readFileSync(join(bp.dir, "generated.tf"), "utf8");
    const b = await bp.backplan("plan", "-no-color", "-generate-config-out=generated.tf");
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("Error: Target generated file already exists");
    expect(readFileSync(join(bp.dir, "generated.tf"), "utf8")).toBe(before);
  }, 300_000);

  it("leaves no file behind when an import fails", async () => {
    const dir = join(work, "missing");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "main.tf"), providers(engine.url) + `\nimport {\n  to = zstack_cdp_policy.nope\n  id = "00000000000000000000000000000000"\n}\n`);
    const d = new TerraformDir(dir, join(work, "install"), terraformBinary());
    const b = await d.backplan("plan", "-no-color", "-generate-config-out=gen.tf");
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("Cannot import non-existent remote object");
    expect(existsSync(join(dir, "gen.tf"))).toBe(false);
  }, 300_000);
});
