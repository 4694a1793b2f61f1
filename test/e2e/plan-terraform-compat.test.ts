import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { backplan, planJsonOf, readState, stateInstances, terraform, terraformAvailable, workdir, writeMain, type PlanJson } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

// Terraform 1.11 (installed at /usr/local/bin/terraform, run offline: terraform_data is built in) writes the
// state backplan must read, reads the state backplan writes, and emits the plan JSON backplan's must match.

const V1 = `
resource "terraform_data" "keep" {
  input = { name = "keep", size = 1 }
}

resource "terraform_data" "edit" {
  input = "before"
}

resource "terraform_data" "swap" {
  input            = "s"
  triggers_replace = ["one"]
}

resource "terraform_data" "gone" {
  input = "bye"
}

resource "terraform_data" "n" {
  count = 2
  input = count.index
}

resource "terraform_data" "m" {
  for_each = { a = 1, b = 2 }
  input    = each.value
}
`;

const V2 = V1.replace('"before"', '"after"')
  .replace('["one"]', '["two"]')
  .replace(/resource "terraform_data" "gone" \{[^}]*\}/, 'resource "terraform_data" "fresh" {\n  input = terraform_data.edit.output\n}')
  .replace("count = 2", "count = 1")
  .replace("{ a = 1, b = 2 }", "{ a = 1 }");

if (!terraformAvailable()) throw new Error("these tests need terraform on PATH (/usr/local/bin/terraform)");

/**
 * Drops `{}` members from after_sensitive trees: where a value is unknown Terraform writes `{}` / `[]` from its
 * type, which the plan does not record. Leaves (`true`) and their positions still have to match. The whole
 * documents, with that gap alone normalised, are compared in plan-json-terraform.test.ts.
 */
function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const d = dropEmpty(x);
      if (d && typeof d === "object" && !Array.isArray(d) && Object.keys(d).length === 0) continue;
      out[k] = d;
    }
    return out;
  }
  return v;
}

/** The comparable part of one resource change (timestamps and backplan-only fields left out). */
function shape(p: PlanJson) {
  return Object.fromEntries(
    (p.resource_changes ?? []).map((c) => [
      c.address,
      {
        actions: c.change.actions,
        action_reason: c.action_reason,
        before: c.change.before,
        after: c.change.after,
        after_unknown: c.change.after_unknown,
        before_sensitive: c.change.before_sensitive,
        after_sensitive: dropEmpty(c.change.after_sensitive),
        replace_paths: c.change.replace_paths,
        mode: c.mode,
        type: c.type,
        name: c.name,
        index: c.index,
        provider_name: c.provider_name,
      },
    ]),
  );
}

describe("state and plan JSON compatibility with Terraform", () => {
  let tf: string;
  let bp: string;
  beforeAll(() => {
    tf = workdir(V1);
    bp = workdir(V1);
    const init = terraform(["init", "-input=false", "-no-color"], tf);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(() => {
    rmSync(tf, { recursive: true, force: true });
    rmSync(bp, { recursive: true, force: true });
  });

  it("backplan reads Terraform's state as up to date", async () => {
    const a = terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tf);
    expect(a.code, a.stderr).toBe(0);
    copyFileSync(join(tf, "terraform.tfstate"), join(bp, "terraform.tfstate"));
    const r = await backplan(["plan", "-detailed-exitcode", "-no-color"], bp);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("plans the same changes as Terraform, in the same plan JSON shape", async () => {
    writeMain(tf, V2);
    writeMain(bp, V2);
    const t = terraform(["plan", "-input=false", "-no-color", "-out=tf.plan"], tf);
    expect(t.code, t.stderr).toBe(0);
    const tfJson = JSON.parse(terraform(["show", "-json", "tf.plan"], tf).stdout) as PlanJson;
    const r = await backplan(["plan", "-json"], bp);
    expect(r.code, r.stderr).toBe(0);
    const bpJson = planJsonOf(r.stdout);
    expect(bpJson.format_version).toBe(tfJson.format_version);
    expect(bpJson.applyable).toBe(tfJson.applyable);
    expect(bpJson.complete).toBe(tfJson.complete);
    expect(bpJson.errored).toBe(tfJson.errored);
    expect(shape(bpJson)).toEqual(shape(tfJson));
  });

  it("Terraform reads the state backplan wrote as up to date, and backplan reads Terraform's back", async () => {
    const a = await backplan(["apply", "-auto-approve", "-no-color"], bp);
    expect(a.code, a.stderr).toBe(0);
    const copy = join(tf, "..", `${join(tf).split("/").pop()}-from-bp`);
    mkdirSync(copy);
    try {
      writeMain(copy, V2);
      copyFileSync(join(bp, "terraform.tfstate"), join(copy, "terraform.tfstate"));
      expect(terraform(["init", "-input=false", "-no-color"], copy).code).toBe(0);
      const p = terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color"], copy);
      expect(p.stderr).toBe("");
      expect(p.code).toBe(0);
      // Terraform applies on top of backplan's state (a change), and backplan then sees no changes in the result.
      writeMain(copy, V2.replace('"s"', '"s2"'));
      expect(terraform(["apply", "-auto-approve", "-input=false", "-no-color"], copy).code).toBe(0);
      const before = readState(bp);
      const after = readState(copy);
      expect(after.lineage).toBe(before.lineage);
      expect(after.serial).toBeGreaterThan(before.serial);
      writeMain(bp, V2.replace('"s"', '"s2"'));
      copyFileSync(join(copy, "terraform.tfstate"), join(bp, "terraform.tfstate"));
      const r = await backplan(["plan", "-detailed-exitcode", "-no-color"], bp);
      expect(r.code, r.stderr).toBe(0);
      expect(stateInstances(readState(bp)).get("terraform_data.swap")!.input).toEqual({ value: "s2", type: "string" });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
