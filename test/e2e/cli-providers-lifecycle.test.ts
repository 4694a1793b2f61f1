import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./engine-zstack-client.js";

/**
 * The providers driven through the `backplan` CLI as a child process against a real engine on 127.0.0.1:
 * create, no-op re-plan, in-place update, forced replacement, drift made through the engine's API, an object
 * deleted outside backplan re-created, import, an API error and a timeout reported with their context, destroy.
 */
const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");

function backplan(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, "-no-color"], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

const HEADER = `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}
variable "endpoint" {
  type = string
}
provider "zstack" {
  endpoint         = "\${var.endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}
data "zstack_vm_instances" "vm" {
  name = var.vm
}
data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}
variable "vm" {
  type    = string
  default = "web-2"
}
variable "task_name" {
  type    = string
  default = "protect-web-2"
}
resource "zstack_cdp_policy" "p" {
  name                      = "every-5s"
  recovery_point_per_second = 5
}
resource "zstack_cdp_task" "t" {
  name                = var.task_name
  policy_uuid         = zstack_cdp_policy.p.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.vm.vm_instances[0].uuid]
}
resource "zstack_vm_backup" "b" {
  root_volume_uuid    = data.zstack_vm_instances.vm.vm_instances[0].root_volume_uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  name                = "backup-\${var.vm}"
}
`;

