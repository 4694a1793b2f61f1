import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/protection/compliance.js";
import type { PlanProtection } from "../../src/protection/plan-report.js";
import { backplan, readState, stateInstances, workdir, writeMain } from "./plan-harness.js";
import { startLab, waitFor, type Lab } from "./engine-zstack-client.js";

/**
 * What plans do to protection, against a real engine: the data a deleted CDP task takes with it (checked against
 * the engine's own recovery point listing), RPO before/after per VM, a control that fails the plan, and drift's
 * compliance table with an unmanaged, under-protected VM.
 */

function config(endpoint: string, o: { webLatency: number; webEnabled: boolean; web: boolean }): string {
  const web = o.web
    ? `
resource "zstack_cdp_task" "web" {
  name                = "web-cdp"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = ${o.webLatency}
  enabled             = ${o.webEnabled}
}
`
    : "";
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

data "zstack_vm_instances" "db" {
  name = "db-1"
}

data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 1
  retention_time_per_day    = 7
}

resource "zstack_cdp_task" "db" {
  name                = "db-cdp"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.db.vm_instances[0].uuid]
  max_latency         = 60000
}
${web}`;
}

const CONTROLS = JSON.stringify(
  {
    controls: [
      { name: "web-rpo", description: "web servers lose at most a minute", select: { names: ["web-*"] }, max_rpo: "1m", min_retention: "7d" },
      { name: "everything-protected", select: {}, protected: true },
    ],
  },
  null,
  2,
);

describe("protection in plans and drift", () => {
  let lab: Lab;
  let dir: string;
  let web: { uuid: string; rootVolumeUuid: string };
  let app: { uuid: string };
  const run = (args: string[]) => backplan(args, dir);

  beforeAll(async () => {
    lab = await startLab();
    const vms = await lab.client.query("/zstack/v1/vm-instances");
    const w = vms.find((v) => v.name === "web-1");
    web = { uuid: w.uuid, rootVolumeUuid: w.rootVolumeUuid };
    app = { uuid: vms.find((v) => v.name === "app-1").uuid };
    dir = workdir(config(lab.engine.url, { webLatency: 5000, webEnabled: true, web: true }));
    const applied = await run(["apply", "-auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Writes give the recovery points bytes to hold.
    await lab.client.writeVolume(web.rootVolumeUuid, 0, randomBytes(256 * 1024));
    await waitFor(async () => {
      const r = await lab.client.get(`/zstack/v1/vm-instances/${web.uuid}/recovery-points`);
      return Object.keys(r.json.recoveryPoints).length >= 3 ? true : undefined;
    }, "three recovery points of web-1", 60_000);
  }, 240_000);

  afterAll(async () => {
    await lab?.engine.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a plan that raises RPO shows before/after per VM in text and summary JSON", async () => {
    writeMain(dir, config(lab.engine.url, { webLatency: 3_600_000, webEnabled: true, web: true }));
    const plan = await run(["plan", "-out=raise.plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("Protection:\n  VMs whose protection changes (- weaker, ~ otherwise):\n");
    expect(plan.stdout).toContain(`    - web-1 (${web.uuid}): RPO 5s → 1h`);
    const summary = await run(["show", "-summary-json", "raise.plan"]);
    const p = JSON.parse(summary.stdout).protection;
    expect(p.vms).toEqual([
      {
        vm: web.uuid,
        name: "web-1",
        before: { protected: true, rpo_seconds: 5, retention_days: 7, storages: [lab.bs.uuid], by: ["zstack_cdp_task.web"] },
        after: { protected: true, rpo_seconds: 3600, retention_days: 7, storages: [lab.bs.uuid], by: ["zstack_cdp_task.web"] },
        changed: ["rpo"],
        weaker: true,
      },
    ]);
    expect(p.lost).toEqual({ recovery_points: 0, backups: 0, checkpoints: 0, bytes: 0, oldest: null, newest: null });
  }, 120_000);

  it("a control the plan would break fails it, naming control, VM and value; -allow-protection-loss turns it into a warning", async () => {
    writeFileSync(join(dir, "backplan.protection.json"), CONTROLS);
    const failed = await run(["plan", "-out=broken.plan"]);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stderr).toContain("Error: the plan breaks protection controls");
    expect(failed.stderr).toContain(`control "web-rpo" (backplan.protection.json:3): VM web-1 (${web.uuid}): max_rpo wants ≤ 1m, the plan leaves 1h`);
    expect(failed.stdout).toContain("Error: the plan breaks 1 protection control:");
    expect(() => readFileSync(join(dir, "broken.plan"))).toThrow();
    // apply makes the same plan and is refused before anything is changed.
    const applyRefused = await run(["apply", "-auto-approve"]);
    expect(applyRefused.code, applyRefused.stdout + applyRefused.stderr).toBe(1);
    expect(applyRefused.stdout).toContain(`    - web-1 (${web.uuid}): RPO 5s → 1h`);
    expect(applyRefused.stderr).toContain(`control "web-rpo" (backplan.protection.json:3): VM web-1 (${web.uuid}): max_rpo wants ≤ 1m, the plan leaves 1h`);
    expect(applyRefused.stdout).not.toContain("Apply complete");

    const allowed = await run(["plan", "-allow-protection-loss", "-out=allowed.plan", "-markdown=pr.md"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain("Warning: the plan breaks 1 protection control; allowed by -allow-protection-loss:");
    const md = readFileSync(join(dir, "pr.md"), "utf8");
    expect(md).toContain("> - Protection control broken, allowed by `-allow-protection-loss`: `web-rpo` (backplan.protection.json:3): **web-1** max_rpo wants ≤ 1m, would have 1h");
    expect(md).toContain("| **web-1** (weaker) | protected by 1 → protected by 1 | 5s → 1h | 7d → 7d | RPO 5s → 1h |");
    const json = JSON.parse((await run(["show", "-json", "allowed.plan"])).stdout) as { backplan_protection: PlanProtection; format_version: string };
    expect(json.format_version).toBeDefined();
    expect(json.backplan_protection.controls).toMatchObject({ count: 2, allowed: true, violations: [{ control: "web-rpo", vm: web.uuid, name: "web-1" }] });
    rmSync(join(dir, "backplan.protection.json"));
  }, 120_000);

  it("a plan that deletes a CDP task shows the recovery points and bytes that go with it, as the engine lists them", async () => {
    // Disabled first, so that no point is cut between the engine's listing and the plan's.
    writeMain(dir, config(lab.engine.url, { webLatency: 5000, webEnabled: false, web: true }));
    const disabled = await run(["apply", "-auto-approve"]);
    expect(disabled.code, disabled.stdout + disabled.stderr).toBe(0);
    const taskUuid = stateInstances(readState(dir)).get("zstack_cdp_task.web")!["uuid"] as string;
    // The SDK's shape: per groupId, one entry per volume; a point's bytes are its volumes' sizes.
    const groups = Object.values((await lab.client.get(`/zstack/v1/vm-instances/${web.uuid}/recovery-points`)).json.recoveryPoints as Record<string, { cdpTaskUuid: string; size: number; ts: string }[]>);
    const listed = groups
      .map((g) => ({ cdpTaskUuid: g[0]!.cdpTaskUuid, size: g.reduce((s, e) => s + e.size, 0), timestamp: Math.min(...g.map((e) => Date.parse(e.ts))) }))
      .filter((p) => p.cdpTaskUuid === taskUuid);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    const bytes = listed.reduce((s, p) => s + p.size, 0);
    expect(bytes).toBeGreaterThan(0);

    writeMain(dir, config(lab.engine.url, { webLatency: 5000, webEnabled: false, web: false }));
    const plan = await run(["plan", "-out=delete.plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`Data removed by this plan: ${listed.length.toLocaleString("en-US")} recovery points (`);
    expect(plan.stdout).toContain(`${bytes.toLocaleString("en-US")} bytes)`);
    expect(plan.stdout).toContain(`    - zstack_cdp_task.web (delete): ${listed.length.toLocaleString("en-US")} recovery points of web-1`);

    const json = JSON.parse((await run(["show", "-json", "delete.plan"])).stdout) as { backplan_protection: PlanProtection };
    const times = listed.map((p) => new Date(p.timestamp).toISOString()).sort();
    expect(json.backplan_protection.data_at_risk).toEqual([
      { address: "zstack_cdp_task.web", type: "zstack_cdp_task", action: "delete", items: [{ vm: web.uuid, vm_name: "web-1", kind: "recovery-point", count: listed.length, bytes, oldest: times[0], newest: times[times.length - 1] }] },
    ]);
    expect(json.backplan_protection.lost).toMatchObject({ recovery_points: listed.length, bytes });
    const md = (await run(["show", "-markdown", "delete.plan"])).stdout;
    expect(md).toContain(`> **This plan destroys 1 object.** It deletes ${listed.length} recovery points (`);
    expect(md).toContain(`> - \`zstack_cdp_task.web\` (delete) removes ${listed.length} recovery points of web-1`);
  }, 180_000);

  it("drift reports an unmanaged, under-protected VM in its compliance table and exits 3", async () => {
    const [policy] = await lab.client.query("/zstack/v1/cdp-backup-storage/policy?q=name=gold");
    const rogue = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "rogue", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [app.uuid], maxLatency: 3_600_000 },
    })).inventory;
    writeFileSync(join(dir, "backplan.protection.json"), JSON.stringify({ controls: [{ name: "rpo-15m", select: { names: ["app-*", "db-*"] }, max_rpo: "15m" }] }));
    const text = await run(["drift", "."]);
    expect(text.code, text.stdout + text.stderr).toBe(3);
    expect(text.stdout).toMatch(new RegExp(`app-1 \\(${app.uuid}\\)\\s+yes\\s+unmanaged\\s+1h\\s+7d`));
    expect(text.stdout).toContain("Protection controls: 1 of 1 failing (1 VM check)");
    expect(text.stdout).toContain(`      app-1 (${app.uuid}) [unmanaged] max_rpo: wants ≤ 15m, has 1h`);

    const json = JSON.parse((await run(["drift", ".", "-json"])).stdout) as { protection: ComplianceReport };
    expect(json.protection.controls).toEqual([
      {
        control: "rpo-15m",
        where: "backplan.protection.json:1",
        passed: 1,
        failed: 1,
        results: [
          { vm: app.uuid, name: "app-1", management: "unmanaged", pass: false, failures: [{ check: "max_rpo", want: "≤ 15m", got: "1h" }] },
          { vm: expect.any(String), name: "db-1", management: "managed", pass: true, failures: [] },
        ],
      },
    ]);
    const appVm = json.protection.vms.find((v) => v.vm === app.uuid)!;
    expect(appVm.by).toEqual([{ type: "zstack_cdp_task", id: rogue.uuid, address: null, method: "continuous", enabled: true }]);
    const md = (await run(["drift", ".", "-markdown"])).stdout;
    expect(md).toContain(`| \`rpo-15m\` | app-1 (${app.uuid}) | unmanaged | **FAIL** | max\\_rpo: wants ≤ 15m, has 1h |`);
  }, 180_000);
});
