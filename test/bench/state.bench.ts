/**
 * State persistence benchmark: N instance creates recorded through the journal (group commit, and one fsync
 * per change) against a naive whole-file rewrite per instance (what Terraform's local backend does: serialise
 * the whole state, write, fsync, rename). Prints a Markdown table.
 *
 *   npx tsx test/bench/state.bench.ts [N=5000] [NAIVE_N=N]
 *
 * The naive run is quadratic (about 15 minutes for 5,000 on a 2-core machine); pass a smaller NAIVE_N to
 * compare per-instance cost on a shorter run. Progress goes to stderr, the table to stdout.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../../src/state/atomic-write.js";
import { openLocalState } from "../../src/state/local-backend.js";
import { State, type InstanceObject } from "../../src/state/state.js";
import { encodeStateV4 } from "../../src/state/v4.js";

const PROVIDER = 'provider["registry.terraform.io/backplan/zstack"]';

/** An instance shaped like terraform_data's: id plus a dynamic input/output pair. */
function instance(i: number): InstanceObject {
  const value = { name: `cdp-vm-${i}`, retention_days: 7, policy: `policy-${i % 17}` };
  const typed = { value, type: ["object", { name: "string", policy: "string", retention_days: "number" }] };
  return {
    schemaVersion: 0,
    attributes: { id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, input: typed, output: typed, triggers_replace: null },
    sensitiveAttributes: [],
    dependencies: [],
  };
}

interface Row {
  method: string;
  n: number;
  seconds: number;
  stateBytes: number;
}

async function journaled(n: number, parallelism: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-bench-"));
  try {
    const t0 = performance.now();
    const session = await openLocalState({ dir });
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        await session.setInstance(`zstack_cdp_task.t[${i}]`, instance(i), { provider: PROVIDER });
      }
    };
    await Promise.all(Array.from({ length: parallelism }, worker));
    await session.close();
    const seconds = (performance.now() - t0) / 1000;
    return {
      method: `journal, ${parallelism === 1 ? "one change at a time (1 fsync each)" : `${parallelism} in flight (group commit)`}, folds by journal size (≥ half the state, ≥ 4 MiB) + at end`,
      n,
      seconds,
      stateBytes: statSync(join(dir, "terraform.tfstate")).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function naive(n: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-bench-"));
  try {
    const path = join(dir, "terraform.tfstate");
    const state = new State();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      state.setInstance(`zstack_cdp_task.t[${i}]`, instance(i), { provider: PROVIDER });
      state.serial++;
      await writeFileAtomic(path, encodeStateV4(state));
      if ((i + 1) % 500 === 0) process.stderr.write(`naive: ${i + 1}/${n} after ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { method: "whole state file rewritten per instance (temp + fsync + rename)", n, seconds, stateBytes: statSync(path).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<string> {
  const n = Number(argv[0] ?? 5000);
  const naiveN = Number(argv[1] ?? n);
  const rows = [await journaled(n, 10), await journaled(n, 1), await naive(naiveN)];
  const lines = [
    `### State persistence: ${n} instance creates (node ${process.version}, ${process.platform})`,
    "",
    "| method | instances | total (s) | per instance (ms) | final state file (KiB) |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.method} | ${r.n} | ${r.seconds.toFixed(2)} | ${((r.seconds * 1000) / r.n).toFixed(3)} | ${(r.stateBytes / 1024).toFixed(0)} |`),
  ];
  const base = rows[2] as Row;
  const perNaive = base.seconds / base.n;
  for (const r of rows.slice(0, 2)) {
    lines.push("", `- ${r.method}: ${(perNaive / (r.seconds / r.n)).toFixed(1)}x faster per instance than the naive rewrite.`);
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await main(process.argv.slice(2)));
}
