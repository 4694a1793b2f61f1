import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backplan, terraform, terraformAvailable, workdir, writeMain } from "./plan-harness.js";

// `backplan show -json PLANFILE` against `terraform show -json PLANFILE` for the same terraform_data configuration,
// compared as whole documents: configuration, relevant_attributes, prior_state, planned_values, resource and output
// changes, variables. Terraform 1.11 (/usr/local/bin/terraform, offline: terraform_data is built in) is the oracle.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

if (!terraformAvailable()) {
  throw new Error("plan-json-terraform.test.ts compares against Terraform: it needs `terraform` on PATH (/usr/local/bin/terraform), and none was found");
}

const CHILD = `
variable "value" {
  type = string
}

resource "terraform_data" "inner" {
  input = var.value
}

output "out" {
  value = terraform_data.inner.output
}
`;

const V1 = `
variable "name" {
  type    = string
  default = "web"
}

variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

locals {
  prefix = "p-\${var.name}"
}

resource "terraform_data" "keep" {
  input = { name = "keep", size = 1 }
}

resource "terraform_data" "edit" {
  input = local.prefix
}

resource "terraform_data" "gone" {
  input = "bye"
}

resource "terraform_data" "n" {
  count = 11
  input = count.index
}

resource "terraform_data" "m" {
  for_each         = { a = 1, b = 2 }
  input            = each.value
  triggers_replace = [terraform_data.keep.output]
}

resource "terraform_data" "after" {
  input      = terraform_data.n[0].output
  depends_on = [terraform_data.keep]
}

resource "terraform_data" "sec" {
  input = var.secret
}

module "child" {
  source = "./modules/child"
  value  = terraform_data.edit.output
}

output "edit_id" {
  value = terraform_data.edit.id
}

output "secret" {
  value     = var.secret
  sensitive = true
}

output "child" {
  value       = module.child.out
  description = "from the child"
}
`;

const V2 = V1.replace('default = "web"', 'default = "app"')
  .replace(/resource "terraform_data" "gone" \{[^}]*\}/, 'resource "terraform_data" "fresh" {\n  input = [for k, v in terraform_data.m : v.output]\n}')
  .replace("count = 11", "count = 3")
  .replace("{ a = 1, b = 2 }", "{ a = 1, c = 3 }");

