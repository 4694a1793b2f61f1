import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rmSync } from "node:fs";
import { backplan, changeOf, planJsonOf, readState, stateInstances, workdir, writeMain } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

describe("moved, import and removed blocks", () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir(`resource "terraform_data" "old" {\n  input = "kept"\n}\nresource "terraform_data" "drop" {\n  input = "d"\n}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a moved block renames the object in state without replacing it", async () => {
    expect((await backplan(["apply", "-auto-approve"], dir)).code).toBe(0);
    const id = stateInstances(readState(dir)).get("terraform_data.old")!.id;
    writeMain(dir, `resource "terraform_data" "new" {\n  input = "kept"\n}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\nresource "terraform_data" "drop" {\n  input = "d"\n}\n`);
    const r = await backplan(["plan", "-json"], dir);
    expect(r.code, r.stderr).toBe(0);
    const c = changeOf(planJsonOf(r.stdout), "terraform_data.new");
    expect(c.previous_address).toBe("terraform_data.old");
    expect(c.change.actions).toEqual(["no-op"]);
    const text = await backplan(["plan", "-no-color"], dir);
    expect(text.stdout).toContain("# terraform_data.old has moved to terraform_data.new");
    expect((await backplan(["apply", "-auto-approve"], dir)).code).toBe(0);
    const inst = stateInstances(readState(dir));
    expect(inst.has("terraform_data.old")).toBe(false);
    expect(inst.get("terraform_data.new")!.id).toBe(id);
  });

  it("an import block adopts an object by id (terraform_data imports any id, as in Terraform)", async () => {
    writeMain(dir, `resource "terraform_data" "new" {\n  input = "kept"\n}\nresource "terraform_data" "drop" {\n  input = "d"\n}\nresource "terraform_data" "imp" {\n}\nimport {\n  to = terraform_data.imp\n  id = "abc-123"\n}\n`);
    const plan = await backplan(["plan", "-no-color"], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("# terraform_data.imp will be imported");
    expect(plan.stdout).toContain("1 to import");
    const a = await backplan(["apply", "-auto-approve", "-no-color"], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(stateInstances(readState(dir)).get("terraform_data.imp")!.id).toBe("abc-123");
  });

  it("a removed block with destroy = false forgets the object instead of deleting it", async () => {
    writeMain(dir, `resource "terraform_data" "new" {\n  input = "kept"\n}\nresource "terraform_data" "imp" {\n}\nremoved {\n  from = terraform_data.drop\n  lifecycle {\n    destroy = false\n  }\n}\n`);
    const r = await backplan(["plan", "-json"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(changeOf(planJsonOf(r.stdout), "terraform_data.drop").change.actions).toEqual(["forget"]);
    const a = await backplan(["apply", "-auto-approve", "-no-color"], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("0 destroyed");
    expect(stateInstances(readState(dir)).has("terraform_data.drop")).toBe(false);
  });
});
