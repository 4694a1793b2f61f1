import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backplan, changeOf, planJsonOf, readState, stateInstances, workdir, writeMain } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

// One working directory walked through a lifecycle: each step edits main.tf and checks what the plan says and
// what apply leaves in the state file, through the real CLI.

const BASE = `
variable "label" {
  type    = string
  default = "one"
}

resource "terraform_data" "a" {
  input = var.label
}

resource "terraform_data" "b" {
  input            = "b-\${terraform_data.a.output}"
  triggers_replace = "t1"
}

resource "terraform_data" "n" {
  count = 3
  input = "n\${count.index}"
}

resource "terraform_data" "k" {
  for_each = toset(["x", "y"])
  input    = each.key
}
`;

describe("plan and apply through a lifecycle of terraform_data", () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir(BASE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("plans creates with unknowns and -detailed-exitcode 2, applies them in dependency order", async () => {
    const plan = await backplan(["plan", "-detailed-exitcode", "-no-color"], dir);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("# terraform_data.a will be created");
    expect(plan.stdout).toContain('# terraform_data.k["x"] will be created');
    expect(plan.stdout).toContain("# terraform_data.n[2] will be created");
    expect(plan.stdout).toMatch(/input\s+= \(known after apply\)/); // b's input depends on a's output
    expect(plan.stdout).toContain("Plan: 7 to add, 0 to change, 0 to destroy.");
    expect(plan.stdout).not.toMatch(/\u001b\[/);

    const apply = await backplan(["apply", "-auto-approve"], dir);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 7 added, 0 changed, 0 destroyed.");
    // b is created only after a completed (it needs a's output).
    expect(apply.stdout.indexOf("terraform_data.a: Creation complete")).toBeLessThan(apply.stdout.indexOf("terraform_data.b: Creating..."));
    const inst = stateInstances(readState(dir));
    expect(inst.size).toBe(7);
    expect(inst.get("terraform_data.b")!.output).toEqual({ value: "b-one", type: "string" });

    const again = await backplan(["plan", "-detailed-exitcode"], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes.");
  });

  it("plans an in-place update when input changes, and -var overrides the default", async () => {
    const r = await backplan(["plan", "-json", "-var", "label=two"], dir);
    expect(r.code).toBe(0);
    const p = planJsonOf(r.stdout);
    expect(changeOf(p, "terraform_data.a").change.actions).toEqual(["update"]);
    // b's input now depends on a's output, unknown until a is updated.
    expect(changeOf(p, "terraform_data.b").change.actions).toEqual(["update"]);
    expect(changeOf(p, "terraform_data.b").change.after_unknown).toMatchObject({ input: true, output: true });
    expect(changeOf(p, "terraform_data.n[0]").change.actions).toEqual(["no-op"]);
  });

  it("reads -var-file values", async () => {
    writeFileSync(join(dir, "x.tfvars"), 'label = "three"\n');
    const r = await backplan(["plan", "-json", "-var-file=x.tfvars"], dir);
    expect(r.code).toBe(0);
    expect((changeOf(planJsonOf(r.stdout), "terraform_data.a").change.after as { input: string }).input).toBe("three");
  });

  it("replaces on a triggers_replace change (replace_because_cannot_update, replace_paths)", async () => {
    writeMain(dir, BASE.replace('"t1"', '"t2"'));
    const r = await backplan(["plan", "-json"], dir);
    const c = changeOf(planJsonOf(r.stdout), "terraform_data.b");
    expect(c.change.actions).toEqual(["delete", "create"]);
    expect(c.action_reason).toBe("replace_because_cannot_update");
    expect(c.change.replace_paths).toEqual([["triggers_replace"]]);
    const text = await backplan(["plan", "-no-color"], dir);
    expect(text.stdout).toContain("# terraform_data.b must be replaced");
    expect(text.stdout).toContain("# forces replacement");
  });

  it("orders create-before-destroy replacements as create then delete", async () => {
    writeMain(dir, BASE.replace('"t1"', '"t2"').replace('triggers_replace = "t2"', 'triggers_replace = "t2"\n  lifecycle {\n    create_before_destroy = true\n  }'));
    const r = await backplan(["plan", "-json"], dir);
    expect(changeOf(planJsonOf(r.stdout), "terraform_data.b").change.actions).toEqual(["create", "delete"]);
    const before = stateInstances(readState(dir)).get("terraform_data.b")!.id;
    const apply = await backplan(["apply", "-auto-approve", "-no-color"], dir);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Resources: 1 added, 0 changed, 1 destroyed.");
    expect(apply.stdout.indexOf("terraform_data.b: Creation complete")).toBeLessThan(apply.stdout.indexOf("terraform_data.b (deposed object"));
    const after = readState(dir).resources.find((x) => x.name === "b")!;
    expect(after.instances).toHaveLength(1);
    expect(after.instances[0]!.attributes.id).not.toBe(before);
  });

  it("-replace=ADDR replaces by request", async () => {
    writeMain(dir, BASE.replace('"t1"', '"t2"'));
    const r = await backplan(["plan", "-json", "-replace=terraform_data.n[1]"], dir);
    const p = planJsonOf(r.stdout);
    expect(changeOf(p, "terraform_data.n[1]").action_reason).toBe("replace_by_request");
    expect(changeOf(p, "terraform_data.n[1]").change.actions).toEqual(["delete", "create"]);
    expect(changeOf(p, "terraform_data.n[0]").change.actions).toEqual(["no-op"]);
  });

  it("plans deletes with Terraform's reasons: count index, each key, no resource config", async () => {
    writeMain(dir, BASE.replace('"t1"', '"t2"').replace("count = 3", "count = 2").replace('["x", "y"]', '["x"]').replace(/resource "terraform_data" "a" \{[^}]*\}/, 'resource "terraform_data" "a2" {\n  input = "z"\n}').replace("terraform_data.a.output", "terraform_data.a2.output"));
    const r = await backplan(["plan", "-json"], dir);
    expect(r.stderr).toBe("");
    const p = planJsonOf(r.stdout);
    expect(changeOf(p, "terraform_data.n[2]").action_reason).toBe("delete_because_count_index");
    expect(changeOf(p, 'terraform_data.k["y"]').action_reason).toBe("delete_because_each_key");
    expect(changeOf(p, "terraform_data.a").action_reason).toBe("delete_because_no_resource_config");
    expect(changeOf(p, "terraform_data.a").change.actions).toEqual(["delete"]);
    const apply = await backplan(["apply", "-auto-approve"], dir);
    expect(apply.code).toBe(0);
    const inst = stateInstances(readState(dir));
    expect([...inst.keys()].sort()).toEqual(["terraform_data.a2", "terraform_data.b", 'terraform_data.k["x"]', "terraform_data.n[0]", "terraform_data.n[1]"]);
  });

  it("-destroy plans every instance for deletion and destroy empties the state", async () => {
    const plan = await backplan(["plan", "-destroy", "-detailed-exitcode", "-no-color"], dir);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("Plan: 0 to add, 0 to change, 5 to destroy.");
    const d = await backplan(["destroy", "-auto-approve", "-no-color"], dir);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain("Destroy complete! Resources: 5 destroyed.");
    expect(readState(dir).resources).toEqual([]);
  });
});
