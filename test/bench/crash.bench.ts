/**
 * Crash benchmark (not part of the test suite): many seeded SIGKILL-of-apply trials over ZStack and CSBS
 * resources (test/support/apply-crash-trials.ts; CI runs 20 of them in test/e2e/apply-crash-mixed.test.ts),
 * against a real engine on 127.0.0.1 in this process. Reports how many applies were killed mid-way and every
 * lost, duplicated, resurrected or orphaned object; exits 1 on any.
 *
 *   node dist/test/bench/crash.bench.js [--trials 100] [--seed 7] [--keys 8]
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crashTrials } from "../support/apply-crash-trials.js";
import { startTestEngine } from "../support/engine.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root from test/bench or dist/test/bench; the CLI always runs from its build (as users run it). */
const REPO = existsSync(join(HERE, "../../package.json")) ? resolve(HERE, "../..") : resolve(HERE, "../../..");
const CLI = join(REPO, "dist/src/cli/main.js");

const TRIALS = arg("trials", 100);
const SEED = arg("seed", 7);
const KEYS = arg("keys", 8);

async function main(): Promise<void> {
  const engine = await startTestEngine({ demo: true });
  const vmUuid = engine.context.inventory.vms.all()[0]!.uuid;
  const started = performance.now();
  let midway = 0;
  const findings: string[] = [];
  const counts = { lost: 0, duplicates: 0, resurrected: 0, orphans: 0, leftovers: 0, failedRecoveries: 0 };
  try {
    for await (const o of crashTrials({ engineUrl: engine.url, vmUuid, cli: CLI, seed: SEED, keys: KEYS }, TRIALS)) {
      if (o.killedMidway) midway++;
      if (o.recoveryFailure) counts.failedRecoveries++;
      for (const k of ["lost", "duplicates", "resurrected", "orphans", "leftovers"] as const) {
        counts[k] += o[k].length;
        for (const f of o[k]) findings.push(`trial ${o.trial}: ${k} ${f}`);
      }
      if (o.recoveryFailure) findings.push(`trial ${o.trial}: recovery apply failed: ${o.recoveryFailure.slice(-500)}`);
      process.stderr.write(`trial ${o.trial}${o.killedMidway ? "" : " (finished before the kill)"}\n`);
    }
  } finally {
    await engine.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${TRIALS} seeded trials (seed ${SEED}, ${KEYS} keys per provider; zstack_cdp_policy and csbs_backup_policy with for_each over seeded subsets, so each apply creates and destroys), each a SIGKILLed apply and a recovering apply.\n`);
  console.log("| trials | killed mid-apply | lost | duplicated | resurrected | orphans | temp files left | failed recoveries | s per trial |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(`| ${TRIALS} | ${midway} | ${counts.lost} | ${counts.duplicates} | ${counts.resurrected} | ${counts.orphans} | ${counts.leftovers} | ${counts.failedRecoveries} | ${(seconds / TRIALS).toFixed(1)} |`);
  if (findings.length > 0) {
    console.log(`\nFindings:\n\n${findings.map((f) => `- ${f}`).join("\n")}`);
    process.exitCode = 1;
  }
}

await main();
