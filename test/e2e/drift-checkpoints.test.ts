import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsServices } from "../../src/engine/domain/csbs/services.js";
import type { DriftReport } from "../../src/plan/drift.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, until } from "./engine-csbs-lab.js";

/**
 * Coverage of checkpoints a backup policy's schedule takes on its own: they belong to the policy (its retention
 * rules delete them), so they count as managed when the policy is managed, never as unmanaged objects.
 */

const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");
/** The engine's clock: moved by hand, the scheduler ticked in process. */
const clock = { t: Date.UTC(2026, 10, 25, 1, 0, 0), now() { return this.t; } };

const CONFIG = (url: string) => `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
  }
}

provider "zstack" {
  endpoint         = "${url}/zstack"
  account_name     = "admin"
  account_password = "password"
}

provider "csbs" {
  auth_url         = "${url}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}

data "zstack_vm_instances" "web" {
  name = "web-1"
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
    max_backups     = 3
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}
`;

function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", BACKPLAN_WEBHOOK_URL: "" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe("backplan drift: checkpoints a managed policy's schedule took", () => {
  let engine: TestEngine;
  const root = mkdtempSync(join(tmpdir(), "backplan-drift-cp-"));

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true, clock });
    mkdirSync(join(root, "infra"));
    writeFileSync(join(root, "infra/main.tf"), CONFIG(engine.url));
    const applied = await run(["apply", "-auto-approve", "infra"], root);
    expect(applied.code, applied.out + applied.err).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await engine?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it("counts them as managed through their policy (managed_by_owner), not as unmanaged", async () => {
    const state = JSON.parse(readFileSync(join(root, "infra/terraform.tfstate"), "utf8")) as { resources: { type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const policyId = state.resources.find((r) => r.type === "csbs_backup_policy")!.instances[0]!.attributes["id"] as string;
    const { token, projectId } = await login(engine.url, "demo", "password", "demo");
    const started = await call(engine.url, "PUT", `/v1/${projectId}/policies/${policyId}`, { token, body: { policy: { status: "started" } } });
    expect(started.body.policy?.status, JSON.stringify(started.body)).toBe("started");

    clock.t = Date.UTC(2026, 10, 25, 2, 30, 0);
    const [fired] = await csbsServices(engine.context).scheduler.tick();
    expect(fired).toBeDefined();
    const fresh = await login(engine.url, "demo", "password", "demo");
    await until(async () => {
      const r = await call(engine.url, "GET", `/v1/${projectId}/providers/${CSBS_PROVIDER}/checkpoints/${fired}`, { token: fresh.token });
      return r.body.checkpoint?.status === "available" ? true : undefined;
    }, "scheduled checkpoint available");

    const r = await run(["drift", "infra", "-json"], root);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DriftReport;
    expect(report.unmanaged).toEqual([]);
    expect(report.coverage).toMatchObject({ percent: 100, managed: 2, managed_by_owner: 1, unmanaged: 0 });
    expect(report.coverage.types["csbs_backup_policy_checkpoint"]).toEqual({ managed: 1, unmanaged: 0 });
  }, 60_000);
});
