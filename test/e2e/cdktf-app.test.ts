import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App as CdktfApp, TerraformStack as CdktfStack, LocalBackend as CdktfLocalBackend } from "cdktf";
import { App as CdktnApp, TerraformStack as CdktnStack, LocalBackend as CdktnLocalBackend } from "cdktn";
import { CdpPolicy as CdktfCdpPolicy, CdpTask as CdktfCdpTask, DataVmInstances as CdktfVms, ZstackProvider as CdktfZstack } from "backplan/cdktf/zstack";
import { CdpPolicy as CdktnCdpPolicy, CdpTask as CdktnCdpTask, DataVmInstances as CdktnVms, ZstackProvider as CdktnZstack } from "backplan/cdktn/zstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupStack } from "../../examples/cdktf-app/stack.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, planActions, TerraformDir, terraformBinary } from "./bridge-support.js";

type Json = Record<string, unknown>;

/** cdk.tf.json without cdktf's own metadata (library version, construct paths). */
function withoutMetadata(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutMetadata);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v as Json).filter(([k]) => k !== "//").map(([k, x]) => [k, withoutMetadata(x)]));
}

function synthesized(outdir: string, stack: string): Json {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
  return JSON.parse(readFileSync(join(outdir, manifest.stacks[stack]!.synthesizedStackPath), "utf8")) as Json;
}

describe("cdktf app with backplan's construct classes", () => {
  let engine: TestEngine;
  let work: string;

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-cdktf-"));
  });

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the example synthesizes without cdktf-cli or terraform, with snake_case attributes and references", () => {
    const outdir = join(work, "example-out");
    const app = new CdktfApp({ outdir });
    new BackupStack(app, "backup", { endpoint: engine.url, protectedVms: ["web-1", "db-1"] });
    app.synth();
    const stack = synthesized(outdir, "backup");
    const terraform = stack["terraform"] as Json;
    expect(terraform["backend"]).toEqual({ local: { path: "terraform.tfstate" } });
    expect((terraform["required_providers"] as Json)["zstack"]).toMatchObject({ source: "backplan/zstack" });
    const task = ((stack["resource"] as Json)["zstack_cdp_task"] as Json)["protect"] as Json;
    expect(task).toMatchObject({
      name: "protect-db-1-web-1",
      policy_uuid: "${zstack_cdp_policy.gold.uuid}",
      backup_storage_uuid: "${data.zstack_backup_storages.imagestore.backup_storages[0].uuid}",
      resource_uuids: ["${data.zstack_vm_instances.vm-web-1.vm_instances[0].uuid}", "${data.zstack_vm_instances.vm-db-1.vm_instances[0].uuid}"],
      max_latency: 600000,
    });
    const policy = ((stack["resource"] as Json)["csbs_backup_policy"] as Json)["daily"] as Json;
    expect(policy["scheduled_operation"]).toEqual([expect.objectContaining({ operation_type: "backup", max_backups: 7, enabled: true })]);
    expect((stack["provider"] as Json)["zstack"]).toEqual([{ endpoint: `${engine.url}/zstack`, account_name: "admin", account_password: "password" }]);
  });

  it("cdktf 0.21 and cdktn 0.24 synthesize the same configuration from the generated classes", () => {
    const build = (lib: "cdktf" | "cdktn") => {
      const outdir = join(work, `same-${lib}`);
      if (lib === "cdktf") {
        const app = new CdktfApp({ outdir });
        const s = new CdktfStack(app, "s");
        new CdktfLocalBackend(s, { path: "terraform.tfstate" });
        new CdktfZstack(s, "zstack", { endpoint: "http://127.0.0.1:1/zstack", alias: "lab" });
        const vm = new CdktfVms(s, "vm", { name: "web-1" });
        const p = new CdktfCdpPolicy(s, "p", { name: "p", recoveryPointPerSecond: 5, retentionTimePerDay: 1, lifecycle: { preventDestroy: true } });
        new CdktfCdpTask(s, "t", { name: "t", policyUuid: p.uuid, backupStorageUuid: "bs", resourceUuids: [vm.vmInstances.get(0).uuid], enabled: false, timeouts: { create: "5m" } });
        app.synth();
      } else {
        const app = new CdktnApp({ outdir });
        const s = new CdktnStack(app, "s");
        new CdktnLocalBackend(s, { path: "terraform.tfstate" });
        new CdktnZstack(s, "zstack", { endpoint: "http://127.0.0.1:1/zstack", alias: "lab" });
        const vm = new CdktnVms(s, "vm", { name: "web-1" });
        const p = new CdktnCdpPolicy(s, "p", { name: "p", recoveryPointPerSecond: 5, retentionTimePerDay: 1, lifecycle: { preventDestroy: true } });
        new CdktnCdpTask(s, "t", { name: "t", policyUuid: p.uuid, backupStorageUuid: "bs", resourceUuids: [vm.vmInstances.get(0).uuid], enabled: false, timeouts: { create: "5m" } });
        app.synth();
      }
      return withoutMetadata(synthesized(outdir, "s")) as Json;
    };
    const a = build("cdktf");
    expect(a).toEqual(build("cdktn"));
    const task = ((a["resource"] as Json)["zstack_cdp_task"] as Json)["t"] as Json;
    expect(task).toMatchObject({ enabled: false, timeouts: { create: "5m" }, resource_uuids: ["${data.zstack_vm_instances.vm.vm_instances[0].uuid}"] });
    expect((a["provider"] as Json)["zstack"]).toEqual([{ endpoint: "http://127.0.0.1:1/zstack", alias: "lab" }]);
  });

  it("the example's stack plans to the same actions with Terraform (through the bridge) and with backplan", async () => {
    const tfBin = terraformBinary();
    const outdir = join(work, "plan-out");
    const app = new CdktfApp({ outdir });
    new BackupStack(app, "backup", { endpoint: engine.url, protectedVms: ["web-1", "db-1"] });
    app.synth();
    await installProviders(join(work, "install"));
    const tf = new TerraformDir(join(outdir, "stacks", "backup"), join(work, "install"), tfBin);
    await tf.tfOk(0, "init", "-no-color");
    await tf.tfOk(0, "plan", "-no-color", "-out", "tf.plan");
    const tfActions = planActions(await tf.tfOk(0, "show", "-json", "tf.plan"));
    expect(tfActions).toEqual({
      "zstack_cdp_policy.gold": "create",
      "zstack_cdp_task.protect": "create",
      "zstack_vm_backup.app-backup": "create",
      "csbs_backup_policy.daily": "create",
      "csbs_backup_policy_checkpoint.now": "create",
    });
    await tf.backplanOk(0, "plan", "-no-color", "--cdktf", outdir, "--stack", "backup", "-out", "bp.plan");
    expect(planActions(await tf.backplanOk(0, "show", "-json", "bp.plan"))).toEqual(tfActions);

    // Applied by backplan natively, the stack is a no-op for Terraform.
    await tf.backplanOk(0, "apply", "-no-color", "-auto-approve", "--cdktf", outdir, "--stack", "backup");
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");
  }, 600_000);
});
