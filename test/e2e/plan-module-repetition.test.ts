import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backplan, changeOf, planJsonOf, readState, terraform, terraformAvailable, workdir, writeMain } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

// Module calls with for_each and count, nested: module.site["eu"] has two copies and a probe module
// (count = 1), module.site["us"] one copy and no probe.
const ROOT = (sites: string) => `
module "site" {
  source   = "./site"
  for_each = ${sites}
  region   = each.key
  copies   = each.value
}

output "copy_ids" {
  value = { for k, s in module.site : k => length(s.ids) }
}

output "first_probe" {
  value = module.site["eu"].probes
}
`;

const SITE = `
variable "region" {
  type = string
}

variable "copies" {
  type = number
}

resource "terraform_data" "copy" {
  count = var.copies
  input = "\${var.region}-\${count.index}"
}

module "probe" {
  source = "../probe"
  count  = var.copies > 1 ? 1 : 0
  name   = "\${var.region}-probe-\${count.index}"
}

output "ids" {
  value = terraform_data.copy[*].id
}

output "probes" {
  value = [for p in module.probe : p.name]
}
`;

const PROBE = `
variable "name" {
  type = string
}

resource "terraform_data" "p" {
  input = var.name
}

output "name" {
  value = terraform_data.p.output
}
`;

const V1 = ROOT("{ eu = 2, us = 1 }");
const V2 = ROOT("{ eu = 1, us = 1 }");

/** A working directory holding the root module `main` and the two child modules. */
function project(main: string): string {
  const dir = workdir(main);
  for (const [sub, text] of [["site", SITE], ["probe", PROBE]] as const) {
    mkdirSync(join(dir, sub));
    writeFileSync(join(dir, sub, "main.tf"), text);
  }
  return dir;
}

const EU_PROBE = 'module.site["eu"].module.probe[0].terraform_data.p';
const V1_ADDRESSES = [
  'module.site["eu"].module.probe[0].terraform_data.p',
  'module.site["eu"].terraform_data.copy[0]',
  'module.site["eu"].terraform_data.copy[1]',
  'module.site["us"].terraform_data.copy[0]',
];

async function stateList(dir: string): Promise<string[]> {
  const r = await backplan(["state", "list"], dir);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).sort();
}

describe("module count and for_each through the CLI", () => {
  let bp: string;
  beforeAll(() => {
    bp = project(V1);
  });
  afterAll(() => rmSync(bp, { recursive: true, force: true }));

  it("plans one object per module instance, with keyed addresses and module_address in plan JSON", async () => {
    const r = await backplan(["plan", "-json"], bp);
    expect(r.code, r.stderr).toBe(0);
    const plan = planJsonOf(r.stdout);
    expect((plan.resource_changes ?? []).map((c) => c.address).sort()).toEqual(V1_ADDRESSES);
    const probe = changeOf(plan, EU_PROBE) as ReturnType<typeof changeOf> & { module_address?: string };
    expect(probe.module_address).toBe('module.site["eu"].module.probe[0]');
    expect(probe.change.actions).toEqual(["create"]);
    expect(probe.change.after).toMatchObject({ input: "eu-probe-0" });
  });

  it("applies, writes Terraform's module instance form in state, and re-plans as no-op", async () => {
    const a = await backplan(["apply", "-auto-approve", "-no-color"], bp);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("4 added, 0 changed, 0 destroyed");
    expect(await stateList(bp)).toEqual(V1_ADDRESSES);
    const raw = readFileSync(join(bp, "terraform.tfstate"), "utf8");
    expect(raw).toContain('"module": "module.site[\\"eu\\"].module.probe[0]"');
    const modules = readState(bp).resources.map((res) => (res as { module?: string }).module).sort();
    expect(modules).toEqual(['module.site["eu"]', 'module.site["eu"].module.probe[0]', 'module.site["us"]']);
    const out = await backplan(["output", "-json"], bp);
    expect(JSON.parse(out.stdout)).toMatchObject({ copy_ids: { value: { eu: 2, us: 1 } }, first_probe: { value: ["eu-probe-0"] } });
    const p = await backplan(["plan", "-detailed-exitcode", "-no-color"], bp);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(p.stdout).toContain("No changes.");
  });

  it("shows and targets one module instance by its keyed address", async () => {
    const show = await backplan(["state", "show", EU_PROBE], bp);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`# ${EU_PROBE}:`);
    writeMain(bp, V1.replace("region   = each.key", 'region   = "\${each.key}2"'));
    const r = await backplan(["plan", "-json", '-target=module.site["us"]'], bp);
    expect(r.code, r.stderr).toBe(0);
    const changed = (planJsonOf(r.stdout).resource_changes ?? []).filter((c) => c.change.actions[0] !== "no-op").map((c) => c.address);
    expect(changed).toEqual(['module.site["us"].terraform_data.copy[0]']);
    writeMain(bp, V1);
  });

  it("destroys the objects of module instances that count / for_each no longer produce", async () => {
    writeMain(bp, V2);
    const r = await backplan(["plan", "-json"], bp);
    expect(r.code, r.stderr).toBe(0);
    const plan = planJsonOf(r.stdout);
    expect(changeOf(plan, EU_PROBE).change.actions).toEqual(["delete"]);
    expect(changeOf(plan, EU_PROBE).action_reason).toBe("delete_because_no_module");
    expect(changeOf(plan, 'module.site["eu"].terraform_data.copy[1]').action_reason).toBe("delete_because_count_index");
    const a = await backplan(["apply", "-auto-approve", "-no-color"], bp);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("0 added, 0 changed, 2 destroyed");
    expect(await stateList(bp)).toEqual(['module.site["eu"].terraform_data.copy[0]', 'module.site["us"].terraform_data.copy[0]']);
  });

  it("state mv and rm take module instance addresses", async () => {
    const mv = await backplan(["state", "mv", 'module.site["us"]', 'module.site["ca"]'], bp);
    expect(mv.code, mv.stderr).toBe(0);
    expect(await stateList(bp)).toEqual(['module.site["ca"].terraform_data.copy[0]', 'module.site["eu"].terraform_data.copy[0]']);
    writeMain(bp, ROOT("{ eu = 1, ca = 1 }").replace('region   = each.key', 'region   = each.key == "ca" ? "us" : each.key'));
    // The moved objects are found at their new address: nothing to do for them (only the output's key changes).
    const p = await backplan(["plan", "-json"], bp);
    expect(p.code, p.stderr).toBe(0);
    expect((planJsonOf(p.stdout).resource_changes ?? []).map((c) => [c.address, c.change.actions.join()]).sort()).toEqual([
      ['module.site["ca"].terraform_data.copy[0]', "no-op"],
      ['module.site["eu"].terraform_data.copy[0]', "no-op"],
    ]);
    const rm = await backplan(["state", "rm", 'module.site["ca"]'], bp);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await stateList(bp)).toEqual(['module.site["eu"].terraform_data.copy[0]']);
    const wrongKey = await backplan(["import", "module.site[0].terraform_data.copy[0]", "some-id"], bp);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("module.site uses for_each");
    const imp = await backplan(["import", 'module.site["ca"].terraform_data.copy[0]', "some-id"], bp);
    expect(imp.code, imp.stderr).toBe(0);
    expect(await stateList(bp)).toEqual(['module.site["ca"].terraform_data.copy[0]', 'module.site["eu"].terraform_data.copy[0]']);
  });

  it("destroys every module instance", async () => {
    const d = await backplan(["destroy", "-auto-approve", "-no-color"], bp);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain("2 destroyed");
    expect(await stateList(bp)).toEqual([]);
  });
});

