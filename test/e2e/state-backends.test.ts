import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { applyKilledAfterCreates, backplan, cliEnv, finished, startBackplan, stateInstances, terraform, workdir, type TfState } from "./plan-harness.js";
import { startPostgres, type Postgres } from "../support/postgres.js";

// Terraform 1.11 and backplan share one state through each backend. Every step is a child process.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 120_000 });

const CONFIG = (backend: string, input: string) => `terraform {
${backend}
}

resource "terraform_data" "a" {
  input = "${input}-\${terraform.workspace}"
}

resource "terraform_data" "b" {
  input = terraform_data.a.output
}

output "ws" {
  value = terraform_data.a.output
}
`;

const dirs: string[] = [];
function dir(mainTf: string): string {
  const d = workdir(mainTf);
  dirs.push(d);
  return d;
}

function tfOk(args: string[], cwd: string, codes = [0]): string {
  const r = terraform(args, cwd);
  if (!codes.includes(r.code ?? -1)) throw new Error(`terraform ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function bpOk(args: string[], cwd: string, codes = [0], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await backplan([...args], cwd, env ? { env } : {});
  if (!codes.includes(r.code ?? -1)) throw new Error(`backplan ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Resolves once `child` printed `text` (on stdout or stderr). */
function waitFor(child: ChildProcess, text: string): Promise<void> {
  return new Promise((res, rej) => {
    let seen = "";
    const on = (d: Buffer | string) => {
      seen += d.toString();
      if (seen.includes(text)) res();
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", on);
    child.on("close", () => rej(new Error(`exited before printing ${JSON.stringify(text)}:\n${seen}`)));
  });
}

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Waits until some session holds an advisory lock in the database (Terraform's lock is taken asynchronously). */
async function advisoryLockHeld(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const r = await c.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted");
      if (r.rowCount) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error("no advisory lock is held");
  } finally {
    await c.end();
  }
}

async function pgStates(url: string): Promise<Map<string, TfState>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string; data: string }>("SELECT name, data FROM terraform_remote_state.states ORDER BY name");
    return new Map(r.rows.map((x) => [x.name, JSON.parse(x.data) as TfState]));
  } finally {
    await c.end();
  }
}

