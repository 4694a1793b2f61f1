import { describe, expect, it } from "vitest";
import type { OutputChange } from "../plan/plan.js";
import { configOf, registry } from "./config-views.test-support.js";
import { change, emptyPlan, pv } from "./fixtures.test-support.js";
import { relevantAttributes } from "./relevant-attributes.js";

// The rule, checked against Terraform 1.11's relevant_attributes for the same configurations: references from
// every changing resource and root output, followed through locals, variables, module outputs, count/each and
// referenced resources' own arguments; each resource reached is listed with the path after it.
const MAIN = `
locals {
  l = terraform_data.a.output
}
resource "terraform_data" "a" {
  input = "a"
}
resource "terraform_data" "b" {
  input = [local.l, terraform_data.a.input]
}
resource "terraform_data" "d" {
  input = "d"
}
resource "terraform_data" "f" {
  for_each = { k = terraform_data.d.input }
  input    = each.value
}
resource "terraform_data" "quiet" {
  input = terraform_data.d.id
}
module "c" {
  source = "./child"
  value  = terraform_data.a.id
}
resource "terraform_data" "g" {
  input = module.c
}
output "whole" {
  value = terraform_data.f
}
`;
const CHILD = `
variable "value" {}
resource "terraform_data" "inner" {
  input = var.value
}
output "out" {
  value = terraform_data.inner.output
}
`;

const data = (address: string, action: "create" | "no-op") =>
  change(address, { action, before: action === "create" ? null : pv({}), after: pv({}), providerName: "terraform.io/builtin/terraform" });
const output = (name: string, action: "create" | "no-op"): OutputChange => ({ name, action, before: null, after: pv(null), sensitive: false });

describe("relevantAttributes", () => {
  const config = configOf({ "main.tf": MAIN, "child/main.tf": CHILD });

  it("follows locals, arguments, each.value into for_each, module outputs and variables; skips no-op resources", () => {
    const plan = emptyPlan({
      changes: [data("terraform_data.b", "create"), data('terraform_data.f["k"]', "create"), data("terraform_data.g", "create"), data("terraform_data.quiet", "no-op")],
      outputs: [output("whole", "create")],
    });
    expect(relevantAttributes(config, plan, registry())).toEqual([
      { resource: "module.c.terraform_data.inner", attribute: ["output"] },
      { resource: "terraform_data.a", attribute: ["input"] },
      { resource: "terraform_data.a", attribute: ["output"] },
      { resource: "terraform_data.d", attribute: ["input"] },
      { resource: "terraform_data.f", attribute: [] },
    ]);
  });

  it("is empty when nothing changes", () => {
    const plan = emptyPlan({ changes: [data("terraform_data.b", "no-op")], outputs: [output("whole", "no-op")] });
    expect(relevantAttributes(config, plan, registry())).toEqual([]);
  });

  it("reaches into the calling module for a child's variable", () => {
    const plan = emptyPlan({ changes: [data("module.c.terraform_data.inner", "create")] });
    expect(relevantAttributes(config, plan, registry())).toEqual([{ resource: "terraform_data.a", attribute: ["id"] }]);
  });
});