describe("backplan CLI with the zstack provider against a real engine", () => {
  let lab: Lab;
  let dir: string;
  const run = (...args: string[]) => backplan([...args, "-var", `endpoint=${lab.engine.url}`], dir);
  const state = () => JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as { resources: { type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[] };
  const attrs = (type: string, name: string) => state().resources.find((r) => r.type === type && r.name === name)?.instances[0]?.attributes;

  beforeAll(async () => {
    lab = await startLab();
    dir = mkdtempSync(join(tmpdir(), "backplan-cli-providers-"));
    writeFileSync(join(dir, "main.tf"), HEADER);
  });
  afterAll(async () => {
    await lab.engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates, then re-plans to no changes", async () => {
    const applied = await run("apply", "-auto-approve");
    expect(applied.out).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");
    expect(applied.code, applied.out).toBe(0);
    const uuid = attrs("zstack_cdp_task", "t")!["uuid"] as string;
    expect(await lab.client.query(`/zstack/v1/cdp-task?q=uuid=${uuid}`)).toHaveLength(1);
    const plan = await run("plan", "-detailed-exitcode");
    expect(plan.out).toContain("No changes.");
    expect(plan.code, plan.out).toBe(0);
  }, 120_000);

  it("updates in place, and replaces when a forceNew attribute changes", async () => {
    const uuid = attrs("zstack_cdp_task", "t")!["uuid"];
    const update = await run("apply", "-auto-approve", "-var", "task_name=renamed");
    expect(update.out).toContain("# zstack_cdp_task.t will be updated in-place");
    expect(update.out).toContain("Resources: 0 added, 1 changed, 0 destroyed.");
    expect(attrs("zstack_cdp_task", "t")!["uuid"]).toBe(uuid);
    const [task] = await lab.client.query(`/zstack/v1/cdp-task?q=uuid=${String(uuid)}`);
    expect(task.name).toBe("renamed");

    const replace = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(replace.out).toContain("# zstack_cdp_task.t must be replaced");
    expect(replace.out).toMatch(/resource_uuids\s+=.*# forces replacement/);
    expect(replace.out).toContain("# zstack_vm_backup.b must be replaced");
    expect(replace.code, replace.out).toBe(0);
    expect(attrs("zstack_cdp_task", "t")!["uuid"]).not.toBe(uuid);
    expect(await lab.client.query(`/zstack/v1/cdp-task?q=uuid=${String(uuid)}`)).toHaveLength(0);
  }, 180_000);

  it("plans to undo a change made through the engine's API; only -refresh-only lists it as drift", async () => {
    const uuid = attrs("zstack_cdp_task", "t")!["uuid"] as string;
    await lab.client.ok("PUT", `/zstack/v1/cdp-backup-storage/task/${uuid}/actions`, { updateCdpTask: { name: "changed-outside" } });
    const refresh = await run("plan", "-refresh-only", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(refresh.out).toContain("Objects have changed outside of backplan");
    expect(refresh.out).toContain("# zstack_cdp_task.t has changed");
    const plan = await run("plan", "-var", "task_name=renamed", "-var", "vm=app-1", "-detailed-exitcode");
    // Nothing refers to the task's name, so by Terraform's rule the drift is not relevant to this plan.
    expect(plan.out).not.toContain("Objects have changed outside of backplan");
    expect(plan.out).toMatch(/~ name\s+= "changed-outside" -> "renamed"/);
    expect(plan.code, plan.out).toBe(2);
  }, 120_000);

  it("re-creates an object deleted outside backplan", async () => {
    const group = attrs("zstack_vm_backup", "b")!["group_uuid"] as string;
    const del = await lab.client.call("DELETE", `/zstack/v1/vm-backups/${group}`);
    expect(del.status).toBe(200);
    const refresh = await run("plan", "-refresh-only", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(refresh.out).toContain("# zstack_vm_backup.b has been deleted");
    const applied = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=app-1");
    // Nothing refers to the backup, so (by Terraform's rule) the plan shows the re-create, not the deletion note.
    expect(applied.out).not.toContain("# zstack_vm_backup.b has been deleted");
    expect(applied.out).toContain("# zstack_vm_backup.b will be created");
    expect(applied.code, applied.out).toBe(0);
    expect(attrs("zstack_vm_backup", "b")!["group_uuid"]).not.toBe(group);
  }, 120_000);

  it("imports an existing CDP task with an import block", async () => {
    const policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "by-hand", recoveryPointPerSecond: 60 } })).inventory;
    const db = lab.vms.find((v) => v.name === "db-1");
    const created = await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "made-by-hand", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [db.uuid] },
    });
    const id = created.inventory.uuid as string;
    writeFileSync(
      join(dir, "import.tf"),
      `import {
  to = zstack_cdp_task.imported
  id = "${id}"
}
resource "zstack_cdp_task" "imported" {
  name                = "made-by-hand"
  policy_uuid         = "${policy.uuid}"
  backup_storage_uuid = "${lab.bs.uuid}"
  resource_uuids      = ["${db.uuid}"]
}
`,
    );
    const applied = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(applied.out).toContain("zstack_cdp_task.imported");
    expect(applied.out).toMatch(/1 imported|to import/);
    expect(applied.code, applied.out).toBe(0);
    expect(attrs("zstack_cdp_task", "imported")?.["uuid"], applied.out).toBe(id);
    const plan = await run("plan", "-detailed-exitcode", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(plan.code, plan.out).toBe(0);
    rmSync(join(dir, "import.tf"));
    writeFileSync(join(dir, "removed.tf"), `removed {\n  from = zstack_cdp_task.imported\n  lifecycle {\n    destroy = false\n  }\n}\n`);
    const forget = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=app-1");
    expect(forget.code, forget.out).toBe(0);
    expect(attrs("zstack_cdp_task", "imported")).toBeUndefined();
    expect(await lab.client.query(`/zstack/v1/cdp-task?q=uuid=${id}`)).toHaveLength(1);
    rmSync(join(dir, "removed.tf"));
  }, 180_000);

  it("reports an API error with the API's code and the call", async () => {
    writeFileSync(
      join(dir, "bad.tf"),
      `resource "zstack_cdp_task" "bad" {
  name                = "bad"
  policy_uuid         = "${"0".repeat(32)}"
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.vm.vm_instances[0].uuid]
}
`,
    );
    const bad = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=web-1");
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toMatch(/ZStack API error SYS\.\d{4} on POST \/zstack\/v1\/cdp-backup-storage\/task/);
    rmSync(join(dir, "bad.tf"));

  }, 180_000);

  it("plans and applies the deletion of a provider's last object with its provider block still configured", async () => {
    const own = mkdtempSync(join(tmpdir(), "backplan-last-object-"));
    const provider = HEADER.slice(0, HEADER.indexOf("data \"zstack_vm_instances\""));
    const runHere = (...args: string[]) => backplan([...args, "-var", `endpoint=${lab.engine.url}`], own);
    try {
      writeFileSync(join(own, "main.tf"), `${provider}resource "zstack_cdp_policy" "only" {\n  name = "last-one"\n  recovery_point_per_second = 60\n}\n`);
      const created = await runHere("apply", "-auto-approve");
      expect(created.code, created.out).toBe(0);
      const uuid = (JSON.parse(readFileSync(join(own, "terraform.tfstate"), "utf8")) as { resources: { instances: { attributes: { uuid: string } }[] }[] }).resources[0]!.instances[0]!.attributes.uuid;
      // The resource leaves the configuration; the provider block (its credentials) stays.
      writeFileSync(join(own, "main.tf"), provider);
      const plan = await runHere("plan", "-detailed-exitcode");
      expect(plan.out).toContain("# zstack_cdp_policy.only will be destroyed");
      expect(plan.code, plan.out).toBe(2);
      const applied = await runHere("apply", "-auto-approve");
      expect(applied.code, applied.out).toBe(0);
      expect(await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?q=uuid=${uuid}`)).toHaveLength(0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 180_000);

  it("destroys everything it manages", async () => {
    const destroyed = await run("destroy", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=web-1");
    expect(destroyed.out).toContain("Destroy complete!");
    expect(destroyed.code, destroyed.out).toBe(0);
    expect(state().resources.filter((r) => !r.type.startsWith("zstack_") || r.instances.length > 0).map((r) => r.type)).not.toContain("zstack_cdp_task");
  }, 180_000);
});

describe("backplan CLI reports a provider timeout", () => {
  it("names the call that did not finish within the resource's timeouts block", async () => {
    // Its own engine: the throttled backup job keeps running after the timeout, and nothing else should wait on it.
    const lab = await startLab();
    const dir = mkdtempSync(join(tmpdir(), "backplan-cli-timeout-"));
    try {
      writeFileSync(join(dir, "main.tf"), HEADER.replace(/resource "zstack_cdp_policy"[\s\S]*$/, ""));
      const run = (...args: string[]) => backplan([...args, "-var", `endpoint=${lab.engine.url}`], dir);
      // A fresh VM full of incompressible data: its first backup must read every byte at 1 KiB/s.
      const vm = await lab.client.adminVm("slow-vm", [8 * 1024 * 1024]);
      await lab.client.writeVolume(vm.rootVolumeUuid, 0, randomBytes(16 * 1024));
      writeFileSync(
        join(dir, "slow.tf"),
        `data "zstack_vm_instances" "slow" {
    name = "slow-vm"
  }
  resource "zstack_vm_backup" "slow" {
    root_volume_uuid      = data.zstack_vm_instances.slow.vm_instances[0].root_volume_uuid
    backup_storage_uuid   = data.zstack_backup_storages.bs.backup_storages[0].uuid
    name                  = "slow"
    volume_read_bandwidth = 1024
    timeouts {
      create = "1s"
    }
  }
  `,
      );
      const slow = await run("apply", "-auto-approve", "-var", "task_name=renamed", "-var", "vm=web-1");
      expect(slow.code, slow.out).toBe(1);
      expect(slow.out).toMatch(/timed out|still running/);
      expect(slow.out).toContain("/zstack/v1/volumes/");
    } finally {
      await lab.engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
