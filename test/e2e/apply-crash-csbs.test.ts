import { rmSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, login } from "./engine-csbs-lab.js";
import { backplan, cliEnv, finished, readState, startBackplan, stateInstances, workdir } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 600_000, hookTimeout: 120_000 });

const N = 8;
/** Trials here; `BACKPLAN_CRASH_TRIALS` raises it for `npm run bench`-style soak runs. */
const TRIALS = Number(process.env.BACKPLAN_CRASH_TRIALS ?? 5);

const config = (vmUuid: string) => `
variable "endpoint" {
  type = string
}

provider "csbs" {
  auth_url         = "\${var.endpoint}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}

resource "csbs_backup_policy" "p" {
  count = ${N}
  name  = "crash-\${count.index}"

  resource {
    id   = "${vmUuid}"
    type = "OS::Nova::Server"
    name = "vm-\${count.index}"
  }

  scheduled_operation {
    operation_type  = "backup"
    max_backups     = 3
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}
`;

/** A small seeded generator (mulberry32): the kill points are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves right after the child printed its `count`-th "Creating..." line (a create call is then in flight). */
function afterCreating(child: ChildProcess, count: number): Promise<void> {
  return new Promise((res) => {
    let seen = 0;
    child.stdout!.on("data", (d: Buffer | string) => {
      seen += (d.toString().match(/: Creating\.\.\./g) ?? []).length;
      if (seen >= count) res();
    });
    child.on("close", () => res());
  });
}

describe("SIGKILL during an apply of CSBS policies (no client-chosen id): create-then-adopt", () => {
  let engine: TestEngine;
  let dir: string;
  const vars = () => ["-var", `endpoint=${engine.url}`];

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    dir = workdir(config(engine.context.inventory.vms.all()[0]!.uuid));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await engine.dispose();
  });

  async function remotePolicies(): Promise<{ id: string; name: string }[]> {
    const { token, projectId } = await login(engine.url, "demo", "password", "demo");
    const r = await call(engine.url, "GET", `/v1/${projectId}/policies?limit=1000`, { token });
    expect(r.status).toBe(200);
    return (r.body.policies as { id: string; name: string }[]).filter((p) => p.name.startsWith("crash-"));
  }

  it(`${TRIALS} seeded kills: the next apply adopts what the killed one created — 0 orphans, 0 duplicates, no CSBS.9007`, async () => {
    const next = rng(20261207);
    for (let trial = 0; trial < TRIALS; trial++) {
      const child = startBackplan(["apply", "-auto-approve", "-no-color", ...vars()], dir, cliEnv());
      const done = finished(child);
      await afterCreating(child, 1 + Math.floor(next() * N));
      await new Promise((r) => setTimeout(r, Math.floor(next() * 40)));
      child.kill("SIGKILL");
      await done;

      const again = await backplan(["apply", "-auto-approve", "-no-color", "-lock=false", ...vars()], dir);
      expect(again.code, `trial ${trial}: ${again.stderr}\n${again.stdout.slice(-3000)}`).toBe(0);
      expect(again.stdout + again.stderr).not.toContain("9007");
      const inState = [...stateInstances(readState(dir)).values()].map((a) => a.id as string).sort();
      const remote = await remotePolicies();
      expect(inState, `trial ${trial}`).toHaveLength(N);
      expect(remote.map((p) => p.id).sort(), `trial ${trial}: every remote policy is in state`).toEqual(inState);
      expect((await readdirNames(dir)).filter((n) => n.includes(".journal.tmp-")), `trial ${trial}`).toEqual([]);

      const destroyed = await backplan(["apply", "-destroy", "-auto-approve", "-no-color", "-lock=false", ...vars()], dir);
      expect(destroyed.code, destroyed.stderr).toBe(0);
      expect(await remotePolicies()).toEqual([]);
    }
  });
});

async function readdirNames(dir: string): Promise<string[]> {
  const { readdir } = await import("node:fs/promises");
  return readdir(join(dir));
}
