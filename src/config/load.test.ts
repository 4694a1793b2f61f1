import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { constString } from "./static.js";
import { loadConfig } from "./load.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes `files` (relative path → text) under a fresh temp dir and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "backplan-config-"));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

function load(root: string, opts: { stack?: string } = {}) {
  return loadConfig(root, { displayBase: root, ...opts });
}

function errors(root: string) {
  return load(root).diagnostics.filter((d) => d.severity === "error");
}

const MAIN = `
terraform {
  required_version = ">= 1.5"
  required_providers {
    zstack = { source = "zstackio/zstack", version = "~> 1.0" }
  }
  backend "local" {
    path = "state.tfstate"
  }
}
provider "zstack" {
  endpoint = "http://127.0.0.1:8080"
}
provider "zstack" {
  alias    = "west"
  endpoint = "http://127.0.0.1:8081"
}
variable "env" {
  type      = string
  default   = "prod"
  sensitive = true
  validation {
    condition     = length(var.env) > 0
    error_message = "env must not be empty"
  }
}
locals {
  prefix = "\${var.env}-bk"
}
resource "zstack_cdp_task" "web" {
  count    = 2
  provider = zstack.west
  name     = "\${local.prefix}-\${count.index}"
  dynamic "volume" {
    for_each = ["a", "b"]
    content {
      uuid = volume.value
    }
  }
  lifecycle {
    create_before_destroy = true
    prevent_destroy       = false
    ignore_changes        = [tags["env"], description]
    replace_triggered_by  = [data.zstack_vm.db.uuid]
    postcondition {
      condition     = self.name != ""
      error_message = "named"
    }
  }
  timeouts {
    create = "30m"
  }
  depends_on = [module.net]
}
data "zstack_vm" "db" {
  name = "db"
}
module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}
output "ids" {
  value     = zstack_cdp_task.web[*].id
  sensitive = true
}
output "net" {
  value = module.net.id
}
moved {
  from = zstack_cdp_task.old
  to   = zstack_cdp_task.web
}
import {
  to = zstack_cdp_task.web[0]
  id = "task-1"
}
removed {
  from = zstack_cdp_task.gone
  lifecycle {
    destroy = false
  }
}
check "vm" {
  data "zstack_vm" "probe" {
    name = "db"
  }
  assert {
    condition     = data.zstack_vm.probe.state == "Running"
    error_message = "VM down"
  }
}
`;

const NET = `
variable "cidr" {
  type = string
}
variable "opt" {
  default = 1
}
output "id" {
  value = "net-\${var.cidr}"
}
`;

