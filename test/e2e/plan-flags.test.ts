import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rmSync } from "node:fs";
import { backplan, changeOf, planJsonOf, readState, stateInstances, workdir, writeMain } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const CONFIG = `
resource "terraform_data" "base" {
  input = "base"
}

resource "terraform_data" "app" {
  input = terraform_data.base.output
}

resource "terraform_data" "other" {
  input = "other"
}

resource "terraform_data" "secret" {
  input = sensitive("hunter2")
}

resource "terraform_data" "ignored" {
  input = "v1"
  lifecycle {
    ignore_changes = [input]
  }
}

output "app" {
  value = terraform_data.app.output
}
`;

describe("plan flags, targeting and lifecycle rules", () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir(CONFIG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("-target keeps the target and what it depends on; -exclude leaves a resource out", async () => {
    const t = await backplan(["apply", "-auto-approve", "-no-color", "-target=terraform_data.app"], dir);
    expect(t.code).toBe(0);
    expect([...stateInstances(readState(dir)).keys()].sort()).toEqual(["terraform_data.app", "terraform_data.base"]);
    const e = await backplan(["plan", "-json", "-exclude=terraform_data.other"], dir);
    expect(e.code).toBe(0);
    const p = planJsonOf(e.stdout);
    expect(p.resource_changes!.map((c) => c.address)).not.toContain("terraform_data.other");
    expect(changeOf(p, "terraform_data.secret").change.actions).toEqual(["create"]);
    expect(p.complete).toBe(false);
  });

  it("masks sensitive values in the plan and marks them in plan JSON", async () => {
    const r = await backplan(["apply", "-auto-approve", "-no-color"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(sensitive value)");
    expect(r.stdout).not.toContain("hunter2");
    writeMain(dir, CONFIG.replace("hunter2", "hunter3"));
    const p = await backplan(["plan", "-no-color"], dir);
    expect(p.stdout).toMatch(/~ input\s+= \(sensitive value\)/);
    expect(p.stdout).not.toContain("hunter3");
    // As in Terraform 1.11, terraform_data's output does not inherit the mark: the old output shows as stored.
    expect(p.stdout).toMatch(/~ output\s+= "hunter2" -> \(known after apply\)/);
    const j = planJsonOf((await backplan(["plan", "-json"], dir)).stdout);
    expect(changeOf(j, "terraform_data.secret").change.after_sensitive).toMatchObject({ input: true });
    // `plan -json` (terminals, CI logs) never carries a sensitive value in clear; `show -json PLANFILE` does, as Terraform's.
    expect(JSON.stringify(j)).not.toContain("hunter3");
    writeMain(dir, CONFIG);
  });

  it("ignore_changes makes a changed argument a no-op", async () => {
    writeMain(dir, CONFIG.replace('"v1"', '"v2"'));
    const r = await backplan(["plan", "-detailed-exitcode", "-no-color"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
    writeMain(dir, CONFIG);
  });

  it("-refresh=false plans from state without reading; -refresh-only applies no changes to resources", async () => {
    const a = await backplan(["plan", "-refresh=false", "-detailed-exitcode"], dir);
    expect(a.code).toBe(0);
    const before = readState(dir).serial;
    const r = await backplan(["apply", "-refresh-only", "-auto-approve", "-no-color"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(readState(dir).serial).toBe(before);
  });

  it("prevent_destroy turns a planned destroy into an error naming the resource", async () => {
    writeMain(dir, CONFIG.replace('input = "other"', 'input = "other"\n  triggers_replace = "x"\n  lifecycle {\n    prevent_destroy = true\n  }'));
    const r = await backplan(["plan", "-no-color"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Instance cannot be destroyed");
    expect(r.stderr).toContain("terraform_data.other");
    writeMain(dir, CONFIG);
  });

  it("reports a dependency cycle with the full path of addresses", async () => {
    writeMain(dir, `${CONFIG}
resource "terraform_data" "c1" {
  input = terraform_data.c2.output
}
resource "terraform_data" "c2" {
  input = terraform_data.c3.output
}
resource "terraform_data" "c3" {
  input = terraform_data.c1.output
}
`);
    const r = await backplan(["plan", "-no-color"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/[Cc]ycle/);
    for (const a of ["terraform_data.c1", "terraform_data.c2", "terraform_data.c3"]) expect(r.stderr).toContain(a);
    writeMain(dir, CONFIG);
  });

  it("depends_on orders an apply even without references", async () => {
    writeMain(dir, `${CONFIG}
resource "terraform_data" "late" {
  input      = "late"
  depends_on = [terraform_data.early]
}
resource "terraform_data" "early" {
  input = "early"
}
`);
    const r = await backplan(["apply", "-auto-approve", "-no-color", "-parallelism=1"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf("terraform_data.early: Creation complete")).toBeGreaterThan(0);
    expect(r.stdout.indexOf("terraform_data.early: Creation complete")).toBeLessThan(r.stdout.indexOf("terraform_data.late: Creating..."));
    const late = readState(dir).resources.find((x) => x.name === "late")!;
    expect((late.instances[0] as { dependencies?: string[] }).dependencies).toEqual(["terraform_data.early"]);
  });

  it("rejects a bad -parallelism with a usage error", async () => {
    const r = await backplan(["plan", "-parallelism=0"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("-parallelism");
  });
});
