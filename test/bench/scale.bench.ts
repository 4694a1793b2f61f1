/**
 * Scale benchmark: backplan alone on N distinct `terraform_data` resources (the plan benchmark's generator),
 * N = 10k, 30k, 100k by default. For each size, in fresh child processes: the initial apply, then the no-op plan
 * with refresh against the state it wrote; wall time, CPU seconds, peak RSS, and the time per resource relative
 * to the smallest size (1.0 is linear; a ratio that grows with N is super-linear work). Terraform is left out:
 * it does not finish these sizes in useful time. Prints Markdown to stdout, progress to stderr.
 *
 *   node dist/test/bench/scale.bench.js [--sizes 10000,30000,100000] [--backplan dist/src/cli/main.js]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distinctConfig, measure, type Measured } from "./plan.bench.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = existsSync(join(HERE, "../../package.json")) ? resolve(HERE, "../..") : resolve(HERE, "../../..");

interface Row {
  n: number;
  apply: Measured;
  plan: Measured;
}

const secs = (m: Measured): string => (m.code !== 0 ? `failed (exit ${m.code})` : m.seconds.toFixed(2));
const cpu = (m: Measured): string => (m.cpuSeconds === undefined ? "n/a" : m.cpuSeconds.toFixed(2));
const mb = (m: Measured): string => (m.rssMb === undefined ? "n/a" : m.rssMb.toFixed(0));
const msPer = (m: Measured, n: number): number => (m.seconds * 1000) / n;

export async function main(argv: string[]): Promise<string> {
  const i = argv.indexOf("--sizes");
  const sizes = (i >= 0 ? (argv[i + 1] ?? "") : "10000,30000,100000").split(",").map(Number).filter((n) => n > 0);
  const j = argv.indexOf("--backplan");
  const backplan = resolve(j >= 0 ? (argv[j + 1] ?? "") : join(REPO, "dist/src/cli/main.js"));
  const env = { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
  const root = mkdtempSync(join(tmpdir(), "backplan-scale-bench-"));
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      const dir = join(root, `n${n}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "main.tf"), distinctConfig(n));
      process.stderr.write(`scale bench: ${n} resources: apply...\n`);
      const apply = await measure(process.execPath, [backplan, "apply", "-auto-approve", "-no-color"], dir, env);
      process.stderr.write(`  ${secs(apply)} s; no-op plan...\n`);
      const plan = await measure(process.execPath, [backplan, "plan", "-detailed-exitcode", "-no-color"], dir, env);
      process.stderr.write(`  ${secs(plan)} s (exit ${plan.code})\n`);
      rows.push({ n, apply, plan });
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const base = rows[0];
  const ratio = (m: Measured, n: number, b: Measured | undefined) => (!b || m.code !== 0 || b.code !== 0 ? "—" : (msPer(m, n) / msPer(b, base?.n ?? n)).toFixed(2));
  const out = [
    "Each number from one fresh process; \"ms / resource\" is wall time divided by N, \"× smallest\" that figure over the smallest size's (1.00 = linear). A no-op plan must exit 0 (`-detailed-exitcode`).",
    "",
    "| resources | apply s | apply CPU s | apply peak MB | apply ms / resource | × smallest | no-op plan s | plan CPU s | plan peak MB | plan ms / resource | × smallest |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.n.toLocaleString("en-US")} | ${secs(r.apply)} | ${cpu(r.apply)} | ${mb(r.apply)} | ${msPer(r.apply, r.n).toFixed(3)} | ${ratio(r.apply, r.n, base?.apply)} | ` +
        `${secs(r.plan)} | ${cpu(r.plan)} | ${mb(r.plan)} | ${msPer(r.plan, r.n).toFixed(3)} | ${ratio(r.plan, r.n, base?.plan)} |`,
    );
  }
  return out.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (text) => process.stdout.write(text + "\n"),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
