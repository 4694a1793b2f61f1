import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { openLocalState } from "./local-backend.js";
import { LockError, readLockInfo } from "./lock.js";
import { State } from "./state.js";
import { requireTerraform, terraformEnv, terraformOk, terraformWorkdir } from "./testing/terraform.js";
import { decodeStateV4, encodeStateV4 } from "./v4.js";

const BUILTIN = 'provider["terraform.io/builtin/terraform"]';

const CONFIG = `
variable "token" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}
resource "terraform_data" "task" {
  input = { name = "cdp-vm-01", token = var.token, tags = { "b&c" = "<x>", "10" = "ten", "2" = "two" } }
}
resource "terraform_data" "checkpoint" {
  count = 2
  input = "checkpoint-\${count.index}"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "policy" {
  for_each   = toset(["daily", "weekly"])
  input      = each.key
  depends_on = [terraform_data.task]
}
module "sub" {
  source = "./sub"
}
output "task_id" { value = terraform_data.task.id }
output "token" {
  value     = var.token
  sensitive = true
}
check "task_named" {
  assert {
    condition     = terraform_data.task.output.name != ""
    error_message = "unnamed"
  }
}
`;

describe("Terraform 1.11 compatibility (real terraform binary, terraform_data)", () => {
  let dir: string;

  beforeAll(() => {
    requireTerraform();
    dir = terraformWorkdir({ "main.tf": CONFIG });
    const sub = join(dir, "sub");
    mkdirSync(sub);
    writeFileSync(join(sub, "main.tf"), 'resource "terraform_data" "x" {\n  input = 1.5\n}\n');
    terraformOk(dir, ["init", "-input=false"]);
    terraformOk(dir, ["apply", "-auto-approve", "-input=false"]);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reads a state Terraform wrote and writes it back byte for byte", () => {
    const text = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const state = decodeStateV4(text, "terraform.tfstate");
    expect(state.instanceAddresses()).toEqual([
      "terraform_data.checkpoint[0]",
      "terraform_data.checkpoint[1]",
      'terraform_data.policy["daily"]',
      'terraform_data.policy["weekly"]',
      "terraform_data.task",
      "module.sub.terraform_data.x",
    ]);
    const task = state.getInstance("terraform_data.task");
    expect(task?.sensitiveAttributes).toContainEqual([
      { type: "get_attr", value: "input" },
      { type: "get_attr", value: "token" },
    ]);
    expect(state.getInstance('terraform_data.policy["daily"]')?.dependencies).toEqual(["terraform_data.task"]);
    expect(state.getInstance("terraform_data.checkpoint[1]")?.createBeforeDestroy).toBe(true);
    expect(state.getOutput("token")).toEqual({ value: "s3cr3t", type: "string", sensitive: true });
    expect(state.checkResults()?.[0]).toMatchObject({ objectKind: "check", configAddr: "check.task_named", status: "pass" });
    expect(state.getProvider("module.sub.terraform_data.x")).toBe(BUILTIN);
    expect(encodeStateV4(state)).toBe(text);
  });

  it("Terraform plans no changes on a state backplan wrote from scratch, and shows it", () => {
    const own = terraformWorkdir({
      "main.tf": 'resource "terraform_data" "a" {\n  input = "hello"\n}\nresource "terraform_data" "b" {\n  count = 2\n  input = count.index\n}\n',
    });
    try {
      terraformOk(own, ["init", "-input=false"]);
      const state = new State({ serial: 1 });
      const str = (v: string) => ({ value: v, type: "string" });
      state.setInstance(
        "terraform_data.a",
        { schemaVersion: 0, attributes: { id: "a-id", input: str("hello"), output: str("hello"), triggers_replace: null }, sensitiveAttributes: [], dependencies: [] },
        { provider: BUILTIN },
      );
      for (const i of [0, 1]) {
        const n = { value: i, type: "number" };
        state.setInstance(
          `terraform_data.b[${i}]`,
          { schemaVersion: 0, attributes: { id: `b-${i}`, input: n, output: n, triggers_replace: null }, sensitiveAttributes: [], dependencies: [] },
          { provider: BUILTIN },
        );
      }
      writeFileSync(join(own, "terraform.tfstate"), encodeStateV4(state));
      const plan = terraformOk(own, ["plan", "-detailed-exitcode", "-input=false"]);
      expect(plan.stdout).toContain("No changes.");
      const shown = JSON.parse(terraformOk(own, ["show", "-json"]).stdout) as {
        values: { root_module: { resources: { address: string; values: { id: string } }[] } };
      };
      expect(shown.values.root_module.resources.map((r) => [r.address, r.values.id])).toEqual([
        ["terraform_data.a", "a-id"],
        ["terraform_data.b[0]", "b-0"],
        ["terraform_data.b[1]", "b-1"],
      ]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("Terraform understands tainted, deposed, private, sensitive paths and dependencies as backplan writes them", () => {
    const own = terraformWorkdir({
      "main.tf":
        'resource "terraform_data" "base" {\n  input = "b"\n}\nresource "terraform_data" "other" {\n  input = "o"\n}\n' +
        'resource "terraform_data" "app" {\n  input = { token = "t" }\n  depends_on = [terraform_data.other]\n}\n',
    });
    try {
      terraformOk(own, ["init", "-input=false"]);
      const state = new State({ serial: 3 });
      const str = (v: string) => ({ value: v, type: "string" });
      const tok = { value: { token: "t" }, type: ["object", { token: "string" }] };
      state.setInstance(
        "terraform_data.base",
        { schemaVersion: 0, attributes: { id: "base-id", input: str("b"), output: str("b"), triggers_replace: null }, sensitiveAttributes: [], dependencies: [], status: "tainted" },
        { provider: BUILTIN },
      );
      state.setInstance(
        "terraform_data.other",
        { schemaVersion: 0, attributes: { id: "other-id", input: str("o"), output: str("o"), triggers_replace: null }, sensitiveAttributes: [], dependencies: [] },
        { provider: BUILTIN },
      );
      const app = {
        schemaVersion: 0,
        attributes: { id: "app-id", input: tok, output: tok, triggers_replace: null },
        sensitiveAttributes: [[{ type: "get_attr" as const, value: "input" }, { type: "get_attr" as const, value: "token" }]],
        private: Buffer.from('{"note":"opaque"}').toString("base64"),
        dependencies: ["terraform_data.other"],
      };
      state.setInstance("terraform_data.app", app, { provider: BUILTIN });
      state.setInstance("terraform_data.app", { ...app, attributes: { ...app.attributes, id: "old-app-id" } }, { deposed: "0123abcd" });
      writeFileSync(join(own, "terraform.tfstate"), encodeStateV4(state));

      type Shown = { address: string; tainted?: boolean; deposed_key?: string; depends_on?: string[]; sensitive_values: unknown; values: { id: string } };
      const shown = JSON.parse(terraformOk(own, ["show", "-json"]).stdout) as { values: { root_module: { resources: Shown[] } } };
      const byId = Object.fromEntries(shown.values.root_module.resources.map((r) => [r.values.id, r]));
      expect(byId["base-id"]?.tainted).toBe(true);
      expect(byId["old-app-id"]?.deposed_key).toBe("0123abcd");
      expect(byId["app-id"]?.sensitive_values).toEqual({ input: { token: true }, output: {} });
      expect(byId["app-id"]?.depends_on).toEqual(["terraform_data.other"]);

      const plan = terraformOk(own, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], [2]);
      expect(plan.stdout).toContain("terraform_data.base is tainted, so must be replaced");
      expect(plan.stdout).toMatch(/terraform_data\.app \(deposed object 0123abcd\) will be destroyed/);
      // The sensitive path was read: Terraform warns that this config no longer marks input.token sensitive.
      expect(plan.stdout).toContain("will no longer be marked as sensitive");
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("a journaled session on Terraform's state folds into a file Terraform reads, same lineage, serial + 1", async () => {
    const before = decodeStateV4(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    const session = await openLocalState({ dir });
    expect(session.stamp()).toEqual({ lineage: before.lineage, serial: before.serial });
    await session.removeInstance("terraform_data.checkpoint[1]");
    await session.setOutput("extra", { value: ["a", "b"], type: ["tuple", ["string", "string"]], sensitive: false });
    await session.close();
    const after = decodeStateV4(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    expect(after.lineage).toBe(before.lineage);
    expect(after.serial).toBe(before.serial + 1);
    expect(readFileSync(join(dir, "terraform.tfstate.backup"), "utf8")).toBe(encodeStateV4(before));

    const shown = JSON.parse(terraformOk(dir, ["show", "-json"]).stdout) as { values: { outputs: Record<string, { value: unknown }> } };
    expect(shown.values.outputs.extra?.value).toEqual(["a", "b"]);
    const plan = terraformOk(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], [2]);
    expect(plan.stdout).toContain("terraform_data.checkpoint[1] will be created");
    expect(plan.stdout).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);

    // Terraform applies on top of what backplan wrote and keeps the lineage.
    terraformOk(dir, ["apply", "-auto-approve", "-input=false"]);
    const again = decodeStateV4(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    expect(again.lineage).toBe(before.lineage);
    expect(again.serial).toBeGreaterThan(after.serial);
    expect(again.getInstance("terraform_data.checkpoint[1]")).toBeDefined();
  });
});

describe("Terraform's lock is honoured", () => {
  it("while terraform apply holds the state lock, opening the state fails with Terraform's lock info", async () => {
    const bin = requireTerraform();
    const dir = terraformWorkdir({
      "main.tf": 'resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "sleep 4"\n  }\n}\n',
    });
    try {
      terraformOk(dir, ["init", "-input=false"]);
      const apply = spawn(bin, ["apply", "-auto-approve", "-input=false"], { cwd: dir, env: terraformEnv(dir), stdio: "ignore" });
      const exited = new Promise((r) => apply.once("exit", r));
      const statePath = join(dir, "terraform.tfstate");
      for (let i = 0; i < 400 && !(await readLockInfo(statePath)); i++) await new Promise((r) => setTimeout(r, 25));
      const err = await openLocalState({ path: statePath }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockError);
      const holder = (err as LockError).holder;
      expect(holder).toMatchObject({ Operation: "OperationTypeApply", Version: "1.11.4", Path: "terraform.tfstate" });
      expect((err as LockError).message).toContain(`  ID:        ${holder?.ID}`);
      await exited;
      expect(apply.exitCode).toBe(0);
      const s = await openLocalState({ path: statePath });
      expect(s.snapshot().instanceAddresses()).toEqual(["terraform_data.slow"]);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
