import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalState } from "../../src/state/local-backend.js";
import { addressesOf, backplan, ensureBuilt, readState, terraformShowJson, workdir } from "./cli-harness.js";

/**
 * `backplan state list|show|rm|mv|pull|push` and `force-unlock`, driven as a child process on a state made by a
 * real `backplan apply`; every state they write is read back by the `terraform` binary.
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
  input = "b\${count.index}"
}
resource "terraform_data" "c" {
  for_each = toset(["k1"])
  input    = var.secret
}
module "m" {
  source = "./mod"
}
output "plain" {
  value = terraform_data.a.output
}
`,
  "mod/main.tf": `resource "terraform_data" "inner" {\n  input = 5\n}\n`,
};

const ALL = ['terraform_data.a', 'terraform_data.b[0]', 'terraform_data.b[1]', 'terraform_data.c["k1"]', "module.m.terraform_data.inner"];

let template: string;
const dirs: string[] = [];

/** A copy of the applied template directory, for one test to change as it likes. */
function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-cli-state-"));
  cpSync(template, dir, { recursive: true });
  dirs.push(dir);
  return dir;
}

const lines = (s: string) => s.split("\n").filter((l) => l !== "");

beforeAll(async () => {
  ensureBuilt();
  template = workdir(CONFIG);
  dirs.push(template);
  const applied = await backplan(["apply", "-auto-approve"], template);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
}, 240_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("backplan state list", () => {
  it("lists every instance in Terraform's order, and filters by resource, instance, module and -id", async () => {
    const dir = fresh();
    expect(lines((await backplan(["state", "list"], dir)).stdout)).toEqual(ALL);
    expect(lines((await backplan(["state", "list", "terraform_data.b"], dir)).stdout)).toEqual(["terraform_data.b[0]", "terraform_data.b[1]"]);
    expect(lines((await backplan(["state", "list", 'terraform_data.c["k1"]', "module.m"], dir)).stdout)).toEqual(['terraform_data.c["k1"]', "module.m.terraform_data.inner"]);
    const id = readState(dir).resources.find((r) => r.name === "a")!.instances[0]!.attributes["id"] as string;
    expect(lines((await backplan(["state", "list", `-id=${id}`], dir)).stdout)).toEqual(["terraform_data.a"]);
  });

  it("fails on an address the state does not hold, a bad address, and a missing state file", async () => {
    const dir = fresh();
    const unknown = await backplan(["state", "list", "terraform_data.nope"], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("The current state contains no resource terraform_data.nope");
    const bad = await backplan(["state", "list", "terraform_data."], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid address "terraform_data."');
    const empty = workdir({});
    dirs.push(empty);
    const none = await backplan(["state", "list"], empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("No state file was found!");
  });

  it("reads another state file with -state=PATH", async () => {
    const dir = fresh();
    const other = workdir({});
    dirs.push(other);
    const r = await backplan(["state", "list", `-state=${join(dir, "terraform.tfstate")}`], other);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(ALL);
  });
});

describe("backplan state show", () => {
  it("prints one instance as Terraform does, masking sensitive attributes unless -show-sensitive", async () => {
    const dir = fresh();
    const id = readState(dir).resources.find((r) => r.name === "c")!.instances[0]!.attributes["id"] as string;
    const r = await backplan(["state", "show", 'terraform_data.c["k1"]'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`# terraform_data.c["k1"]:\nresource "terraform_data" "c" {\n    id     = "${id}"\n    input  = (sensitive value)\n    output = "s3cr3t"\n}\n`);
    const clear = await backplan(["state", "show", "-show-sensitive", 'terraform_data.c["k1"]'], dir);
    expect(clear.stdout).toContain('input  = "s3cr3t"');
  });

  it("fails for a whole resource with several instances, an address not in state, and bad syntax", async () => {
    const dir = fresh();
    for (const addr of ["terraform_data.b", "terraform_data.zz"]) {
      const r = await backplan(["state", "show", addr], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("No instance found for the given address!");
    }
    const bad = await backplan(["state", "show", "terraform_data.b[x]"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Invalid address");
    const noArg = await backplan(["state", "show"], dir);
    expect(noArg.code).toBe(1);
    expect(noArg.stderr).toContain("Usage: backplan state show");
  });
});

describe("backplan state rm", () => {
  it("removes instances, resources and modules, keeps the previous file as .backup, and Terraform reads the result", async () => {
    const dir = fresh();
    const before = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const serial = readState(dir).serial;
    const r = await backplan(["state", "rm", "terraform_data.b", "module.m"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Removed terraform_data.b[0]\nRemoved terraform_data.b[1]\nRemoved module.m.terraform_data.inner\n");
    expect(r.stdout).toContain("Successfully removed 3 resource instance(s).");
    expect(readFileSync(join(dir, "terraform.tfstate.backup"), "utf8")).toBe(before);
    expect(readState(dir).serial).toBe(serial + 1);
    expect(existsSync(join(dir, ".terraform.tfstate.lock.info"))).toBe(false);
    const tf = terraformShowJson(join(dir, "terraform.tfstate"));
    expect(addressesOf(tf.values?.root_module).sort()).toEqual(['terraform_data.a', 'terraform_data.c["k1"]']);
    // The resources are forgotten, not destroyed: a plan now creates them again.
    const plan = await backplan(["plan", "-no-color"], dir);
    expect(plan.stdout).toContain("Plan: 3 to add, 0 to change, 0 to destroy.");
  });

  it("changes nothing with -dry-run, or when an address matches nothing", async () => {
    const dir = fresh();
    const before = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const dry = await backplan(["state", "rm", "-dry-run", "terraform_data.a"], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe("Would remove terraform_data.a\n");
    const miss = await backplan(["state", "rm", "terraform_data.a", "terraform_data.nope"], dir);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain("No matching objects found for terraform_data.nope");
    expect(readFileSync(join(dir, "terraform.tfstate"), "utf8")).toBe(before);
    expect(existsSync(join(dir, "terraform.tfstate.backup"))).toBe(false);
  });
});

describe("backplan state mv", () => {
  it("moves an instance, a whole resource and a module; Terraform reads the result", async () => {
    const dir = fresh();
    const idOf = (addr: string) => {
      const tf = terraformShowJson(join(dir, "terraform.tfstate"));
      const all = [...(tf.values?.root_module.resources ?? []), ...(tf.values?.root_module.child_modules ?? []).flatMap((m) => m.resources ?? [])];
      return all.find((r) => r.address === addr)?.values["id"];
    };
    const aId = idOf("terraform_data.a");
    const b1 = idOf("terraform_data.b[1]");
    let r = await backplan(["state", "mv", "terraform_data.a", "terraform_data.z"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Move "terraform_data.a" to "terraform_data.z"\nSuccessfully moved 1 object(s).\n');
    r = await backplan(["state", "mv", "terraform_data.b", "terraform_data.bb"], dir);
    expect(r.stdout).toContain("Successfully moved 2 object(s).");
    r = await backplan(["state", "mv", "module.m", "module.n"], dir);
    expect(r.code, r.stderr).toBe(0);
    r = await backplan(["state", "mv", "terraform_data.bb[0]", "module.n.terraform_data.q"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(idOf("terraform_data.z")).toBe(aId);
    expect(idOf("terraform_data.bb[1]")).toBe(b1);
    expect(addressesOf(terraformShowJson(join(dir, "terraform.tfstate")).values?.root_module).sort()).toEqual(
      ["module.n.terraform_data.inner", "module.n.terraform_data.q", "terraform_data.bb[1]", 'terraform_data.c["k1"]', "terraform_data.z"].sort(),
    );
  });

  it("refuses to overwrite, to change type, and a source that matches nothing; -dry-run writes nothing", async () => {
    const dir = fresh();
    const before = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const cases: [string[], string][] = [
      [["terraform_data.a", "terraform_data.b[1]"], "Cannot move to terraform_data.b[1]: there is already a resource instance at that address"],
      [["terraform_data.a", 'terraform_data.c["k1"]'], "there is already a resource instance at that address"],
      [["terraform_data.b", "terraform_data.c"], "Cannot move to terraform_data.c: there is already a resource at that address"],
      [["terraform_data.a", "other_type.a"], "resource types don't match"],
      [["terraform_data.nope", "terraform_data.x"], "Cannot move terraform_data.nope: does not match anything in the current state."],
      [["terraform_data.b", "terraform_data.x[0]"], "the resource has 2 instances"],
    ];
    for (const [args, message] of cases) {
      const r = await backplan(["state", "mv", ...args], dir);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(message);
    }
    const dry = await backplan(["state", "mv", "-dry-run", "terraform_data.a", "terraform_data.y"], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('Would move "terraform_data.a" to "terraform_data.y"\n');
    expect(readFileSync(join(dir, "terraform.tfstate"), "utf8")).toBe(before);
  });
});

describe("backplan state pull / push", () => {
  it("pulls the state file JSON, and prints nothing without a state", async () => {
    const dir = fresh();
    const r = await backplan(["state", "pull"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")));
    const empty = workdir({});
    dirs.push(empty);
    const none = await backplan(["state", "pull"], empty);
    expect(none).toMatchObject({ code: 0, stdout: "" });
  });

  it("pushes a newer state of the same lineage, refuses an older one or another lineage unless -force", async () => {
    const dir = fresh();
    const current = readState(dir);
    const original = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const withSerial = (serial: number, lineage = current.lineage) => {
      const file = join(dir, `push-${serial}-${lineage}.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(original), serial, lineage, resources: [] }));
      return file;
    };
    const older = await backplan(["state", "push", withSerial(current.serial - 1)], dir);
    expect(older.code).toBe(1);
    expect(older.stderr).toContain(`cannot import state with serial ${current.serial - 1} over newer state with serial ${current.serial}`);
    const other = await backplan(["state", "push", withSerial(50, "another-lineage")], dir);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`cannot import state with lineage "another-lineage" over unrelated state with lineage "${current.lineage}"`);
    expect(readFileSync(join(dir, "terraform.tfstate"), "utf8")).toBe(original);

    const newer = await backplan(["state", "push", withSerial(100)], dir);
    expect(newer.code, newer.stderr).toBe(0);
    expect(readState(dir)).toMatchObject({ serial: 101, lineage: current.lineage, resources: [] });
    expect(readFileSync(join(dir, "terraform.tfstate.backup"), "utf8")).toBe(original);
    expect(addressesOf(terraformShowJson(join(dir, "terraform.tfstate")).values?.root_module)).toEqual([]);

    const forced = await backplan(["state", "push", "-force", withSerial(3, "another-lineage")], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readState(dir)).toMatchObject({ serial: 3, lineage: "another-lineage" });
  });

  it("pushes from standard input, and rejects a file that is not a state", async () => {
    const dir = fresh();
    const original = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    const s = JSON.parse(original) as { serial: number; resources: unknown[] };
    const piped = await backplan(["state", "push", "-"], dir, { stdin: JSON.stringify({ ...s, resources: s.resources.slice(0, 1) }) });
    expect(piped.code, piped.stderr).toBe(0);
    expect(readState(dir).resources).toHaveLength(1);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ version: 3 }));
    const bad = await backplan(["state", "push", "bad.json"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error reading source state "bad.json"');
    expect(bad.stderr).toContain("state format version 3 is not supported");
    const missing = await backplan(["state", "push", "nope.json"], dir);
    expect(missing.code).toBe(1);
  });
});

describe("state locking and force-unlock", () => {
  const lockFile = (dir: string) => join(dir, ".terraform.tfstate.lock.info");
  const holdLock = (dir: string, id: string) =>
    writeFileSync(lockFile(dir), JSON.stringify({ ID: id, Operation: "OperationTypeApply", Info: "", Who: "someone@elsewhere", Version: "1.11.4", Created: "2026-11-25T10:00:00Z", Path: "terraform.tfstate" }));

  it("refuses to write while another run holds the lock, then force-unlock with the right ID frees it", async () => {
    const dir = fresh();
    const id = "5f0d1e2a-0000-4000-8000-000000000001";
    holdLock(dir, id);
    const blocked = await backplan(["state", "rm", "terraform_data.a"], dir);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("Error acquiring the state lock");
    expect(blocked.stderr).toContain(`ID:        ${id}`);
    const wrong = await backplan(["force-unlock", "-force", "not-the-id"], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('lock ID "not-the-id" does not match existing lock ID');
    const declined = await backplan(["force-unlock", id], dir, { stdin: "no\n" });
    expect(declined.code).toBe(1);
    expect(existsSync(lockFile(dir))).toBe(true);
    const noAnswer = await backplan(["force-unlock", id], dir, { stdin: "" });
    expect(noAnswer.code).toBe(1);
    expect(noAnswer.stderr).toContain("force-unlock cancelled");
    expect(existsSync(lockFile(dir))).toBe(true);
    const unlocked = await backplan(["force-unlock", id], dir, { stdin: "yes\n" });
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toContain("backplan state has been successfully unlocked!");
    expect(existsSync(lockFile(dir))).toBe(false);
    const again = await backplan(["force-unlock", "-force", id], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is not locked");
    expect((await backplan(["state", "rm", "terraform_data.a"], dir)).code).toBe(0);
  });

  it("waits up to -lock-timeout for the lock", async () => {
    const dir = fresh();
    holdLock(dir, "5f0d1e2a-0000-4000-8000-000000000002");
    setTimeout(() => unlinkSync(lockFile(dir)), 1500);
    const r = await backplan(["state", "mv", "-lock-timeout=30s", "terraform_data.a", "terraform_data.w"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(lines((await backplan(["state", "list", "terraform_data.w"], dir)).stdout)).toEqual(["terraform_data.w"]);
  });
});

describe("a run that crashed mid-apply", () => {
  it("its journaled changes are seen by list, show and pull, and folded into the file by the next write", async () => {
    const dir = fresh();
    const path = join(dir, "terraform.tfstate");
    const serial = readState(dir).serial;
    // A run records an instance (journal line fsync'd), then dies without folding or releasing its lock.
    const crashed = await openLocalState({ path, foldIntervalMs: 0 });
    const lockId = crashed.lockInfo!.ID;
    await crashed.setInstance("terraform_data.late", { schemaVersion: 0, attributes: { id: "late-id", input: null, output: null, triggers_replace: null }, sensitiveAttributes: [], dependencies: [] }, { provider: 'provider["terraform.io/builtin/terraform"]' });
    expect(existsSync(join(dir, "terraform.tfstate.journal"))).toBe(true);
    expect(readState(dir).serial).toBe(serial);

    expect(lines((await backplan(["state", "list", "terraform_data.late"], dir)).stdout)).toEqual(["terraform_data.late"]);
    expect((await backplan(["state", "show", "terraform_data.late"], dir)).stdout).toContain('id = "late-id"');
    expect(JSON.stringify(JSON.parse((await backplan(["state", "pull"], dir)).stdout))).toContain("late-id");
    const blocked = await backplan(["state", "rm", "terraform_data.a"], dir);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(lockId);

    expect((await backplan(["force-unlock", "-force", lockId], dir)).code).toBe(0);
    const rm = await backplan(["state", "rm", "terraform_data.a"], dir);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(join(dir, "terraform.tfstate.journal"))).toBe(false);
    const after = readState(dir);
    expect(after.resources.map((r) => r.name).sort()).toEqual(["b", "c", "inner", "late"]);
    expect(addressesOf(terraformShowJson(path).values?.root_module)).toContain("terraform_data.late");
  });
});

describe("a damaged state file", () => {
  it("every state-reading command names the file and the problem, and exits 1", async () => {
    const dir = fresh();
    const text = readFileSync(join(dir, "terraform.tfstate"), "utf8");
    writeFileSync(join(dir, "terraform.tfstate"), text.replace('"schema_version": 0', '"schema_version": "zero"'));
    for (const args of [["state", "list"], ["state", "show", "terraform_data.a"], ["state", "rm", "terraform_data.a"], ["state", "pull"], ["show"], ["show", "-json"], ["output"]]) {
      const r = await backplan(args, dir);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toMatch(/Failed to load state\n\n.*terraform\.tfstate: invalid state: resources\[0\]\.instances\[0\]\.schema_version/);
    }
  });
});