// Terraform 1.11 (/usr/local/bin/terraform, offline: terraform_data is built in) must read backplan's state of
// repeated modules as up to date, and backplan Terraform's.
const haveTerraform = terraformAvailable();
if (!haveTerraform) console.warn("plan-module-repetition: terraform is not on PATH, so the Terraform state-compatibility tests are SKIPPED");

describe.skipIf(!haveTerraform)("repeated modules: state compatibility with Terraform (needs terraform on PATH)", () => {
  let bp: string;
  let tf: string;
  beforeAll(() => {
    bp = project(V1);
    tf = project(V1);
    const init = terraform(["init", "-input=false", "-no-color"], tf);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(() => {
    rmSync(bp, { recursive: true, force: true });
    rmSync(tf, { recursive: true, force: true });
  });

  it("Terraform plans backplan's state as no-op, and the shrink as the same destroys", async () => {
    const a = await backplan(["apply", "-auto-approve", "-no-color"], bp);
    expect(a.code, a.stderr).toBe(0);
    copyFileSync(join(bp, "terraform.tfstate"), join(tf, "terraform.tfstate"));
    const p = terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color"], tf);
    expect(p.stderr).toBe("");
    expect(p.code, p.stdout).toBe(0);
    writeMain(tf, V2);
    writeMain(bp, V2);
    const t = terraform(["plan", "-input=false", "-no-color", "-out=tf.plan"], tf);
    expect(t.code, t.stderr).toBe(0);
    const tfPlan = JSON.parse(terraform(["show", "-json", "tf.plan"], tf).stdout) as ReturnType<typeof planJsonOf>;
    const r = await backplan(["plan", "-json"], bp);
    expect(r.code, r.stderr).toBe(0);
    const summary = (plan: ReturnType<typeof planJsonOf>) =>
      Object.fromEntries((plan.resource_changes ?? []).map((c) => [c.address, [c.change.actions.join(","), c.action_reason ?? "", (c as { module_address?: string }).module_address ?? ""]]));
    expect(summary(planJsonOf(r.stdout))).toEqual(summary(tfPlan));
  });

  it("backplan plans Terraform's state of repeated modules as no-op", async () => {
    const a = terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tf);
    expect(a.code, a.stderr).toBe(0);
    copyFileSync(join(tf, "terraform.tfstate"), join(bp, "terraform.tfstate"));
    const p = await backplan(["plan", "-detailed-exitcode", "-no-color"], bp);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(p.stdout).toContain("No changes.");
  });
});
