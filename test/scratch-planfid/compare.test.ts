import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "vitest";
import { startTestEngine } from "../support/engine.js";
import { installProviders, TerraformDir, terraformBinary } from "../e2e/bridge-support.js";

const cfg = (e: string) => `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
  }
}
provider "zstack" {
  endpoint         = "${e}/zstack"
  account_name     = "admin"
  account_password = "password"
}
provider "csbs" {
  auth_url         = "${e}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}
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
}
`;

it("compare", async () => {
  const engine = await startTestEngine({ demo: true });
  const work = mkdtempSync(join(tmpdir(), "cmp-"));
  await installProviders(join(work, "install"));
  const tf = new TerraformDir(join(work, "tf"), join(work, "install"), terraformBinary());
  writeFileSync(join(tf.dir, "main.tf"), cfg(engine.url));
  await tf.tfOk(0, "init", "-no-color");
  await tf.tfOk(0, "plan", "-no-color", "-out", "tf.plan");
  writeFileSync("/tmp/cmp-tf.json", await tf.tfOk(0, "show", "-json", "tf.plan"));
  await tf.backplanOk(0, "plan", "-no-color", "-out", "bp.plan");
  writeFileSync("/tmp/cmp-bp.json", await tf.backplanOk(0, "show", "-json", "bp.plan"));
  console.log(work);
  await engine.dispose();
}, 300_000);
