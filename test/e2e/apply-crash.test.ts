import { afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { backplan, finished, readState, startBackplan, stateInstances, workdir } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const N = 2000;
const CONFIG = Array.from({ length: N }, (_, i) => `resource "terraform_data" "r${i}" {\n  input = "v${i}"\n}\n`).join("\n");

/** Resolves once the child has printed `count` "Creation complete" lines. */
function afterCreates(child: ChildProcess, count: number): Promise<void> {
  return new Promise((res, rej) => {
    let seen = 0;
    let tail = "";
    child.stdout!.on("data", (d: Buffer | string) => {
      const text = tail + d.toString();
      const lines = text.split("\n");
      tail = lines.pop() ?? "";
      for (const l of lines) if (l.includes(": Creation complete")) seen++;
      if (seen >= count) res();
    });
    child.on("close", () => rej(new Error(`exited after ${seen} creates, before ${count}`)));
  });
}

function ids(dir: string): Map<string, unknown> {
  return new Map([...stateInstances(readState(dir))].map(([a, attrs]) => [a, attrs.id]));
}

describe("an interrupted apply of 2,000 instances loses nothing and duplicates nothing", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("kill -9 mid-apply: the next run replays the journal and creates exactly the rest", async () => {
    dir = workdir(CONFIG);
    const child = startBackplan(["apply", "-auto-approve", "-no-color"], dir);
    const done = finished(child);
    await afterCreates(child, 300);
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.code).toBe(null);
    expect(killed.stdout).not.toContain("Apply complete!");

    // The next command folds the journal into the state file before planning.
    const plan = await backplan(["plan", "-detailed-exitcode", "-no-color", "-lock=false"], dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(existsSync(join(dir, "terraform.tfstate.journal"))).toBe(false);
    const survived = ids(dir);
    expect(survived.size).toBeGreaterThanOrEqual(250); // group commit: a few in flight may be lost, never most
    expect(survived.size).toBeLessThan(N);
    expect(new Set(survived.values()).size).toBe(survived.size);
    const toAdd = N - survived.size;
    expect(plan.stdout).toContain(`Plan: ${toAdd} to add, 0 to change, 0 to destroy.`);

    // The killed run left its lock file behind, as Terraform's would: the user clears it, then applies.
    const again = await backplan(["apply", "-auto-approve", "-no-color", "-lock=false"], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Resources: ${toAdd} added, 0 changed, 0 destroyed.`);
    const all = ids(dir);
    expect(all.size).toBe(N);
    expect(new Set(all.values()).size).toBe(N);
    for (const [addr, id] of survived) expect(all.get(addr)).toBe(id);
  });

  it("Ctrl-C stops starting new work, lets running calls finish and saves the state", async () => {
    dir = workdir(CONFIG);
    const child = startBackplan(["apply", "-auto-approve", "-no-color"], dir);
    const done = finished(child);
    await afterCreates(child, 200);
    child.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Interrupt received");
    const completed = (r.stdout.match(/: Creation complete/g) ?? []).length;
    const saved = ids(dir);
    // Every create reported complete is in the state (nothing was left running), and nothing more.
    expect(saved.size).toBe(completed);
    expect(saved.size).toBeLessThan(N);
    expect(existsSync(join(dir, ".terraform.tfstate.lock.info"))).toBe(false);
    const plan = await backplan(["plan", "-detailed-exitcode", "-no-color"], dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain(`Plan: ${N - saved.size} to add, 0 to change, 0 to destroy.`);
  });
});
