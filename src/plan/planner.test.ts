import { describe, expect, it } from "vitest";
import { planOf } from "./testing/plan-of.js";

describe("makePlan", () => {
  it("plans creates for count and for_each instances with unknown computed attributes", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
variable "names" {
  type    = set(string)
  default = ["a", "b"]
}
resource "terraform_data" "one" {
  input = "x"
}
resource "terraform_data" "many" {
  count = 2
  input = "n-\${count.index}-\${terraform_data.one.output}"
}
resource "terraform_data" "each" {
  for_each = var.names
  input    = each.key
}
output "ids" {
  value = terraform_data.many[*].id
}
`,
    });
    expect(diagnostics).toEqual([]);
    expect(plan.changes.map((c) => [c.address, c.action])).toEqual(
      expect.arrayContaining([
        ["terraform_data.one", "create"],
        ["terraform_data.many[0]", "create"],
        ["terraform_data.many[1]", "create"],
        ['terraform_data.each["a"]', "create"],
        ['terraform_data.each["b"]', "create"],
      ]),
    );
    const many0 = plan.changes.find((c) => c.address === "terraform_data.many[0]")!;
    expect(many0.after!.unknown).toMatchObject({ id: true, output: true, input: true });
    const one = plan.changes.find((c) => c.address === "terraform_data.one")!;
    expect(one.after!.value).toMatchObject({ input: "x" });
    expect(plan.outputs).toEqual([expect.objectContaining({ name: "ids", action: "create" })]);
  });

  it("a null from a variable, a local or a module output stays a known null, not unknown", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
variable "v" {
  default = null
}
locals {
  n = null
}
module "m" {
  source = "./mod"
}
resource "terraform_data" "a" {
  input = { k = local.n, j = var.v, o = module.m.nothing }
}
resource "terraform_data" "b" {
  input = local.n
}
`,
      "mod/main.tf": `output "nothing" {
  value = null
}
`,
    });
    expect(diagnostics).toEqual([]);
    const a = plan.changes.find((c) => c.address === "terraform_data.a")!;
    expect(a.after?.value).toMatchObject({ input: { k: null, j: null, o: null } });
    expect(a.after?.unknown).toMatchObject({ input: {} });
    const b = plan.changes.find((c) => c.address === "terraform_data.b")!;
    expect((b.after?.value as Record<string, unknown>)["input"]).toBeNull();
    expect((b.after?.unknown as Record<string, unknown>)["input"]).toBeUndefined();
    // terraform_data's output follows a null input as a known null on create, as Terraform plans it.
    expect((b.after?.value as Record<string, unknown>)["output"]).toBeNull();
    expect((a.after?.unknown as Record<string, unknown>)["output"]).toBe(true);
  });

  it("a false precondition is an error with its message; a false check assert is only a warning", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
variable "retention" {
  type    = number
  default = 3
}
resource "terraform_data" "policy" {
  input = var.retention
  lifecycle {
    precondition {
      condition     = var.retention >= 7
      error_message = "retention must be at least a week"
    }
  }
}
check "sane" {
  assert {
    condition     = var.retention > 5
    error_message = "retention looks short"
  }
}
`,
    });
    expect(plan.errored).toBe(true);
    expect(diagnostics.map((d) => [d.severity, d.summary])).toEqual(
      expect.arrayContaining([
        ["error", "Resource precondition failed"],
        ["warning", "Check block assertion failed"],
      ]),
    );
    expect(diagnostics.find((d) => d.severity === "error")!.detail).toContain("retention must be at least a week");
  });

  it("a postcondition on self is checked against the planned object when it is known", async () => {
    const { diagnostics } = await planOf({
      "main.tf": `
resource "terraform_data" "a" {
  input = "short"
  lifecycle {
    postcondition {
      condition     = length(self.input) > 10
      error_message = "input too short"
    }
  }
}
`,
    });
    expect(diagnostics.map((d) => d.summary)).toEqual(["Resource postcondition failed"]);
  });
});
