import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backplan, finished, readState, startBackplan, stateInstances, workdir, writeMain } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const V1 = `
resource "terraform_data" "a" {
  input = "one"
}
`;
const V2 = V1.replace('"one"', '"two"');

describe("apply PLANFILE applies exactly that plan, onto exactly that state", () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir(V1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("applies a saved plan made with no state, and the plan's variables with it", async () => {
    writeMain(dir, `variable "v" {\n  type = string\n}\n${V1.replace('"one"', "var.v")}`);
    const p = await backplan(["plan", "-out=p1", "-no-color", "-var", "v=from-plan"], dir);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain('Saved the plan to: p1');
    const a = await backplan(["apply", "-no-color", "p1"], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    expect(stateInstances(readState(dir)).get("terraform_data.a")!.input).toEqual({ value: "from-plan", type: "string" });
    writeMain(dir, V1);
    expect((await backplan(["apply", "-auto-approve"], dir)).code).toBe(0);
  });

  it("refuses a plan whose state serial moved (Saved plan is stale)", async () => {
    writeMain(dir, V2);
    expect((await backplan(["plan", "-out=p2"], dir)).code).toBe(0);
    writeMain(dir, V1.replace('"one"', '"three"'));
    expect((await backplan(["apply", "-auto-approve"], dir)).code).toBe(0);
    writeMain(dir, V2);
    const serial = readState(dir).serial;
    const r = await backplan(["apply", "-no-color", "p2"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Saved plan is stale");
    expect(readState(dir).serial).toBe(serial);
  });

  it("refuses a plan made from another state lineage", async () => {
    expect((await backplan(["plan", "-out=p3"], dir)).code).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as { lineage: string };
    state.lineage = "00000000-1111-2222-3333-444444444444";
    writeFileSync(join(dir, "terraform.tfstate"), JSON.stringify(state));
    const r = await backplan(["apply", "-no-color", "p3"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Saved plan does not match the given state");
    expect(r.stderr).toContain("different state lineage");
  });

  it("refuses a plan when the configuration changed after it was made", async () => {
    expect((await backplan(["plan", "-out=p4"], dir)).code).toBe(0);
    writeMain(dir, V1.replace('"one"', '"four"'));
    const r = await backplan(["apply", "-no-color", "p4"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Saved plan does not match the configuration");
  });

  it("apply without -auto-approve asks, and anything but yes cancels", async () => {
    const r = await finished(startBackplan(["apply", "-no-color"], dir), "no\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Only 'yes' will be accepted to approve.");
    expect(r.stderr).toContain("Apply cancelled.");
    const y = await finished(startBackplan(["apply", "-no-color"], dir), "yes\n");
    expect(y.code, y.stderr).toBe(0);
    expect(stateInstances(readState(dir)).get("terraform_data.a")!.input).toEqual({ value: "four", type: "string" });
  });

  it("a second run fails at once with the lock holder's info, or waits for it with -lock-timeout", async () => {
    writeMain(dir, V1.replace('"one"', '"five"'));
    // An apply waiting at its confirmation prompt holds the state lock.
    const holder = startBackplan(["apply", "-no-color"], dir);
    const held = finished(holder, null);
    let out = "";
    holder.stdout!.on("data", (d: Buffer | string) => (out += d.toString()));
    for (let i = 0; i < 600 && !out.includes("Enter a value"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("Enter a value");
    const fail = await backplan(["plan", "-no-color"], dir);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain("Error acquiring the state lock");
    expect(fail.stderr).toContain("Lock Info:");
    expect(fail.stderr).toContain("OperationTypeApply");
    const waiter = backplan(["plan", "-no-color", "-lock-timeout=120s", "-detailed-exitcode"], dir);
    await new Promise((r) => setTimeout(r, 3000));
    holder.stdin!.end("no\n");
    expect((await held).code).toBe(1);
    const w = await waiter;
    expect(w.stderr).toBe("");
    expect(w.code).toBe(2);
  });
});
