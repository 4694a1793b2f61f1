import { describe, expect, it } from "vitest";
import { parseTarget } from "../addrs/parse.js";
import type { TargetAddr } from "../addrs/resource.js";
import { State } from "../state/state.js";
import { planOf } from "./testing/plan-of.js";

function target(text: string): TargetAddr {
  const t = parseTarget(text);
  if (!t.ok) throw new Error(t.error);
  return t.value;
}

const CHILD = `
variable "name" {
  type = string
}
resource "terraform_data" "x" {
  input = var.name
}
output "name" {
  value = var.name
}
`;

/** A state holding one terraform_data object per address (as an earlier apply of CHILD wrote them). */
function stateWith(objects: Record<string, string>): State {
  const s = new State();
  for (const [addr, input] of Object.entries(objects)) {
    s.setInstance(addr, { schemaVersion: 0, attributes: { id: `id-${input}`, input, output: input, triggers_replace: null }, sensitiveAttributes: [], dependencies: [] }, { provider: 'provider["terraform.io/builtin/terraform"]' });
  }
  return s;
}

/** `module "m"` calling ./mod with the given repetition argument, `name` input and further arguments. */
function callM(repetition: string, name: string, ...more: string[]): string {
  return ["module \"m\" {", '  source = "./mod"', `  ${repetition}`, `  name = ${name}`, ...more.map((a) => `  ${a}`), "}"].join("\n");
}

