import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, TerraformDir, terraformBinary } from "./bridge-support.js";
import { ZStackClient } from "./engine-zstack-client.js";

/** Scheduled VM backups and a one-off volume backup, as a Terraform user of the ZStack provider writes them. */
function config(endpoint: string, triggerName: string): string {
  return `
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

data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_scheduler_trigger" "nightly" {
  name           = "${triggerName}"
  scheduler_type = "cron"
  cron           = "0 0 2 * * ?"
}

resource "zstack_scheduler_job" "web_nightly" {
  name                 = "web-1-nightly"
  type                 = "vmBackup"
  target_resource_uuid = data.zstack_vm_instances.web.vm_instances[0].uuid
  backup_storage_uuid  = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  trigger_uuids        = [zstack_scheduler_trigger.nightly.uuid]
}

resource "zstack_volume_backup" "root" {
  name                = "root-before-upgrade"
  volume_uuid         = data.zstack_vm_instances.web.vm_instances[0].root_volume_uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
}
`;
}

/**
 * Terraform 1.11 drives the scheduler and volume-backup resources through the bridge: apply, no-op in both tools,
 * an in-place change by each, destroy — and the engine lists nothing afterwards.
 */
describe("zstack scheduled and volume backups through Terraform and the bridge", () => {
  let engine: TestEngine;
  let work: string;
  let tf: TerraformDir;
  let zstack: ZStackClient;

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-bridge-zstack-sched-"));
    await installProviders(join(work, "install"));
    tf = new TerraformDir(join(work, "dir"), join(work, "install"), terraformBinary());
    zstack = new ZStackClient(engine.url);
    await zstack.login();
  });

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("applies, plans no-op in both tools, renames the trigger in place from each, and destroys", async () => {
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, "nightly"));
    await tf.tfOk(0, "init", "-no-color");
    await tf.tfOk(0, "apply", "-no-color", "-auto-approve");
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    const state = JSON.parse(readFileSync(join(tf.dir, "terraform.tfstate"), "utf8")) as { resources: { mode: string; type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const attrs = (type: string) => state.resources.find((r) => r.mode === "managed" && r.type === type)!.instances[0]!.attributes;
    expect(attrs("zstack_scheduler_job")).toMatchObject({ state: "Enabled", trigger_uuids: [attrs("zstack_scheduler_trigger")["uuid"]] });
    const [job] = await zstack.query(`/zstack/v1/scheduler/jobs?q=uuid=${attrs("zstack_scheduler_job")["uuid"] as string}`);
    expect(job).toMatchObject({ name: "web-1-nightly" });
    const [volumeBackup] = await zstack.query(`/zstack/v1/volume-backups?q=uuid=${attrs("zstack_volume_backup")["uuid"] as string}`);
    expect(volumeBackup).toMatchObject({ name: "root-before-upgrade" });

    // A rename updates the trigger in place (a new cron replaces it), whichever tool applies it; the other then plans
    // no-op.
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, "nightly-0200"));
    const planned = await tf.backplanOk(2, "plan", "-no-color", "-detailed-exitcode");
    expect(planned).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    await tf.backplanOk(0, "apply", "-no-color", "-auto-approve");
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, "nightly-2am"));
    await tf.tfOk(0, "apply", "-no-color", "-auto-approve");
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    await tf.tfOk(0, "destroy", "-no-color", "-auto-approve");
    expect(await zstack.query(`/zstack/v1/scheduler/jobs?q=uuid=${attrs("zstack_scheduler_job")["uuid"] as string}`)).toEqual([]);
    expect(await zstack.query(`/zstack/v1/volume-backups?q=uuid=${attrs("zstack_volume_backup")["uuid"] as string}`)).toEqual([]);
  }, 180_000);
});