describe("loadConfig: a module directory", () => {
  it("loads every construct into the Config model", () => {
    const root = tree({ "main.tf": MAIN, "modules/net/main.tf": NET });
    const r = load(root);
    expect(r.diagnostics).toEqual([]);
    const c = r.config!;
    expect(c.terraform.requiredVersion?.constraint).toBe(">= 1.5");
    expect(c.terraform.requiredProviders.get("zstack")).toMatchObject({ source: "zstackio/zstack", version: "~> 1.0" });
    expect(c.terraform.backend?.type).toBe("local");
    expect([...c.providers.keys()]).toEqual(["zstack", "zstack.west"]);
    const env = c.variables.get("env")!;
    expect(env.sensitive).toBe(true);
    expect(env.type?.kind).toBe("scope_traversal");
    expect(env.validations).toHaveLength(1);
    expect(c.locals.get("prefix")!.expr.kind).toBe("template");
    const web = c.managedResources.get("zstack_cdp_task.web")!;
    expect(web.count?.kind).toBe("literal");
    expect(web.provider).toMatchObject({ name: "zstack", alias: "west" });
    expect(web.providerName).toBe("zstack");
    expect(web.lifecycle.createBeforeDestroy).toBe(true);
    expect(web.lifecycle.ignoreChanges.kind === "paths" && web.lifecycle.ignoreChanges.paths.map((p) => p.steps.length)).toEqual([2, 1]);
    expect(web.lifecycle.replaceTriggeredBy).toHaveLength(1);
    expect(web.lifecycle.postconditions).toHaveLength(1);
    expect(constString(web.timeouts.get("create")!.expr)).toBe("30m");
    expect(web.dependsOn.map((d) => d.target.kind)).toEqual(["module"]);
    // the provider-defined part keeps `name` and the dynamic block, nothing of the meta-arguments
    expect(web.config.attributes.map((a) => a.name)).toEqual(["name"]);
    expect(web.config.blocks.map((b) => b.type)).toEqual(["dynamic"]);
    expect(web.declRange.start.line).toBeGreaterThan(1);
    expect(c.dataResources.has("data.zstack_vm.db")).toBe(true);
    expect(c.outputs.get("ids")!.sensitive).toBe(true);
    expect(c.moved[0]).toMatchObject({ from: { kind: "resource" }, to: { kind: "resource" } });
    expect(c.imports[0]!.to).toMatchObject({ kind: "instance", key: 0 });
    expect(c.removed[0]).toMatchObject({ destroy: false, from: { kind: "resource" } });
    expect(c.checks.get("vm")!.data?.name).toBe("probe");
    const net = c.children.get("net")!;
    expect(net.path).toEqual(["net"]);
    expect([...net.variables.keys()]).toEqual(["cidr", "opt"]);
    expect(c.moduleCalls.get("net")!.inputs.has("cidr")).toBe(true);
  });

  it("the same configuration in JSON syntax gives the same model", () => {
    const json = {
      variable: { env: { type: "string", default: "prod" } },
      resource: {
        zstack_cdp_task: {
          web: {
            count: 2,
            provider: "zstack.west",
            name: "${var.env}-${count.index}",
            lifecycle: { create_before_destroy: true, ignore_changes: ["tags"] },
            depends_on: ["data.zstack_vm.db"],
            dynamic: { volume: { for_each: ["a"], content: { uuid: "${volume.value}" } } },
          },
        },
      },
      data: { zstack_vm: { db: { name: "db" } } },
      provider: { zstack: [{}, { alias: "west" }] },
      output: { id: { value: "${zstack_cdp_task.web[0].id}" } },
    };
    const root = tree({ "main.tf.json": JSON.stringify(json, null, 2) });
    const r = load(root);
    expect(r.diagnostics).toEqual([]);
    const c = r.config!;
    expect(c.variables.get("env")!.type?.kind).toBe("scope_traversal");
    const web = c.managedResources.get("zstack_cdp_task.web")!;
    expect(web.provider).toMatchObject({ name: "zstack", alias: "west" });
    expect(web.lifecycle.createBeforeDestroy).toBe(true);
    expect(web.lifecycle.ignoreChanges.kind).toBe("paths");
    expect(web.dependsOn[0]!.target).toMatchObject({ kind: "resource", resource: { mode: "data", type: "zstack_vm", name: "db" } });
    expect(web.config.attributes.map((a) => a.name)).toEqual(["name", "dynamic"]);
  });

  it("reads a cdktf stack: cdk.tf.json with its // metadata ignored", () => {
    const stack = {
      "//": { metadata: { backend: "local", stackName: "demo", version: "0.21.0" } },
      resource: { zstack_cdp_task: { vm1: { "//": { metadata: { path: "demo/vm1" } }, name: "cdp-vm-01", lifecycle: { prevent_destroy: true } } } },
      output: { task_id: { value: "${zstack_cdp_task.vm1.id}" } },
    };
    const root = tree({
      "cdktf.out/manifest.json": JSON.stringify({
        version: "0.21.0",
        stacks: {
          demo: { name: "demo", workingDirectory: "stacks/demo", synthesizedStackPath: "stacks/demo/cdk.tf.json" },
          other: { name: "other", workingDirectory: "stacks/other", synthesizedStackPath: "stacks/other/cdk.tf.json" },
        },
      }),
      "cdktf.out/stacks/demo/cdk.tf.json": JSON.stringify(stack),
      "cdktf.out/stacks/other/cdk.tf.json": JSON.stringify({ resource: { zstack_vm_backup: { b: { name: "x" } } } }),
    });
    const several = load(root);
    expect(several.config).toBeUndefined();
    expect(several.diagnostics[0]).toMatchObject({ summary: "Several cdktf stacks" });
    expect(several.diagnostics[0]!.detail).toMatch(/demo, other.*--stack NAME/);

    const demo = load(root, { stack: "demo" });
    expect(demo.diagnostics).toEqual([]);
    expect(demo.config!.managedResources.get("zstack_cdp_task.vm1")!.lifecycle.preventDestroy).toBe(true);
    expect(load(join(root, "cdktf.out"), { stack: "other" }).config!.managedResources.has("zstack_vm_backup.b")).toBe(true);
    expect(load(root, { stack: "nope" }).diagnostics[0]).toMatchObject({ summary: "Unknown cdktf stack" });
    // a single cdk.tf.json file works on its own too
    const single = load(join(root, "cdktf.out/stacks/demo/cdk.tf.json"));
    expect(single.diagnostics).toEqual([]);
    expect([...single.config!.outputs.keys()]).toEqual(["task_id"]);
  });
});