type J = null | boolean | number | string | J[] | { [k: string]: J };
const isObj = (v: J | undefined): v is { [k: string]: J } => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What must differ between the two tools, replaced: the version and time of the run, ids generated per run
 * (terraform_data ids are UUIDs), and the order of relevant_attributes (Terraform's varies from run to run).
 */
function normalise(doc: J): J {
  const d = JSON.parse(JSON.stringify(doc).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")) as { [k: string]: J };
  d.terraform_version = "<version>";
  d.timestamp = "<time>";
  if (isObj(d.prior_state)) d.prior_state.terraform_version = "<version>";
  if (Array.isArray(d.relevant_attributes)) d.relevant_attributes.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  knownGap(d);
  return d;
}

/**
 * The one known gap, kept narrow: where a value is unknown, Terraform's sensitivity trees still show its type
 * (`{}` for an object, `[]` for a tuple), which the plan does not record for unknown values. Only such entries
 * (a `{}`/`[]` whose value is unknown) are dropped; every other entry is compared.
 */
function knownGap(d: { [k: string]: J }): void {
  const unknownByAddress = new Map<string, J>();
  for (const rc of (d.resource_changes as J[] | undefined) ?? []) {
    if (!isObj(rc) || !isObj(rc.change)) continue;
    unknownByAddress.set(rc.address as string, rc.change.after_unknown ?? false);
    rc.change.after_sensitive = dropTypedUnknown(rc.change.after_sensitive ?? false, rc.change.after_unknown ?? false);
  }
  const walk = (m: J | undefined): void => {
    if (!isObj(m)) return;
    for (const r of (m.resources as J[] | undefined) ?? []) if (isObj(r)) r.sensitive_values = dropTypedUnknown(r.sensitive_values ?? false, unknownByAddress.get(r.address as string) ?? false);
    for (const c of (m.child_modules as J[] | undefined) ?? []) walk(c);
  };
  if (isObj(d.planned_values)) walk(d.planned_values.root_module);
}

function dropTypedUnknown(marks: J, unknown: J): J {
  const empty = (v: J | undefined) => (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
  if (Array.isArray(marks)) return marks.map((m, i) => (Array.isArray(unknown) && unknown[i] === true && empty(m) ? false : dropTypedUnknown(m, Array.isArray(unknown) ? (unknown[i] ?? false) : false)));
  if (isObj(marks)) {
    const out: { [k: string]: J } = {};
    for (const [k, v] of Object.entries(marks)) {
      const u = isObj(unknown) ? (unknown[k] ?? false) : false;
      if (u === true && empty(v)) continue;
      out[k] = dropTypedUnknown(v, u);
    }
    return out;
  }
  return marks;
}

function setUp(dir: string, main: string): void {
  writeMain(dir, main);
  mkdirSync(join(dir, "modules", "child"), { recursive: true });
  writeFileSync(join(dir, "modules", "child", "main.tf"), CHILD);
}

async function bothPlans(tf: string, bp: string): Promise<{ tfDoc: J; bpDoc: J }> {
  const t = terraform(["plan", "-input=false", "-no-color", "-out=tf.plan"], tf);
  expect(t.code, t.stderr).toBe(0);
  const ts = terraform(["show", "-json", "tf.plan"], tf);
  expect(ts.code, ts.stderr).toBe(0);
  const p = await backplan(["plan", "-no-color", "-out=bp.plan"], bp);
  expect(p.code, p.stderr).toBe(0);
  const s = await backplan(["show", "-json", "bp.plan"], bp);
  expect(s.code, s.stderr).toBe(0);
  expect(s.stderr).toBe("");
  return { tfDoc: JSON.parse(ts.stdout) as J, bpDoc: JSON.parse(s.stdout) as J };
}

/**
 * Registers hooks giving the describe block two working directories (Terraform's, initialised, and backplan's)
 * with the same configuration written by `write`, removed afterwards.
 */
function twoWorkdirs(write: (dir: string) => void): { tf: string; bp: string } {
  const dirs = { tf: "", bp: "" };
  beforeAll(() => {
    dirs.tf = workdir("");
    dirs.bp = workdir("");
    write(dirs.tf);
    write(dirs.bp);
    const init = terraform(["init", "-input=false", "-no-color"], dirs.tf);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(() => {
    rmSync(dirs.tf, { recursive: true, force: true });
    rmSync(dirs.bp, { recursive: true, force: true });
  });
  return dirs;
}

describe("show -json PLANFILE is Terraform's plan JSON, document for document", () => {
  const dirs = twoWorkdirs((dir) => setUp(dir, V1));

  it("a first plan (no state yet): counts, for_each, depends_on, a local module, sensitive values in clear", async () => {
    const { tfDoc, bpDoc } = await bothPlans(dirs.tf, dirs.bp);
    const n = normalise(bpDoc) as { [k: string]: J };
    // Spelled out first so a failure names the part that differs, then the whole document.
    expect(n.configuration).toEqual((normalise(tfDoc) as { [k: string]: J }).configuration);
    expect(n.relevant_attributes).toEqual((normalise(tfDoc) as { [k: string]: J }).relevant_attributes);
    expect(JSON.stringify(bpDoc)).toContain('"hunter2"');
    expect(n).toEqual(normalise(tfDoc));
    expect(Object.keys(bpDoc as object)).toEqual(Object.keys(tfDoc as object));
  });

  it("a plan over an applied state: updates, replacements, deletes, outputs and prior_state", async () => {
    const { tf, bp } = dirs;
    const a = terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tf);
    expect(a.code, a.stderr).toBe(0);
    const b = await backplan(["apply", "-auto-approve", "-no-color"], bp);
    expect(b.code, b.stderr).toBe(0);
    setUp(tf, V2);
    setUp(bp, V2);
    const { tfDoc, bpDoc } = await bothPlans(dirs.tf, dirs.bp);
    expect(readFileSync(join(bp, "bp.plan")).length).toBeGreaterThan(0);
    expect(normalise(bpDoc)).toEqual(normalise(tfDoc));
    expect(Object.keys(bpDoc as object)).toEqual(Object.keys(tfDoc as object));
  });
});

describe("show -json PLANFILE for a configuration in the JSON syntax (as cdktf writes it)", () => {
  const MAIN_JSON = JSON.stringify({
    variable: { v: { default: "x", description: "d" } },
    locals: { l: "${var.v}-l" },
    resource: {
      terraform_data: {
        a: { input: { k: "${local.l}", n: 1 } },
        b: { count: 2, input: "${terraform_data.a.output.k}", depends_on: ["terraform_data.a"] },
        c: { input: "plain", triggers_replace: ["${terraform_data.b[0].id}", 3] },
      },
    },
    output: { o: { value: "${terraform_data.c.output}", sensitive: true } },
  });
  const dirs = twoWorkdirs((dir) => {
    rmSync(join(dir, "main.tf"));
    writeFileSync(join(dir, "main.tf.json"), MAIN_JSON);
  });

  it("writes every JSON expression as its literal constant_value plus its references, and no empty prior_state", async () => {
    const { tfDoc, bpDoc } = await bothPlans(dirs.tf, dirs.bp);
    expect((bpDoc as { [k: string]: J }).prior_state).toBeUndefined();
    expect(normalise(bpDoc)).toEqual(normalise(tfDoc));
  });
});
