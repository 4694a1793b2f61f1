import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rmSync } from "node:fs";
import { startLab, type Lab } from "./engine-zstack-client.js";
import { backplan, readState, stateInstances, workdir } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

/**
 * A create the provider rejects (a CDP task naming a policy that does not exist on the real engine) fails with
 * the provider's error; what depends on it is not attempted; independent parts still finish; exit code 1.
 */
describe("apply with a failing instance", () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.engine.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the provider's error, skips dependents, finishes the rest and records it", async () => {
    dir = workdir(`
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
resource "zstack_cdp_policy" "ok" {
  name                      = "works"
  recovery_point_per_second = 60
}
resource "zstack_cdp_task" "bad" {
  name                = "fails"
  policy_uuid         = "0123456789abcdef0123456789abcdef"
  backup_storage_uuid = "${lab.bs.uuid}"
  resource_uuids      = ["${lab.vms[0].uuid}"]
}
resource "terraform_data" "after_bad" {
  input = zstack_cdp_task.bad.uuid
}
resource "terraform_data" "free" {
  count = 3
  input = count.index
}
`);
    const r = await backplan(["apply", "-auto-approve", "-no-color", "-var", `endpoint=${lab.engine.url}`], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("zstack_cdp_task.bad");
    expect(r.stderr).toMatch(/0123456789abcdef0123456789abcdef|not found|not exist/i);
    expect(r.stdout).not.toContain("terraform_data.after_bad: Creating...");
    const inst = stateInstances(readState(dir));
    expect([...inst.keys()].sort()).toEqual(["terraform_data.free[0]", "terraform_data.free[1]", "terraform_data.free[2]", "zstack_cdp_policy.ok"]);
    const plan = await backplan(["plan", "-no-color", "-detailed-exitcode", "-var", `endpoint=${lab.engine.url}`], dir);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  });
});