describe("module count and for_each", () => {
  it("count makes one module instance per index, with count.index in the call's arguments", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
${callM(`count = 2`, `"n\${count.index}"`)}
output "names" {
  value = module.m[*].name
}
output "second" {
  value = module.m[1].name
}
`,
      "mod/main.tf": CHILD,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => [c.address, c.moduleAddress, c.action, (c.after?.value as Record<string, unknown> | undefined)?.input])).toEqual([
      ["module.m[0].terraform_data.x", "module.m[0]", "create", "n0"],
      ["module.m[1].terraform_data.x", "module.m[1]", "create", "n1"],
    ]);
    expect(plan.outputs.find((o) => o.name === "names")?.after?.value).toEqual(["n0", "n1"]);
    expect(plan.outputs.find((o) => o.name === "second")?.after?.value).toBe("n1");
  });

  it("for_each makes one instance per key, with each.key and each.value; module.m is an object by key", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
${callM(`for_each = { a = "alpha", b = "beta" }`, `"\${each.key}=\${each.value}"`)}
output "by_key" {
  value = { for k, m in module.m : k => m.name }
}
`,
      "mod/main.tf": CHILD,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => [c.address, (c.after?.value as Record<string, unknown> | undefined)?.input])).toEqual([
      ['module.m["a"].terraform_data.x', "a=alpha"],
      ['module.m["b"].terraform_data.x', "b=beta"],
    ]);
    expect(plan.outputs[0]?.after?.value).toEqual({ a: "a=alpha", b: "b=beta" });
  });

  it("repeats at several levels: module instance paths carry every key", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
module "outer" {
  source = "./outer"
  count  = 2
  tag    = "o\${count.index}"
}
`,
      "outer/main.tf": `
variable "tag" {
  type = string
}
module "inner" {
  source   = "../mod"
  for_each = toset(["p", "q"])
  name     = "\${var.tag}-\${each.key}"
}
`,
      "mod/main.tf": CHILD,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => [c.address, (c.after?.value as Record<string, unknown> | undefined)?.input])).toEqual([
      ['module.outer[0].module.inner["p"].terraform_data.x', "o0-p"],
      ['module.outer[0].module.inner["q"].terraform_data.x', "o0-q"],
      ['module.outer[1].module.inner["p"].terraform_data.x', "o1-p"],
      ['module.outer[1].module.inner["q"].terraform_data.x', "o1-q"],
    ]);
  });

  it("an unknown count is Terraform's error, not an empty module", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
resource "terraform_data" "n" {
  input = 2
}
${callM(`count = terraform_data.n.output`, `"x"`)}
`,
      "mod/main.tf": CHILD,
    });
    expect(plan.errored).toBe(true);
    expect(diagnostics.find((d) => d.severity === "error")).toMatchObject({ summary: "Invalid count argument" });
    expect(diagnostics.find((d) => d.severity === "error")?.detail).toContain("cannot be determined until apply");
    expect(diagnostics.find((d) => d.severity === "error")?.detail).toContain("use the -target argument to first apply only the resources that the count depends on");
  });

  it("-target of what an unknown count depends on plans it without expanding the module", async () => {
    const { plan, diagnostics } = await planOf(
      {
        "main.tf": `resource "terraform_data" "n" {\n  input = 2\n}\n${callM("count = terraform_data.n.output", `"x"`)}\n`,
        "mod/main.tf": CHILD,
      },
      new State(),
      { targets: [target("terraform_data.n")] },
    );
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => c.address)).toEqual(["terraform_data.n"]);
  });

  it("an unknown count plans no destroy of the instances in state", async () => {
    const { plan, diagnostics } = await planOf(
      {
        "main.tf": `resource "terraform_data" "n" {\n  input = 2\n}\n${callM("count = terraform_data.n.output", `"x"`)}\n`,
        "mod/main.tf": CHILD,
      },
      stateWith({ "module.m[0].terraform_data.x": "x" }),
    );
    expect(diagnostics.find((d) => d.severity === "error")).toMatchObject({ summary: "Invalid count argument" });
    expect(plan.changes.filter((c) => c.action === "delete")).toEqual([]);
  });

  it("an unknown for_each is Terraform's error", async () => {
    const { diagnostics } = await planOf({
      "main.tf": `
resource "terraform_data" "n" {
  input = "k"
}
${callM(`for_each = toset([terraform_data.n.output])`, `each.key`)}
`,
      "mod/main.tf": CHILD,
    });
    expect(diagnostics.find((d) => d.severity === "error")).toMatchObject({ summary: "Invalid for_each argument" });
  });

  it("instances removed from count are planned for destroy; kept ones are no-op", async () => {
    const state = stateWith({ "module.m[0].terraform_data.x": "n0", "module.m[1].terraform_data.x": "n1", "module.m[2].terraform_data.x": "n2" });
    const { plan, diagnostics } = await planOf(
      {
        "main.tf": `
${callM(`count = 1`, `"n\${count.index}"`)}
`,
        "mod/main.tf": CHILD,
      },
      state,
    );
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => [c.address, c.action, c.reason, c.moduleAddress])).toEqual([
      ["module.m[0].terraform_data.x", "no-op", undefined, "module.m[0]"],
      ["module.m[1].terraform_data.x", "delete", "delete_because_no_module", "module.m[1]"],
      ["module.m[2].terraform_data.x", "delete", "delete_because_no_module", "module.m[2]"],
    ]);
  });

  it("-target of a module instance selects that instance only", async () => {
    const { plan } = await planOf(
      {
        "main.tf": `
${callM(`for_each = toset(["a", "b"])`, `each.key`)}
`,
        "mod/main.tf": CHILD,
      },
      new State(),
      { targets: [target('module.m["b"]')] },
    );
    expect(plan.changes.map((c) => c.address)).toEqual(['module.m["b"].terraform_data.x']);
  });

  it("-exclude of a module instance leaves the others", async () => {
    const { plan } = await planOf(
      {
        "main.tf": `
${callM(`count = 2`, `"n"`)}
`,
        "mod/main.tf": CHILD,
      },
      new State(),
      { excludes: [target("module.m[0]")] },
    );
    expect(plan.changes.map((c) => c.address)).toEqual(["module.m[1].terraform_data.x"]);
  });

  it("depends_on of a repeated module orders every object in it after the dependency", async () => {
    const { plan, diagnostics } = await planOf({
      "main.tf": `
resource "terraform_data" "first" {
  input = "f"
}
${callM(`count = 1`, `"n"`, "depends_on = [terraform_data.first]")}
`,
      "mod/main.tf": CHILD,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => c.address)).toEqual(["terraform_data.first", "module.m[0].terraform_data.x"]);
  });

  it("a repeated module with its own provider block is refused, as Terraform does", async () => {
    const { diagnostics } = await planOf({
      "main.tf": `
${callM(`count = 2`, `"n"`)}
`,
      "mod/main.tf": CHILD + `\nprovider "terraform" {}\n`,
    });
    expect(diagnostics.find((d) => d.severity === "error")).toMatchObject({ summary: "Module is incompatible with count, for_each, and depends_on" });
  });

  it("moved from module.m to module.m[0] keeps the object: a no-op with its previous address", async () => {
    const { plan, diagnostics } = await planOf(
      { "main.tf": `${callM("count = 1", `"n0"`)}\nmoved {\n  from = module.m\n  to   = module.m[0]\n}\n`, "mod/main.tf": CHILD },
      stateWith({ "module.m.terraform_data.x": "n0" }),
    );
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(plan.changes.map((c) => [c.address, c.previousAddress, c.action])).toEqual([["module.m[0].terraform_data.x", "module.m.terraform_data.x", "no-op"]]);
  });

  it("moved from module.m[0] to module.m takes that instance only; the others are destroyed", async () => {
    const { plan } = await planOf(
      { "main.tf": `module "m" {\n  source = "./mod"\n  name = "n0"\n}\nmoved {\n  from = module.m[0]\n  to   = module.m\n}\n`, "mod/main.tf": CHILD },
      stateWith({ "module.m[0].terraform_data.x": "n0", "module.m[1].terraform_data.x": "n1" }),
    );
    expect(plan.changes.map((c) => [c.address, c.previousAddress, c.action])).toEqual([
      ["module.m.terraform_data.x", "module.m[0].terraform_data.x", "no-op"],
      ["module.m[1].terraform_data.x", undefined, "delete"],
    ]);
  });

  it("moved blocks inside a repeated module apply in each of its instances", async () => {
    const { plan } = await planOf(
      { "main.tf": callM("count = 2", `"n\${count.index}"`), "mod/main.tf": `${CHILD}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.x\n}\n` },
      stateWith({ "module.m[0].terraform_data.old": "n0", "module.m[1].terraform_data.old": "n1" }),
    );
    expect(plan.changes.map((c) => [c.address, c.previousAddress, c.action])).toEqual([
      ["module.m[0].terraform_data.x", "module.m[0].terraform_data.old", "no-op"],
      ["module.m[1].terraform_data.x", "module.m[1].terraform_data.old", "no-op"],
    ]);
  });
});
