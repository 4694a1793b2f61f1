import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { buildEvaluationGraph } from "../../plan/evaluation.js";
import { defaultRegistry } from "../workspace.js";
import { graphDot } from "./graph.js";
import { providerTree, renderProviderTree } from "./providers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function load(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "backplan-graph-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const r = loadConfig(dir);
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
}

const CONFIG = {
  "main.tf": `
variable "v" {
  default = "x"
}
locals {
  l = terraform_data.a.output
}
resource "terraform_data" "a" {
  input = var.v
}
resource "terraform_data" "b" {
  input = local.l
}
module "m" {
  source = "./mod"
  in     = terraform_data.b.id
}
`,
  "mod/main.tf": `variable "in" {}\nresource "terraform_data" "inner" {\n  input = var.in\n}\n`,
};

describe("graphDot", () => {
  it("draws resources with edges through locals and module inputs, modules as clusters", () => {
    const eg = buildEvaluationGraph(load(CONFIG), defaultRegistry(), true);
    expect(graphDot(eg, false)).toBe(
      [
        "digraph G {",
        '  rankdir = "RL";',
        '  node [shape = rect, fontname = "sans-serif"];',
        '  "terraform_data.a" [label="terraform_data.a"];',
        '  "terraform_data.b" [label="terraform_data.b"];',
        '  subgraph "cluster_module.m" {',
        '    label = "module.m"',
        '    fontname = "sans-serif"',
        '    "module.m.terraform_data.inner" [label="terraform_data.inner"];',
        "  }",
        '  "module.m.terraform_data.inner" -> "terraform_data.b";',
        '  "terraform_data.b" -> "terraform_data.a";',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("-type=plan draws every node and direct edge", () => {
    const dot = graphDot(buildEvaluationGraph(load(CONFIG), defaultRegistry(), true), true);
    expect(dot).toContain('  "local.l" -> "terraform_data.a";\n');
    expect(dot).toContain('  "terraform_data.a" -> "var.v";\n');
    expect(dot).toContain('    "module.m.var.in" [label="var.in"];\n');
  });
});

describe("providerTree", () => {
  it("lists each module's providers with their source and version constraint", () => {
    const cfg = load({
      "main.tf": `terraform {\n  required_providers {\n    zstack = {\n      source  = "backplan/zstack"\n      version = ">= 0.1"\n    }\n  }\n}\nresource "terraform_data" "a" {}\nmodule "m" {\n  source = "./mod"\n}\n`,
      "mod/main.tf": `resource "csbs_backup_policy" "p" {\n  name = "x"\n}\n`,
    });
    expect(renderProviderTree(providerTree(cfg))).toBe(
      ".\n├── provider[registry.terraform.io/backplan/zstack] >= 0.1\n├── provider[terraform.io/builtin/terraform]\n└── module.m\n    └── provider[registry.terraform.io/backplan/csbs]\n",
    );
  });
});
