import { describe, expect, it } from "vitest";
import { configurationJson } from "./config-json.js";
import { configOf, registry } from "./config-views.test-support.js";

type Obj = { [k: string]: unknown };

/** What the table's expressions may refer to. */
const DECLARED = `
variable "v" {}
locals {
  l = 1
}
resource "terraform_data" "a" {}
resource "terraform_data" "n" {
  count = 2
}
module "c" {
  source = "./child"
}
`;

/** The expression Terraform 1.11 records for `input = EXPR` on one terraform_data resource. */
function inputExpression(expr: string): unknown {
  const config = configOf({
    "main.tf": `${DECLARED}\nresource "terraform_data" "x" {\n  input = ${expr}\n}\n`,
    "child/main.tf": `output "out" {\n  value = 1\n}\n`,
  });
  const root = (configurationJson(config, registry()) as Obj).root_module as Obj;
  const r = (root.resources as Obj[]).find((x) => x.address === "terraform_data.x")!;
  return (r.expressions as Obj).input;
}

describe("configurationJson: expressions as Terraform 1.11 writes them", () => {
  it.each([
    ["a literal is a constant", `{ name = "keep", size = 1 }`, { constant_value: { name: "keep", size: 1 } }],
    ["a template of constants is a constant", `"a-\${1 + 1}"`, { constant_value: "a-2" }],
    ["a function of constants is neither constant nor reference", `upper("a")`, {}],
    ["a variable", "var.v", { references: ["var.v"] }],
    ["a resource attribute lists the resource after it", "terraform_data.a.output", { references: ["terraform_data.a.output", "terraform_data.a"] }],
    [
      "an instance lists each prefix, then the resource without key",
      "terraform_data.n[0].output",
      { references: ["terraform_data.n[0].output", "terraform_data.n[0]", "terraform_data.n"] },
    ],
    [
      "repeated references are all kept, in source order",
      "[local.l, terraform_data.a.output, terraform_data.a.input]",
      { references: ["local.l", "terraform_data.a.output", "terraform_data.a", "terraform_data.a.input", "terraform_data.a"] },
    ],
    ["a module output lists the call after it", "module.c.out", { references: ["module.c.out", "module.c"] }],
    ["a splat stops at the resource", "terraform_data.n[*].output", { references: ["terraform_data.n"] }],
  ])("%s", (_name, expr, want) => {
    expect(inputExpression(expr)).toEqual(want);
  });

  it("writes resources, meta-arguments, outputs, variables and a local module in Terraform's shape", () => {
    const config = configOf({
      "main.tf": `
variable "secret" {
  default   = "s"
  sensitive = true
}
variable "opt" {
  description = "d"
  default     = null
}
variable "req" {}
resource "terraform_data" "b" {
  count      = 2
  input      = count.index
  depends_on = [terraform_data.a]
}
resource "terraform_data" "a" {
  for_each = { k = 1 }
  input    = each.value
}
module "c" {
  source = "./child"
  value  = "x"
}
output "o" {
  value       = var.secret
  sensitive   = true
  description = "out"
  depends_on  = [module.c]
}
`,
      "child/main.tf": `
variable "value" {}
resource "terraform_data" "inner" {
  input = var.value
}
`,
    });
    expect(configurationJson(config, registry())).toEqual({
      provider_config: { terraform: { name: "terraform", full_name: "terraform.io/builtin/terraform" } },
      root_module: {
        outputs: { o: { sensitive: true, expression: { references: ["var.secret"] }, depends_on: ["module.c"], description: "out" } },
        resources: [
          {
            address: "terraform_data.a",
            mode: "managed",
            type: "terraform_data",
            name: "a",
            provider_config_key: "terraform",
            expressions: { input: { references: ["each.value"] } },
            schema_version: 0,
            for_each_expression: { constant_value: { k: 1 } },
          },
          {
            address: "terraform_data.b",
            mode: "managed",
            type: "terraform_data",
            name: "b",
            provider_config_key: "terraform",
            expressions: { input: { references: ["count.index"] } },
            schema_version: 0,
            count_expression: { constant_value: 2 },
            depends_on: ["terraform_data.a"],
          },
        ],
        module_calls: {
          c: {
            source: "./child",
            expressions: { value: { constant_value: "x" } },
            module: {
              resources: [
                {
                  address: "terraform_data.inner",
                  mode: "managed",
                  type: "terraform_data",
                  name: "inner",
                  // The child only inherits the provider: its resources point at the root's configuration.
                  provider_config_key: "terraform",
                  expressions: { input: { references: ["var.value"] } },
                  schema_version: 0,
                },
              ],
              variables: { value: {} },
            },
          },
        },
        variables: { opt: { default: null, description: "d" }, req: {}, secret: { default: "s", sensitive: true } },
      },
    });
    // Field order is Terraform's struct order.
    const b = (((configurationJson(config, registry()) as Obj).root_module as Obj).resources as Obj[])[1]!;
    expect(Object.keys(b)).toEqual(["address", "mode", "type", "name", "provider_config_key", "expressions", "schema_version", "count_expression", "depends_on"]);
  });

  it("keys a provider a child module configures itself by the module, with its module_address", () => {
    const config = configOf({
      "main.tf": `module "c" {\n  source = "./child"\n}\n`,
      "child/main.tf": `provider "terraform" {}\nresource "terraform_data" "inner" {}\n`,
    });
    const out = configurationJson(config, registry()) as Obj;
    expect(out.provider_config).toEqual({
      "module.c:terraform": { name: "terraform", full_name: "terraform.io/builtin/terraform", module_address: "module.c" },
    });
    const inner = ((((out.root_module as Obj).module_calls as Obj).c as Obj).module as Obj).resources as Obj[];
    expect(inner[0]!.provider_config_key).toBe("module.c:terraform");
  });
});

describe("configurationJson: the JSON syntax", () => {
  it("records each JSON expression as written (strings are not templates without a scope) plus its references", () => {
    const config = configOf({
      "main.tf.json": JSON.stringify({
        resource: {
          terraform_data: {
            a: { input: { k: "${terraform_data.b.output}", n: 1 } },
            b: { count: 2, input: "plain" },
          },
        },
        output: { o: { value: "${terraform_data.a.id}", sensitive: true } },
      }),
    });
    const root = (configurationJson(config, registry()) as Obj).root_module as Obj;
    const [a, b] = root.resources as Obj[];
    expect((a!.expressions as Obj).input).toEqual({ constant_value: { k: "${terraform_data.b.output}", n: 1 }, references: ["terraform_data.b.output", "terraform_data.b"] });
    expect(b!.count_expression).toEqual({ constant_value: 2 });
    expect((b!.expressions as Obj).input).toEqual({ constant_value: "plain" });
    expect(root.outputs).toEqual({ o: { sensitive: true, expression: { constant_value: "${terraform_data.a.id}", references: ["terraform_data.a.id", "terraform_data.a"] } } });
  });
});
