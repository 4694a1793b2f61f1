import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backplan, ensureBuilt, terraformShowJson, workdir } from "./cli-harness.js";

/**
 * `backplan show` (state and saved plans, in every format), `output`, `graph`, `providers` and `version`, driven
 * as a child process; state output is compared with what the `terraform` binary prints for the same file.
 */

const CONFIG = {
  "main.tf": `
variable "secret" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}
resource "terraform_data" "a" {
  input = "x"
}
resource "terraform_data" "b" {
  count = 2
  input = { name = "n\${count.index}", list = [1, 2], multi = "line1\\nline2\\n" }
}
resource "terraform_data" "c" {
  for_each = toset(["k1"])
  input    = var.secret
}
resource "terraform_data" "d" {
  input = terraform_data.a.output
}
module "m" {
  source = "./mod"
}
output "plain" {
  value = terraform_data.a.output
}
output "obj" {
  value = { a = 1, b = [true, null] }
}
output "ml" {
  value = "a\\nb"
}
output "st" {
  value = toset(["x", "y"])
}
output "sec" {
  value     = var.secret
  sensitive = true
}
`,
  "mod/main.tf": `resource "terraform_data" "inner" {\n  input = 5\n}\n`,
};

let dir: string;
const dirs: string[] = [];

/** Terraform's own `show` of the same state file, in a directory without configuration. */
function terraformShowText(stateFile: string): string {
  const tf = mkdtempSync(join(tmpdir(), "backplan-tf-"));
  dirs.push(tf);
  writeFileSync(join(tf, "s.tfstate"), readFileSync(stateFile));
  return execFileSync("terraform", ["show", "-no-color", "s.tfstate"], { cwd: tf, env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" }, encoding: "utf8" });
}

beforeAll(async () => {
  ensureBuilt();
  dir = workdir(CONFIG);
  dirs.push(dir);
  const applied = await backplan(["apply", "-auto-approve"], dir);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
}, 240_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("backplan show (state)", () => {
  it("prints the state exactly as terraform show does", async () => {
    const r = await backplan(["show", "-no-color"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(terraformShowText(join(dir, "terraform.tfstate")));
    expect(r.stdout).toContain("    input  = (sensitive value)\n");
    expect(r.stdout).toContain("sec = (sensitive value)\n");
  });

  it("-json has Terraform's shape and values; sensitive values masked unless -show-sensitive", async () => {
    const tf = terraformShowJson(join(dir, "terraform.tfstate"));
    const clear = JSON.parse((await backplan(["show", "-json", "-show-sensitive"], dir)).stdout) as Record<string, unknown>;
    expect(Object.keys(clear)).toEqual(["format_version", "terraform_version", "values"]);
    expect(clear["values"]).toEqual(tf.values);
    const json = JSON.parse((await backplan(["show", "-json"], dir)).stdout) as { values: { outputs: Record<string, { value: unknown }>; root_module: { resources: { address: string; values: Record<string, unknown> }[] } } };
    expect(json.values.outputs["sec"]!.value).toBe("(sensitive value)");
    expect(json.values.root_module.resources.find((r) => r.address === 'terraform_data.c["k1"]')!.values["input"]).toBe("(sensitive value)");
    expect(json.values.outputs["plain"]!.value).toBe("x");
  });

  it("says there is no state, in both forms, where there is none", async () => {
    const empty = workdir({});
    dirs.push(empty);
    expect(await backplan(["show"], empty)).toMatchObject({ code: 0, stdout: "No state.\n" });
    expect(JSON.parse((await backplan(["show", "-json"], empty)).stdout)).toEqual({ format_version: "1.0" });
  });

  it("shows a state file given as argument, and fails on a file that is neither plan nor state", async () => {
    const other = workdir({});
    dirs.push(other);
    const r = await backplan(["show", "-no-color", join(dir, "terraform.tfstate")], other);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# module.m.terraform_data.inner:");
    writeFileSync(join(other, "junk"), "not a plan");
    const junk = await backplan(["show", "junk"], other);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain("Failed to read the given file as a state or plan file");
    const missing = await backplan(["show", "nope.bin"], other);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.bin does not exist");
  });
});

describe("backplan show PLANFILE", () => {
  let planDir: string;
  beforeAll(async () => {
    planDir = mkdtempSync(join(tmpdir(), "backplan-cli-plan-"));
    dirs.push(planDir);
    execFileSync("cp", ["-r", `${dir}/.`, planDir]);
    writeFileSync(join(planDir, "main.tf"), CONFIG["main.tf"].replace('input = "x"', 'input = "y"'));
    const plan = await backplan(["plan", "-out=plan.bin", "-no-color"], planDir);
    expect(plan.code, plan.stderr).toBe(0);
  }, 120_000);

  it("prints the plan as plan did", async () => {
    const r = await backplan(["show", "-no-color", "plan.bin"], planDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# terraform_data.a will be updated in-place");
    expect(r.stdout).toContain('~ input  = "x" -> "y"');
    expect(r.stdout).toContain("Plan: 0 to add, 2 to change, 0 to destroy.");
  });

  it("-json is Terraform's plan JSON, with the state it was made from as prior_state, kept in the plan", async () => {
    const r = await backplan(["show", "-json", "plan.bin"], planDir);
    expect(r.code).toBe(0);
    // As terraform show -json: values in clear, the *_sensitive trees and `sensitive` flags say which are secret.
    expect(r.stdout).toContain('"variables":{"secret":{"value":"s3cr3t"}}');
    const plan = JSON.parse(r.stdout) as { format_version: string; resource_changes: { address: string; change: { actions: string[] } }[]; prior_state?: { values: unknown } };
    expect(plan.format_version).toBe("1.2");
    expect(plan.resource_changes.find((c) => c.address === "terraform_data.a")!.change.actions).toEqual(["update"]);
    const state = JSON.parse((await backplan(["show", "-json", "-show-sensitive"], planDir)).stdout) as { values: { root_module: unknown } };
    expect((plan.prior_state?.values as { root_module: unknown }).root_module).toEqual(state.values.root_module);
    // The plan carries the state it was made from (as Terraform's plan file does): the state moving on changes nothing.
    expect((await backplan(["state", "rm", "terraform_data.d"], planDir)).code).toBe(0);
    const later = JSON.parse((await backplan(["show", "-json", "plan.bin"], planDir)).stdout) as Record<string, unknown>;
    expect(later["prior_state"]).toEqual(plan.prior_state);
  });

  it("-summary-json and -markdown for pull-request reviews", async () => {
    const summary = JSON.parse((await backplan(["show", "-summary-json", "plan.bin"], planDir)).stdout) as { format_version: string; counts: { change: number; destroy: number }; has_destroy: boolean };
    expect(summary).toMatchObject({ format_version: "1.0", counts: { change: 2, destroy: 0 }, has_destroy: false });
    const md = await backplan(["show", "-markdown", "-comment-id", "infra/prod", "plan.bin"], planDir);
    expect(md.code).toBe(0);
    expect(md.stdout.startsWith("<!-- backplan-plan:infra/prod -->\n")).toBe(true);
    expect(md.stdout).toContain("terraform_data.a");
  });

  it("refuses plan-only flags without a plan file, and conflicting formats", async () => {
    for (const args of [["-markdown"], ["-summary-json"], ["-markdown", "-summary-json", "plan.bin"], ["-json", "-markdown", "plan.bin"]]) {
      const r = await backplan(["show", ...args], planDir);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain("Usage: backplan show");
    }
    const onState = await backplan(["show", "-markdown", "terraform.tfstate"], planDir);
    expect(onState.code).toBe(1);
    expect(onState.stderr).toContain("is a state file");
  });
});

describe("backplan output", () => {
  it("lists outputs in Terraform's format with sensitive ones hidden", async () => {
    const r = await backplan(["output"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'ml = <<EOT\na\nb\nEOT\nobj = {\n  "a" = 1\n  "b" = [\n    true,\n    null,\n  ]\n}\nplain = "x"\nsec = <sensitive>\nst = [\n  "x",\n  "y",\n]\n',
    );
  });

  it("prints one output, -json, -raw; sensitive values in clear when asked for by name", async () => {
    expect((await backplan(["output", "obj"], dir)).stdout).toBe('{\n  "a" = 1\n  "b" = [\n    true,\n    null,\n  ]\n}\n');
    expect((await backplan(["output", "sec"], dir)).stdout).toBe('"s3cr3t"\n');
    expect((await backplan(["output", "-raw", "plain"], dir)).stdout).toBe("x");
    expect((await backplan(["output", "-json", "st"], dir)).stdout).toBe('["x","y"]\n');
    const all = JSON.parse((await backplan(["output", "-json"], dir)).stdout) as Record<string, { sensitive: boolean; type: unknown; value: unknown }>;
    expect(all["obj"]).toEqual({ sensitive: false, type: ["object", { a: "number", b: ["tuple", ["bool", "dynamic"]] }], value: { a: 1, b: [true, null] } });
    expect(all["sec"]).toMatchObject({ sensitive: true, value: "s3cr3t" });
  });

  it("fails for an unknown name, -raw of a structure, and bad flags; warns when there are no outputs", async () => {
    const missing = await backplan(["output", "nope"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Output "nope" not found');
    const raw = await backplan(["output", "-raw", "obj"], dir);
    expect(raw.code).toBe(1);
    expect(raw.stderr).toContain('The -raw option only supports strings, numbers, and boolean values, but output value "obj" is object.');
    expect((await backplan(["output", "-json", "-raw", "plain"], dir)).code).toBe(1);
    expect((await backplan(["output", "-raw"], dir)).code).toBe(1);
    const empty = workdir({});
    dirs.push(empty);
    const none = await backplan(["output"], empty);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("Warning: No outputs found");
    expect((await backplan(["output", "-json"], empty)).stdout).toBe("{}\n");
  });
});

describe("backplan graph, providers, version", () => {
  it("graph prints the resources and their dependencies as DOT; -type=plan the whole evaluation graph", async () => {
    const r = await backplan(["graph"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("digraph G {\n")).toBe(true);
    expect(r.stdout).toContain('  "terraform_data.d" -> "terraform_data.a";\n');
    expect(r.stdout).toContain('  subgraph "cluster_module.m" {\n');
    expect(r.stdout).toContain('    "module.m.terraform_data.inner" [label="terraform_data.inner"];\n');
    expect(r.stdout).not.toContain("var.secret");
    const full = await backplan(["graph", "-type=plan"], dir);
    expect(full.stdout).toContain('  "terraform_data.c" -> "var.secret";\n');
    expect(full.stdout).toContain('  "terraform_data.a" -> "provider.terraform";\n');
    expect((await backplan(["graph", "-type=apply"], dir)).code).toBe(1);
  });

  it("graph reports configuration errors with their place", async () => {
    const bad = workdir({ "main.tf": 'resource "terraform_data" "a" {\n  input = var.missing\n}\n' });
    dirs.push(bad);
    const r = await backplan(["graph"], bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("main.tf");
  });

  it("providers prints the tree of providers the configuration and state need", async () => {
    const r = await backplan(["providers"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "\nProviders required by configuration:\n.\n├── provider[terraform.io/builtin/terraform]\n└── module.m\n    └── provider[terraform.io/builtin/terraform]\n\nProviders required by state:\n\n    provider[terraform.io/builtin/terraform]\n\n",
    );
    const zs = workdir({ "main.tf": 'terraform {\n  required_providers {\n    zstack = {\n      source  = "backplan/zstack"\n      version = "~> 0.1"\n    }\n  }\n}\n' });
    dirs.push(zs);
    expect((await backplan(["providers"], zs)).stdout).toContain("└── provider[registry.terraform.io/backplan/zstack] ~> 0.1\n");
  });

  it("providers schema -json has Terraform's shape for every built-in provider", async () => {
    const r = await backplan(["providers", "schema", "-json"], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { format_version: string; provider_schemas: Record<string, { resource_schemas: Record<string, { block: { attributes: Record<string, { type: unknown; computed?: boolean }> } }> }> };
    expect(doc.format_version).toBe("1.0");
    expect(Object.keys(doc.provider_schemas).sort()).toEqual(["registry.terraform.io/backplan/csbs", "registry.terraform.io/backplan/zstack", "terraform.io/builtin/terraform"]);
    expect(doc.provider_schemas["terraform.io/builtin/terraform"]!.resource_schemas["terraform_data"]!.block.attributes["id"]).toMatchObject({ type: "string", computed: true });
    expect(Object.keys(doc.provider_schemas["registry.terraform.io/backplan/zstack"]!.resource_schemas)).toContain("zstack_cdp_task");
    const noJson = await backplan(["providers", "schema"], dir);
    expect(noJson.code).toBe(1);
    expect(noJson.stderr).toContain("needs -json");
  });

  it("version in text and JSON, and Terraform's -version spelling", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };
    const text = await backplan(["version"], dir);
    expect(text.stdout).toMatch(new RegExp(`^backplan v${pkg.version.replaceAll(".", "\\.")}\\nTerraform language v1\\.11\\.x compatible [^\\n]*\\non \\w+_\\w+\\n$`));
    expect((await backplan(["-version"], dir)).stdout).toBe(text.stdout);
    const json = JSON.parse((await backplan(["version", "-json"], dir)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ backplan_version: pkg.version, terraform_version: "1.11.4" });
    expect(json["provider_selections"]).toHaveProperty(["registry.terraform.io/backplan/zstack"]);
    expect((await backplan(["version", "extra"], dir)).code).toBe(1);
  });

  it("-help on any command prints its usage and exits 0", async () => {
    for (const cmd of ["show", "output", "import", "state", "graph", "providers", "refresh", "force-unlock", "version"]) {
      const r = await backplan([cmd, "-help"], dir);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: backplan ${cmd}`);
    }
  });
});