describe("pg backend shared with Terraform 1.11", () => {
  it("Terraform applies, backplan plans no-op, backplan applies a change, Terraform plans no-op; locks exclude each other", async () => {
    const url = await server.createDatabase("shared");
    const d = dir(CONFIG('  backend "pg" {}', "one"));
    tfOk(["init", "-input=false", `-backend-config=conn_str=${url}`], d);
    tfOk(["apply", "-auto-approve", "-input=false"], d);
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);

    // backplan reads the backend terraform init recorded (conn_str only in .terraform/terraform.tfstate).
    const plan = await backplan(["plan", "-detailed-exitcode", "-input=false", "-no-color"], d);
    expect(plan.code, plan.stderr + plan.stdout).toBe(0);
    expect(plan.stdout).toContain("No changes.");

    writeFileSync(join(d, "main.tf"), CONFIG('  backend "pg" {}', "two"));
    const applied = await bpOk(["apply", "-auto-approve", "-input=false", "-no-color"], d);
    expect(applied).toContain("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    const stored = (await pgStates(url)).get("default")!;
    expect(stateInstances(stored).get("terraform_data.a")?.input).toEqual({ value: "two-default", type: "string" });

    // Terraform holds the lock (an apply waiting for its "yes"): backplan fails with Terraform's lock error.
    writeFileSync(join(d, "main.tf"), CONFIG('  backend "pg" {}', "three"));
    const tf = spawn("terraform", ["apply"], { cwd: d, env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] });
    const tfDone = finished(tf, null);
    await waitFor(tf, "Enter a value");
    await advisoryLockHeld(url);
    const blocked = await backplan(["plan", "-input=false", "-no-color"], d);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("Error acquiring the state lock");
    expect(blocked.stderr).toContain("Workspace is already locked: default");
    tf.stdin.end("no\n");
    await tfDone;

    // backplan holds it (apply waiting for its "yes"): Terraform fails the same way.
    const bp = startBackplan(["apply", "-input=false", "-no-color"], d);
    const bpDone = finished(bp, null);
    await waitFor(bp, "Enter a value");
    const tfBlocked = terraform(["plan", "-input=false", "-lock-timeout=0s"], d);
    expect(tfBlocked.code).toBe(1);
    expect(tfBlocked.stderr).toContain("Error acquiring the state lock");
    bp.stdin!.end("no\n");
    await bpDone;
  });

  it("workspaces default and dev are separate and interchangeable between the tools", async () => {
    const url = await server.createDatabase("workspaces");
    const d = dir(CONFIG('  backend "pg" {}', "w"));
    await bpOk(["init", "-input=false", `-backend-config=conn_str=${url}`], d);
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    await bpOk(["workspace", "new", "dev"], d);
    expect((await bpOk(["workspace", "show"], d)).trim()).toBe("dev");
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    // Terraform sees both workspaces, in the directory backplan initialised, and plans no changes in each.
    expect(tfOk(["workspace", "list"], d)).toMatch(/ {2}default\n\* dev/);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    tfOk(["workspace", "select", "default"], d);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    expect(tfOk(["output", "-raw", "ws"], d)).toBe("w-default");
    // Terraform creates a workspace; backplan works in it via TF_WORKSPACE.
    tfOk(["workspace", "new", "qa"], d);
    tfOk(["apply", "-auto-approve", "-input=false"], d);
    const qa = await backplan(["plan", "-detailed-exitcode", "-no-color"], d, { env: cliEnv({ TF_WORKSPACE: "qa" }) });
    expect(qa.code, qa.stderr).toBe(0);
    expect((await bpOk(["output", "-raw", "ws"], d)).trim()).toBe("w-qa");
    const states = await pgStates(url);
    expect([...states.keys()]).toEqual(["default", "dev", "qa"]);
    expect(stateInstances(states.get("dev")!).get("terraform_data.a")?.input).toEqual({ value: "w-dev", type: "string" });
    expect(stateInstances(states.get("dev")!).get("terraform_data.a")?.id).not.toBe(stateInstances(states.get("default")!).get("terraform_data.a")?.id);
    expect((await bpOk(["workspace", "list"], d))).toBe("  default\n  dev\n* qa\n\n");
  });

  it("init -migrate-state copies every workspace from local to pg", async () => {
    const url = await server.createDatabase("migrate");
    const d = dir(CONFIG("", "m"));
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    await bpOk(["workspace", "new", "dev"], d);
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    const localIds = [
      stateInstances(JSON.parse(readFileSync(join(d, "terraform.tfstate"), "utf8")) as TfState).get("terraform_data.a")?.id,
      stateInstances(JSON.parse(readFileSync(join(d, "terraform.tfstate.d/dev/terraform.tfstate"), "utf8")) as TfState).get("terraform_data.a")?.id,
    ];
    writeFileSync(join(d, "main.tf"), CONFIG('  backend "pg" {}', "m"));
    // The backend changed: every command says to run init; init itself asks for -migrate-state or -reconfigure.
    const refused = await backplan(["plan", "-no-color"], d, { env: cliEnv({ PG_CONN_STR: url }) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("backplan init -migrate-state");
    const initRefused = await backplan(["init", "-input=false", `-backend-config=conn_str=${url}`], d);
    expect(initRefused.code).toBe(1);
    expect(initRefused.stderr).toContain("-migrate-state");
    await bpOk(["init", "-input=false", "-migrate-state", `-backend-config=conn_str=${url}`], d);
    const states = await pgStates(url);
    expect([...states.keys()]).toEqual(["default", "dev"]);
    expect([stateInstances(states.get("default")!).get("terraform_data.a")?.id, stateInstances(states.get("dev")!).get("terraform_data.a")?.id]).toEqual(localIds);
    // Both tools plan no changes in both workspaces.
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    tfOk(["workspace", "select", "default"], d);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    const plan = await backplan(["plan", "-detailed-exitcode", "-no-color"], d);
    expect(plan.code, plan.stderr).toBe(0);
  });

  it("SIGKILL during an apply on pg loses and duplicates nothing", async () => {
    const url = await server.createDatabase("crash");
    const N = 3000; // the apply walks 64 × parallelism nodes at once: enough that the kill lands mid-way
    const body = Array.from({ length: N }, (_, i) => `resource "terraform_data" "r${i}" {\n  input = "v${i}"\n}\n`).join("\n");
    const d = dir(`terraform {\n  backend "pg" {}\n}\n\n${body}`);
    await bpOk(["init", "-input=false", `-backend-config=conn_str=${url}`], d);
    expect(await applyKilledAfterCreates(d, 80)).toBe(null);
    // The journal is local (under .terraform/), the advisory lock died with the connection: the next run replays
    // the journal into pg and plans exactly the rest.
    const plan = await backplan(["plan", "-detailed-exitcode", "-no-color"], d);
    expect(plan.code, plan.stderr).toBe(2);
    const after = stateInstances((await pgStates(url)).get("default")!);
    expect(after.size).toBeGreaterThanOrEqual(80); // "Creation complete" is printed once the change is durable
    expect(after.size).toBeLessThan(N);
    expect(new Set([...after.values()].map((a) => a.id)).size).toBe(after.size);
    expect(plan.stdout).toContain(`Plan: ${N - after.size} to add, 0 to change, 0 to destroy.`);
    await bpOk(["apply", "-auto-approve", "-no-color"], d);
    const final = stateInstances((await pgStates(url)).get("default")!);
    expect(final.size).toBe(N);
    for (const [addr, attrs] of after) expect(final.get(addr)?.id).toBe(attrs.id);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
  });
});

describe("local backend with a path, shared with Terraform 1.11", () => {
  it("Terraform applies, backplan plans no-op and applies a change, Terraform plans no-op; Terraform's lock stops backplan", async () => {
    const backend = '  backend "local" {\n    path = "state/team.tfstate"\n  }';
    const d = dir(CONFIG(backend, "l1"));
    tfOk(["init", "-input=false"], d);
    tfOk(["apply", "-auto-approve", "-input=false"], d);
    expect(existsSync(join(d, "state/team.tfstate"))).toBe(true);
    const plan = await backplan(["plan", "-detailed-exitcode", "-input=false", "-no-color"], d);
    expect(plan.code, plan.stderr).toBe(0);
    writeFileSync(join(d, "main.tf"), CONFIG(backend, "l2"));
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
    // Workspaces: backplan's dev is Terraform's dev.
    await bpOk(["workspace", "new", "dev"], d);
    await bpOk(["apply", "-auto-approve", "-input=false"], d);
    expect(existsSync(join(d, "terraform.tfstate.d/dev/terraform.tfstate"))).toBe(true);
    expect(tfOk(["output", "-raw", "ws"], d)).toBe("l2-dev");
    tfOk(["workspace", "select", "default"], d);

    writeFileSync(join(d, "main.tf"), CONFIG(backend, "l3"));
    const tf = spawn("terraform", ["apply"], { cwd: d, env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] });
    const tfDone = finished(tf, null);
    await waitFor(tf, "Enter a value");
    const blocked = await backplan(["plan", "-input=false", "-no-color"], d);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("Error acquiring the state lock");
    expect(blocked.stderr).toMatch(/Lock Info:\n\s+ID:\s+[0-9a-f-]{36}/);
    tf.stdin.end("no\n");
    await tfDone;

    // backplan holds it (apply waiting for its "yes"): Terraform's fcntl lock fails and it prints backplan's Lock Info.
    const bp = startBackplan(["apply", "-input=false", "-no-color"], d);
    const bpDone = finished(bp, null);
    await waitFor(bp, "Enter a value");
    const tfBlocked = terraform(["plan", "-input=false", "-lock-timeout=0s", "-no-color"], d);
    expect(tfBlocked.code).toBe(1);
    expect(tfBlocked.stderr).toContain("Error acquiring the state lock");
    expect(tfBlocked.stderr).toMatch(/Lock Info:\s+ID:\s+[0-9a-f-]{36}\s+Path:\s+\S*team\.tfstate\s+Operation:\s+OperationTypeApply/);
    bp.stdin!.end("yes\n");
    await bpDone;
    tfOk(["plan", "-detailed-exitcode", "-input=false"], d);
  });
});
