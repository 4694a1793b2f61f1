import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Body, Expression } from "./hcl/ast.js";
import { loadConfig } from "./load.js";
import { constString } from "./static.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function load(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "backplan-override-"));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const r = loadConfig(root, { displayBase: root });
  return { ...r, errors: r.diagnostics.filter((d) => d.severity === "error"), warnings: r.diagnostics.filter((d) => d.severity === "warning") };
}

function attr(body: Body, name: string): Expression | undefined {
  return body.attributes.find((a) => a.name === name)?.expr;
}

function str(body: Body, name: string): string | undefined {
  const e = attr(body, name);
  return e && constString(e);
}

const MAIN = `
variable "env" {
  type    = string
  default = "dev"
}

locals {
  prefix = "base"
  other  = "kept"
}

resource "zstack_vm_backup" "web" {
  for_each    = toset(["a", "b"])
  name        = "web"
  description = "from main"
  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
  }
  policy {
    mode = "full"
  }
  policy {
    mode = "incremental"
  }
}

output "id" {
  value = "main"
}

provider "zstack" {
  alias    = "west"
  endpoint = "http://west"
}
`;

describe("override files", () => {
  it("replace arguments, add new ones and keep the rest of a resource", () => {
    const r = load({
      "main.tf": MAIN,
      "web_override.tf": 'resource "zstack_vm_backup" "web" {\n  description = "from override"\n  retention   = 7\n}\n',
    });
    expect(r.errors).toEqual([]);
    const web = r.config!.managedResources.get("zstack_vm_backup.web")!;
    expect(str(web.config, "description")).toBe("from override");
    expect(str(web.config, "name")).toBe("web");
    expect(attr(web.config, "retention")?.kind).toBe("literal");
    expect(web.forEach).toBeDefined();
    // The overriding argument keeps its own position, in the override file.
    const d = web.config.attributes.find((a) => a.name === "description")!;
    expect(d.range.filename).toBe("web_override.tf");
    expect(d.range.start.line).toBe(2);
  });

  it("replace every nested block of a type the override uses and merge lifecycle argument by argument", () => {
    const r = load({
      "main.tf": MAIN,
      "override.tf": [
        'resource "zstack_vm_backup" "web" {',
        "  policy {",
        '    mode = "mirror"',
        "  }",
        "  lifecycle {",
        "    create_before_destroy = false",
        "  }",
        "}",
        "",
      ].join("\n"),
    });
    expect(r.errors).toEqual([]);
    const web = r.config!.managedResources.get("zstack_vm_backup.web")!;
    const policies = web.config.blocks.filter((b) => b.type === "policy");
    expect(policies.map((b) => str(b.body, "mode"))).toEqual(["mirror"]);
    expect(web.lifecycle.preventDestroy).toBe(true);
    expect(web.lifecycle.createBeforeDestroy).toBe(false);
  });

  it("are checked after merging, and may not set depends_on", () => {
    const r = load({
      "main.tf": MAIN,
      "override.tf": 'resource "zstack_vm_backup" "web" {\n  count      = 1\n  depends_on = []\n}\n',
    });
    expect(r.errors.map((e) => [e.summary, e.subject?.filename, e.subject?.start.line])).toEqual([
      ["Unsupported override", "override.tf", 3],
      ['Invalid combination of "count" and "for_each"', "main.tf", 13],
    ]);
  });

  it("are merged one after another in lexical order", () => {
    const r = load({
      "main.tf": MAIN,
      "a_override.tf": 'output "id" {\n  value = "a"\n}\n',
      "b_override.tf": 'output "id" {\n  value = "b"\n}\n',
    });
    expect(r.errors).toEqual([]);
    expect(constString(r.config!.outputs.get("id")!.value)).toBe("b");
  });

  it("override variables, local values and providers found by name and alias", () => {
    const r = load({
      "main.tf": MAIN,
      "override.tf": [
        'variable "env" {\n  default = "prod"\n}',
        'locals {\n  prefix = "over"\n}',
        'provider "zstack" {\n  alias    = "west"\n  endpoint = "http://west-2"\n}',
        "",
      ].join("\n"),
    });
    expect(r.errors).toEqual([]);
    const c = r.config!;
    expect(constString(c.variables.get("env")!.default!)).toBe("prod");
    expect(c.variables.get("env")!.type).toBeDefined();
    expect(constString(c.locals.get("prefix")!.expr)).toBe("over");
    expect(constString(c.locals.get("other")!.expr)).toBe("kept");
    expect(str(c.providers.get("zstack.west")!.config, "endpoint")).toBe("http://west-2");
  });

  it("report blocks with nothing to override, and block types that cannot be overridden, with their place", () => {
    const r = load({
      "main.tf": MAIN,
      "x_override.tf": [
        'resource "zstack_vm_backup" "db" {\n  name = "db"\n}',
        'locals {\n  missing = 1\n}',
        'provider "zstack" {\n  alias = "east"\n}',
        'moved {\n  from = zstack_vm_backup.a\n  to   = zstack_vm_backup.b\n}',
        "",
      ].join("\n"),
    });
    expect(r.errors.map((e) => [e.summary, e.subject?.filename, e.subject?.start.line])).toEqual([
      ["Missing resource to override", "x_override.tf", 1],
      ["Missing base local value definition to override", "x_override.tf", 5],
      ["Missing base provider configuration for override", "x_override.tf", 7],
      ["Cannot override 'moved' blocks", "x_override.tf", 10],
    ]);
    expect(r.errors[0]!.detail).toMatch(/There is no zstack_vm_backup resource named "db"/);
    expect(r.errors[2]!.detail).toMatch(/with the alias "east"/);
  });

  it("merge required_providers entries and replace the backend of the terraform block", () => {
    const r = load({
      "main.tf": [
        "terraform {",
        "  required_providers {",
        '    zstack = { source = "zstackio/zstack", version = "~> 1.0" }',
        '    csbs   = { source = "example/csbs" }',
        "  }",
        '  backend "local" {',
        '    path = "a.tfstate"',
        "  }",
        "}",
        "",
      ].join("\n"),
      "override.tf": [
        "terraform {",
        "  required_providers {",
        '    zstack = { source = "zstackio/zstack", version = "~> 2.0" }',
        "  }",
        '  backend "local" {',
        '    path = "b.tfstate"',
        "  }",
        "}",
        "",
      ].join("\n"),
    });
    expect(r.errors).toEqual([]);
    const tf = r.config!.terraform;
    expect(tf.requiredProviders.get("zstack")!.version).toBe("~> 2.0");
    expect(tf.requiredProviders.get("csbs")!.source).toBe("example/csbs");
    expect(str(tf.backend!.config, "path")).toBe("b.tfstate");
  });

  it("override a block written in the JSON syntax (cdktf output) from a native override file", () => {
    const r = load({
      "main.tf.json": JSON.stringify({
        resource: { zstack_vm_backup: { web: { name: "web", description: "json", lifecycle: { prevent_destroy: true } } } },
      }),
      "override.tf": 'resource "zstack_vm_backup" "web" {\n  description = "native"\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n',
    });
    expect(r.errors).toEqual([]);
    const web = r.config!.managedResources.get("zstack_vm_backup.web")!;
    expect(str(web.config, "description")).toBe("native");
    expect(str(web.config, "name")).toBe("web");
    // A JSON lifecycle is a property: the override's lifecycle block replaces it whole.
    expect(web.lifecycle.createBeforeDestroy).toBe(true);
    expect(web.lifecycle.preventDestroy).toBe(false);
  });

  it("in the JSON syntax override native blocks: arguments, nested blocks by property, lifecycle whole", () => {
    const r = load({
      "main.tf": MAIN,
      "generated_override.tf.json": JSON.stringify({
        resource: { zstack_vm_backup: { web: { description: "generated", policy: [{ mode: "json" }], lifecycle: { ignore_changes: ["name"] } } } },
        locals: { prefix: "json-${var.env}" },
        output: { id: { value: "json" } },
      }),
    });
    expect(r.errors).toEqual([]);
    const c = r.config!;
    const web = c.managedResources.get("zstack_vm_backup.web")!;
    expect(str(web.config, "description")).toBe("generated");
    expect(str(web.config, "name")).toBe("web");
    expect(web.config.syntax).toBe("json");
    expect(web.config.blocks.filter((b) => b.type === "policy")).toEqual([]);
    expect(web.config.attributes.find((a) => a.name === "policy")?.json).toBeDefined();
    expect(web.lifecycle.ignoreChanges.kind).toBe("paths");
    expect([web.lifecycle.preventDestroy, web.lifecycle.createBeforeDestroy]).toEqual([false, false]);
    expect(c.locals.get("prefix")!.expr.kind).toBe("template");
    expect(c.locals.get("prefix")!.range.filename).toBe("generated_override.tf.json");
    expect(constString(c.outputs.get("id")!.value)).toBe("json");
  });

  it("in the JSON syntax merge terraform settings into a native terraform block", () => {
    const r = load({
      "main.tf": 'terraform {\n  required_version = ">= 1.5"\n  required_providers {\n    zstack = { source = "zstackio/zstack", version = "~> 1.0" }\n  }\n}\n',
      "override.tf.json": JSON.stringify({ terraform: { required_version: ">= 1.6", required_providers: { csbs: { source: "example/csbs" } } } }),
    });
    expect(r.errors).toEqual([]);
    const tf = r.config!.terraform;
    expect(tf.requiredVersion!.constraint).toBe(">= 1.6");
    expect(tf.requiredProviders.get("zstack")!.version).toBe("~> 1.0");
    expect(tf.requiredProviders.get("csbs")!.source).toBe("example/csbs");
  });

  it("leave a configuration without them as it was", () => {
    const r = load({ "main.tf": MAIN });
    expect(r.diagnostics).toEqual([]);
    const web = r.config!.managedResources.get("zstack_vm_backup.web")!;
    expect([web.lifecycle.preventDestroy, web.lifecycle.createBeforeDestroy]).toEqual([true, true]);
    expect(web.config.blocks.filter((b) => b.type === "policy").map((b) => str(b.body, "mode"))).toEqual(["full", "incremental"]);
    expect(web.forEach).toBeDefined();
  });
});