describe("loadConfig: diagnostics", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["unknown block type", { "main.tf": 'resourc "a" "b" {\n}\n' }, "Unsupported block type", /Did you mean "resource"\?/],
    ["duplicate resource", { "a.tf": 'resource "t" "x" {\n}\n', "b.tf": 'resource "t" "x" {\n}\n' }, 'Duplicate resource "t" configuration', /already declared at a\.tf:1:1/],
    ["duplicate variable", { "main.tf": 'variable "v" {\n}\nvariable "v" {\n}\n' }, "Duplicate variable", /already declared/],
    ["duplicate output", { "main.tf": 'output "o" {\n  value = 1\n}\noutput "o" {\n  value = 2\n}\n' }, "Duplicate output", /already declared/],
    ["duplicate local", { "main.tf": "locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n" }, "Duplicate local value", /already declared/],
    ["duplicate attribute", { "main.tf": 'resource "t" "x" {\n  a = 1\n  a = 2\n}\n' }, "Duplicate argument", /already set/],
    ["missing label", { "main.tf": 'resource "t" {\n}\n' }, "Missing name for resource", /2 labels \(type, name\)/],
    ["undeclared variable", { "main.tf": 'variable "env" {\n}\noutput "o" {\n  value = var.evn\n}\n' }, "Reference to undeclared input variable", /Did you mean "env"\?/],
    ["undeclared local", { "main.tf": 'output "o" {\n  value = local.x\n}\n' }, "Reference to undeclared local value", /"x"/],
    ["undeclared resource", { "main.tf": 'output "o" {\n  value = zstack_vm.db.uuid\n}\n' }, "Reference to undeclared resource", /"zstack_vm" "db"/],
    ["undeclared data source", { "main.tf": 'output "o" {\n  value = data.zstack_vm.db.uuid\n}\n' }, "Reference to undeclared resource", /data resource/],
    ["undeclared module", { "main.tf": 'output "o" {\n  value = module.m.x\n}\n' }, "Reference to undeclared module", /"m"/],
    ["count outside count", { "main.tf": 'resource "t" "x" {\n  n = count.index\n}\n' }, 'Reference to "count" in non-counted context', /only available/],
    ["each outside for_each", { "main.tf": 'resource "t" "x" {\n  n = each.key\n}\n' }, 'Reference to "each" in context without for_each', /each\.key/],
    ["self outside postcondition", { "main.tf": 'resource "t" "x" {\n  n = self.id\n}\n' }, 'Invalid "self" reference', /postcondition/],
    ["count and for_each", { "main.tf": 'resource "t" "x" {\n  count = 1\n  for_each = {}\n}\n' }, 'Invalid combination of "count" and "for_each"', /mutually exclusive/],
    ["non-literal lifecycle flag", { "main.tf": 'variable "v" {\n}\nresource "t" "x" {\n  lifecycle {\n    prevent_destroy = var.v\n  }\n}\n' }, "Invalid value", /literal true or false/],
    ["unknown lifecycle argument", { "main.tf": 'resource "t" "x" {\n  lifecycle {\n    prevent_destroi = true\n  }\n}\n' }, "Unsupported argument", /Did you mean "prevent_destroy"\?/],
    ["output without value", { "main.tf": 'output "o" {\n}\n' }, "Missing required argument", /"value" is required/],
    ["registry module not installed", { "main.tf": 'module "m" {\n  source = "hashicorp/consul/aws"\n}\n' }, "Module not installed", /Run "backplan init"/],
    ["git module not installed", { "main.tf": 'module "m" {\n  source = "git::https://example.com/m.git?ref=v1"\n}\n' }, "Module not installed", /not yet installed.*backplan init/],
    [
      "module source changed since init",
      {
        "main.tf": 'module "m" {\n  source = "github.com/o/r?ref=v2"\n}\n',
        ".terraform/modules/modules.json": '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"m","Source":"git::https://github.com/o/r.git?ref=v1","Dir":".terraform/modules/m"}]}',
        ".terraform/modules/m/main.tf": "",
      },
      "Module source has changed",
      /installed from "git::https:\/\/github.com\/o\/r.git\?ref=v1".*now "git::https:\/\/github.com\/o\/r.git\?ref=v2".*backplan init/,
    ],
    [
      "installed registry version no longer allowed",
      {
        "main.tf": 'module "m" {\n  source  = "example.com/ns/m/aws"\n  version = "~> 2.0"\n}\n',
        ".terraform/modules/modules.json": '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"m","Source":"example.com/ns/m/aws","Version":"1.4.0","Dir":".terraform/modules/m"}]}',
        ".terraform/modules/m/main.tf": "",
      },
      "Module version requirements have changed",
      /"~> 2.0".*\(1\.4\.0\) is no longer acceptable/,
    ],
    ["version on a non-registry module", { "main.tf": 'module "m" {\n  source  = "./m"\n  version = "1.0"\n}\n', "m/main.tf": "" }, "Invalid registry module source address", /only registry modules have versions/],
    ["unparseable module source", { "main.tf": 'module "m" {\n  source = "x/y"\n}\n' }, "Invalid module source address", /write "\.\/x\/y"/],
    ["missing module directory", { "main.tf": 'module "m" {\n  source = "./nope"\n}\n' }, "Module not found", /not a directory/],
    ["module cycle", { "main.tf": 'module "m" {\n  source = "./m"\n}\n', "m/main.tf": 'module "back" {\n  source = "../m"\n}\n' }, "Module cycle", /cannot include themselves/],
    ["undeclared module output", { "main.tf": 'module "m" {\n  source = "./m"\n}\noutput "o" {\n  value = module.m.nope\n}\n', "m/main.tf": 'output "yes" {\n  value = 1\n}\n' }, "Unsupported attribute", /no output named "nope".*yes/],
    ["unknown module argument", { "main.tf": 'module "m" {\n  source = "./m"\n  bogus = 1\n}\n', "m/main.tf": "" }, "Unsupported argument", /no input variable named "bogus"/],
    ["missing module argument", { "main.tf": 'module "m" {\n  source = "./m"\n}\n', "m/main.tf": 'variable "need" {\n}\n' }, "Missing required argument", /"need" is required by module "m"/],
    ["import target missing", { "main.tf": 'import {\n  to = t.x\n  id = "1"\n}\n' }, "Configuration for import target does not exist", /t\.x/],
    ["undefined provider alias", { "main.tf": 'resource "t" "x" {\n  provider = t.west\n}\n' }, "Provider configuration not present", /alias = "west"/],
    ["quoted type constraint", { "main.tf": 'variable "v" {\n  type = "string"\n}\n' }, "Invalid type specification", /without quotes/],
    ["self reference", { "main.tf": 'resource "t" "x" {\n  n = t.x.id\n}\n' }, "Self-referential block", /t\.x may not refer to itself/],
    ["variable default with a reference", { "main.tf": 'variable "a" {\n}\nvariable "b" {\n  default = var.a\n}\n' }, "Variables not allowed", /must be a constant/],
    ["unknown type keyword", { "main.tf": 'variable "v" {\n  type = strng\n}\n' }, "Invalid type specification", /"strng" is not a valid type/],
    ["default of the wrong type", { "main.tf": 'variable "v" {\n  type    = number\n  default = "abc"\n}\n' }, "Invalid default value for variable", /a number is required/],
    ["default missing an object attribute", { "main.tf": 'variable "v" {\n  type    = object({ a = string })\n  default = {}\n}\n' }, "Invalid default value for variable", /attribute "a" is required/],
    ["moved to itself", { "main.tf": 'moved {\n  from = t.x\n  to = t.x\n}\n' }, "Redundant moved block", /must differ/],
    ["undeclared provider function", { "main.tf": 'output "o" {\n  value = provider::zstack::parse_id("a/b")\n}\n' }, "Unknown provider function", /required_providers/],
    ["bad depends_on", { "main.tf": 'resource "t" "x" {\n  depends_on = [var.x]\n}\n' }, "Invalid depends_on reference", /Only resources/],
  ];
  for (const [name, files, summary, detail] of cases) {
    it(`${name}: ${summary}`, () => {
      const errs = errors(tree(files));
      const hit = errs.find((e) => e.summary === summary);
      expect(hit, `got: ${errs.map((e) => e.summary).join(" | ")}`).toBeDefined();
      expect(hit!.detail).toMatch(detail);
      expect(hit!.subject?.start.line).toBeGreaterThan(0);
    });
  }

  it("reports a cycle among local values with its full path", () => {
    const errs = errors(tree({ "main.tf": "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n  d = 1\n}\n" }));
    const cyc = errs.filter((e) => e.summary === "Cycle in local values");
    expect(cyc).toHaveLength(1);
    expect(cyc[0]!.detail).toContain("local.a → local.b → local.c → local.a");
  });

  it("reports several independent errors at once, across files", () => {
    const errs = errors(tree({ "a.tf": "x = = 1\n", "b.tf": 'output "o" {\n  value = var.nope\n}\nresourc "r" "s" {\n}\n' }));
    const places = new Set(errs.map((e) => `${e.subject!.filename}:${e.subject!.start.line}`));
    expect([...places].sort()).toEqual(["a.tf:1", "b.tf:2", "b.tf:4"]);
  });

  it("provider functions of declared providers are fine", () => {
    const root = tree({ "main.tf": 'terraform {\n  required_providers {\n    zstack = { source = "zstackio/zstack" }\n  }\n}\noutput "o" {\n  value = provider::zstack::parse_id("a/b")\n}\n' });
    expect(errors(root)).toEqual([]);
  });

  it("an empty directory is reported, not crashed on", () => {
    expect(errors(tree({ "README.md": "x" }))[0]).toMatchObject({ summary: "No configuration files" });
  });

  it("override files are merged, not reported (override.test.ts has the rules)", () => {
    const r = load(tree({ "main.tf": 'output "x" {\n  value = 1\n}\n', "override.tf.json": JSON.stringify({ output: { x: { value: 2 } } }) }));
    expect(r.diagnostics).toEqual([]);
  });
});

