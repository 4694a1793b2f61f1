import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { crashTrials, type TrialOutcome } from "../support/apply-crash-trials.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { CLI, ensureBuilt, ROOT } from "./cli-harness.js";

// Two CLI processes per trial, each well under a second from the bundle on an idle machine; slack for a busy one.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 180_000 });

/** Seeded trials in CI; `npm run bench -- crash` runs many more of the same (test/bench/crash.bench.ts). */
const TRIALS = 20;

describe("SIGKILL of apply over ZStack and CSBS resources at seeded moments", () => {
  let engine: TestEngine;
  let closed = false;
  beforeAll(async () => {
    ensureBuilt();
    engine = await startTestEngine({ demo: true });
  });
  afterAll(async () => {
    if (closed) rmSync(engine.dataDir, { recursive: true, force: true });
    else await engine.dispose();
  });

  it(`${TRIALS} trials: the next apply converges — 0 lost, 0 duplicated, 0 resurrected, no orphans or temp files; engine verify clean`, async () => {
    const outcomes: TrialOutcome[] = [];
    const vmUuid = engine.context.inventory.vms.all()[0]!.uuid;
    for await (const o of crashTrials({ engineUrl: engine.url, vmUuid, cli: CLI, seed: 20261207, keys: 5 }, TRIALS)) {
      expect(o.recoveryFailure, `trial ${o.trial}`).toBeUndefined();
      expect({ trial: o.trial, lost: o.lost, duplicates: o.duplicates, resurrected: o.resurrected, orphans: o.orphans, leftovers: o.leftovers }).toEqual({
        trial: o.trial,
        lost: [],
        duplicates: [],
        resurrected: [],
        orphans: [],
        leftovers: [],
      });
      outcomes.push(o);
    }
    // The seeded kill points must really interrupt applies, or the trials prove nothing.
    expect(outcomes.filter((o) => o.killedMidway).length).toBeGreaterThanOrEqual(TRIALS / 2);

    // Offline verify of the data dir, as an operator runs it: the engine must be stopped first.
    await engine.close();
    closed = true;
    const verify = spawnSync(process.execPath, [CLI, "engine", "verify", "--data", engine.dataDir], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });
});