describe("loadConfig: JSON module calls", () => {
  it("reads providers maps and depends_on of module calls statically", () => {
    const root = tree({
      "main.tf.json": JSON.stringify({
        provider: { zstack: [{ alias: "west" }] },
        module: { net: { source: "./net", providers: { zstack: "zstack.west" }, depends_on: ["zstack_vm.x"], cidr: "10.0.0.0/8" } },
        resource: { zstack_vm: { x: { name: "x" } } },
      }),
      "net/main.tf": 'variable "cidr" {\n}\n',
    });
    const r = load(root);
    expect(r.diagnostics).toEqual([]);
    const call = r.config!.moduleCalls.get("net")!;
    expect(call.providers).toMatchObject([{ inChild: { name: "zstack" }, inParent: { name: "zstack", alias: "west" } }]);
    expect(call.dependsOn[0]!.target).toMatchObject({ kind: "resource", resource: { type: "zstack_vm", name: "x" } });
    expect([...call.inputs.keys()]).toEqual(["cidr"]);
  });
});

describe("loadConfig: installed remote modules", () => {
  it("loads remote modules from where modules.json says init installed them, nested keys included", () => {
    const root = tree({
      "main.tf": 'module "cdp" {\n  source = "git::file:///srv/repo//sub?ref=v1"\n}\nmodule "reg" {\n  source  = "example.com/ns/m/aws"\n  version = ">= 1.0, < 2.0"\n}\n',
      ".terraform/modules/modules.json": JSON.stringify({
        Modules: [
          { Key: "", Source: "", Dir: "." },
          { Key: "cdp", Source: "git::file:///srv/repo//sub?ref=v1", Dir: ".terraform/modules/cdp/sub" },
          { Key: "cdp.inner", Source: "./inner", Dir: ".terraform/modules/cdp/sub/inner" },
          { Key: "cdp.deep", Source: "git::https://github.com/o/deep.git", Dir: ".terraform/modules/cdp.deep" },
          { Key: "reg", Source: "example.com/ns/m/aws", Version: "1.2.0", Dir: ".terraform/modules/reg" },
        ],
      }),
      ".terraform/modules/cdp/sub/main.tf": 'module "inner" {\n  source = "./inner"\n}\nmodule "deep" {\n  source = "github.com/o/deep"\n}\noutput "a" {\n  value = module.inner.b\n}\n',
      ".terraform/modules/cdp/sub/inner/main.tf": 'output "b" {\n  value = 1\n}\n',
      ".terraform/modules/cdp.deep/main.tf": 'output "d" {\n  value = 2\n}\n',
      ".terraform/modules/reg/main.tf": 'output "r" {\n  value = 3\n}\n',
    });
    const r = load(root);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const cdp = r.config!.children.get("cdp")!;
    expect(cdp.dir).toBe(join(root, ".terraform/modules/cdp/sub"));
    expect([...cdp.children.keys()].sort()).toEqual(["deep", "inner"]);
    expect([...cdp.children.get("deep")!.outputs.keys()]).toEqual(["d"]);
    expect([...r.config!.children.get("reg")!.outputs.keys()]).toEqual(["r"]);
  });
});
