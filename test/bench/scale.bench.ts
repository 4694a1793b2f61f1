/**
 * Scale benchmark: backplan alone on N distinct `terraform_data` resources (the plan benchmark's generator),
 * N = 10k, 30k, 100k by default. For each size, in fresh child processes: the initial apply, then the no-op plan
 * with refresh against the state it wrote; wall time, CPU seconds, peak RSS, the load average when each started,
 * and the time per resource relative to the smallest size (1.0 is linear; a ratio that grows with N is
 * super-linear work). Every size is measured `--runs` times (default 2: the machine is shared, one run can be
 * stretched by other work). Then, at `--crash-size` (default the largest size), an apply is killed with SIGKILL
 * halfway (after half the "Creation complete" lines) and resumed: every instance the killed run reported complete
 * must be in the state with the id it reported (0 lost), the resume must create exactly the rest and keep every
 * recovered id (0 duplicated). Terraform is left out here: the plan benchmark measures it beside backplan at the
 * sizes it finishes. Prints Markdown to stdout, progress to stderr.
 *
 *   node dist/test/bench/scale.bench.js [--sizes 10000,30000,100000] [--runs 2] [--crash-size 100000|0]
 *     [--backplan dist/src/cli/main.js]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { benchEnv, distinctConfig, measure, type Measured } from "./plan.bench.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = existsSync(join(HERE, "../../package.json")) ? resolve(HERE, "../..") : resolve(HERE, "../../..");

/** Issue 20's targets at 100,000 resources. */
const TARGET = { applySeconds: 30, applyMb: 1536, planSeconds: 5, planMb: 1024 };

interface Timed extends Measured {
  /** 1-minute load average when the process started. */
  load: number;
}

interface Row {
  n: number;
  run: number;
  apply: Timed;
  plan: Timed;
}

const secs = (m: Measured): string => (m.code !== 0 ? `failed (exit ${m.code})` : m.seconds.toFixed(2));
const cpu = (m: Measured): string => (m.cpuSeconds === undefined ? "n/a" : m.cpuSeconds.toFixed(2));
const mb = (m: Measured): string => (m.rssMb === undefined ? "n/a" : m.rssMb.toFixed(0));
const msPer = (m: Measured, n: number): number => (m.seconds * 1000) / n;
const load1 = (): number => loadavg()[0] ?? 0;

async function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  const load = load1();
  return { ...(await measure(cmd, args, cwd, env)), load };
}

interface CrashResult {
  n: number;
  killedAfterSeconds: number;
  /** "Creation complete" lines the killed run printed (each printed only once its state change was durable). */
  reportedComplete: number;
  /** Instances in the state after the journal was replayed (read by the next command). */
  recovered: number;
  /** Reported complete but absent from the recovered state, or there under another id. */
  lost: number;
  /** Recovered instances the resume created again (a new id): a duplicate of a real object. */
  duplicated: number;
  /** Instances the resume created (should be n - recovered). */
  created: number;
  final: number;
  finalUniqueIds: number;
  replay: Timed;
  resume: Timed;
  load: number;
}

const COMPLETE = /^(\S+): Creation complete after \S+ \[id=([^\]]+)\]/;

/** Addresses and ids of the instances in the state file of `dir`. */
function stateIds(dir: string): Map<string, string> {
  const path = join(dir, "terraform.tfstate");
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  const doc = JSON.parse(readFileSync(path, "utf8")) as { resources?: { type: string; name: string; instances: { attributes?: { id?: string } }[] }[] };
  for (const r of doc.resources ?? []) for (const i of r.instances) out.set(`${r.type}.${r.name}`, String(i.attributes?.id));
  return out;
}

/** Kills an apply of n resources with SIGKILL once half of them are reported complete. */
function applyKilledHalfway(n: number, backplan: string, dir: string, env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const reported = new Map<string, string>();
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [backplan, "apply", "-auto-approve", "-no-color"], { cwd: dir, env, stdio: ["ignore", "pipe", "ignore"] });
    let tail = "";
    let killed = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (killed) return; // lines still in the pipe after the kill were printed before it, but are not counted
      const lines = (tail + d).split("\n");
      tail = lines.pop() ?? "";
      for (const l of lines) {
        const m = COMPLETE.exec(l);
        if (m) reported.set(m[1]!, m[2]!);
      }
      if (reported.size >= n / 2) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", rej);
    child.on("close", (_code, signal) => (signal === "SIGKILL" ? res(reported) : rej(new Error(`apply of ${n} ended before the kill (${signal ?? "exit"})`))));
  });
}

/** Kill -9 halfway through an apply of n resources, then resume; counts what was lost and duplicated. */
async function crashAndResume(n: number, backplan: string, root: string, env: NodeJS.ProcessEnv): Promise<CrashResult> {
  const dir = join(root, `crash${n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "main.tf"), distinctConfig(n));
  const load = load1();
  const t0 = performance.now();
  const reported = await applyKilledHalfway(n, backplan, dir, env);
  const killedAfterSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`  killed after ${killedAfterSeconds.toFixed(1)} s, ${reported.size} reported complete; replaying...\n`);
  // The killed run left its lock behind (as Terraform's would): the next commands run without it. The plan's
  // session replays the journal and folds it into the state file before planning.
  const replay = await timed(process.execPath, [backplan, "plan", "-detailed-exitcode", "-no-color", "-lock=false"], dir, env);
  const recovered = stateIds(dir);
  let lost = 0;
  for (const [addr, id] of reported) if (recovered.get(addr) !== id) lost++;
  process.stderr.write(`  ${recovered.size} recovered, ${lost} lost; resuming...\n`);
  const resume = await timed(process.execPath, [backplan, "apply", "-auto-approve", "-no-color", "-lock=false"], dir, env);
  const final = stateIds(dir);
  let duplicated = 0;
  for (const [addr, id] of recovered) if (final.get(addr) !== id) duplicated++;
  let created = 0;
  for (const addr of final.keys()) if (!recovered.has(addr)) created++;
  rmSync(dir, { recursive: true, force: true });
  return {
    n,
    killedAfterSeconds,
    reportedComplete: reported.size,
    recovered: recovered.size,
    lost,
    duplicated,
    created,
    final: final.size,
    finalUniqueIds: new Set(final.values()).size,
    replay,
    resume,
    load,
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<string> {
  const sizes = (flag(argv, "sizes") ?? "10000,30000,100000").split(",").map(Number).filter((n) => n > 0);
  const runs = Math.max(1, Number(flag(argv, "runs") ?? 2));
  const crashSize = Number(flag(argv, "crash-size") ?? Math.max(...sizes));
  const backplan = resolve(flag(argv, "backplan") ?? join(REPO, "dist/src/cli/main.js"));
  const env = { ...benchEnv(), NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
  const root = mkdtempSync(join(tmpdir(), "backplan-scale-bench-"));
  const rows: Row[] = [];
  let crash: CrashResult | undefined;
  const started = new Date();
  try {
    for (let run = 1; run <= runs; run++) {
      for (const n of sizes) {
        const dir = join(root, `n${n}-${run}`);
        mkdirSync(dir);
        writeFileSync(join(dir, "main.tf"), distinctConfig(n));
        process.stderr.write(`scale bench: run ${run}, ${n} resources: apply (load ${load1().toFixed(1)})...\n`);
        const apply = await timed(process.execPath, [backplan, "apply", "-auto-approve", "-no-color"], dir, env);
        process.stderr.write(`  ${secs(apply)} s; no-op plan...\n`);
        const plan = await timed(process.execPath, [backplan, "plan", "-detailed-exitcode", "-no-color"], dir, env);
        process.stderr.write(`  ${secs(plan)} s (exit ${plan.code})\n`);
        rows.push({ n, run, apply, plan });
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (crashSize > 0) {
      process.stderr.write(`scale bench: kill -9 during the apply of ${crashSize}...\n`);
      crash = await crashAndResume(crashSize, backplan, root, env);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return report(rows, crash, started, runs);
}

function report(rows: Row[], crash: CrashResult | undefined, started: Date, runs: number): string {
  const smallest = Math.min(...rows.map((r) => r.n));
  // "× smallest" is against the fastest run at the smallest size, so one slow run there does not flatter the rest.
  const best = (pick: (r: Row) => Timed) => Math.min(...rows.filter((r) => r.n === smallest && pick(r).code === 0).map((r) => msPer(pick(r), r.n)));
  const baseApply = best((r) => r.apply);
  const basePlan = best((r) => r.plan);
  const ratio = (m: Measured, n: number, base: number) => (m.code !== 0 || !Number.isFinite(base) ? "—" : (msPer(m, n) / base).toFixed(2));
  const out = [
    `Started ${started.toISOString()}; ${runs} run(s) of every size, each number from one fresh process. "ms / resource" is wall time divided by N, "× smallest" that figure over the fastest run at the smallest size (1.00 = linear). "load" is the 1-minute load average when the process started (2 cores). A no-op plan must exit 0 (\`-detailed-exitcode\`).`,
    "",
    "| resources | run | apply load | apply s | apply CPU s | apply peak MB | apply ms / resource | × smallest | plan load | no-op plan s | plan CPU s | plan peak MB | plan ms / resource | × smallest |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of [...rows].sort((x, y) => x.n - y.n || x.run - y.run)) {
    out.push(
      `| ${r.n.toLocaleString("en-US")} | ${r.run} | ${r.apply.load.toFixed(1)} | ${secs(r.apply)} | ${cpu(r.apply)} | ${mb(r.apply)} | ${msPer(r.apply, r.n).toFixed(3)} | ${ratio(r.apply, r.n, baseApply)} | ` +
        `${r.plan.load.toFixed(1)} | ${secs(r.plan)} | ${cpu(r.plan)} | ${mb(r.plan)} | ${msPer(r.plan, r.n).toFixed(3)} | ${ratio(r.plan, r.n, basePlan)} |`,
    );
  }
  const at100k = rows.filter((r) => r.n === 100_000);
  if (at100k.length > 0) {
    const verdict = (ok: (r: Row) => boolean) => `${at100k.filter(ok).length} of ${at100k.length} runs`;
    out.push(
      "",
      `Targets at 100,000 (issue 20): apply < ${TARGET.applySeconds} s: met in ${verdict((r) => r.apply.code === 0 && r.apply.seconds < TARGET.applySeconds)}; ` +
        `apply < 1.5 GB: ${verdict((r) => (r.apply.rssMb ?? Infinity) < TARGET.applyMb)}; no-op plan < ${TARGET.planSeconds} s: ${verdict((r) => r.plan.code === 0 && r.plan.seconds < TARGET.planSeconds)}; ` +
        `no-op plan < 1 GB: ${verdict((r) => (r.plan.rssMb ?? Infinity) < TARGET.planMb)}.`,
    );
  }
  if (crash) {
    const c = crash;
    const ok = c.lost === 0 && c.duplicated === 0 && c.final === c.n && c.finalUniqueIds === c.n && c.created === c.n - c.recovered && c.resume.code === 0;
    out.push(
      "",
      `Kill -9 during the apply of ${c.n.toLocaleString("en-US")} (load ${c.load.toFixed(1)} at start): killed after ${c.killedAfterSeconds.toFixed(1)} s, once ${c.reportedComplete.toLocaleString("en-US")} creates were reported complete. ` +
        `The next command (a plan, ${c.replay.seconds.toFixed(2)} s, exit ${c.replay.code}: 2 = changes pending) replayed the journal: ${c.recovered.toLocaleString("en-US")} instances recovered, **${c.lost} lost** (reported complete, not in state under the reported id). ` +
        `The resumed apply (${secs(c.resume)} s, ${mb(c.resume)} MB) created ${c.created.toLocaleString("en-US")} (expected ${(c.n - c.recovered).toLocaleString("en-US")}), re-created **${c.duplicated} duplicated** of the recovered ones; ` +
        `final state ${c.final.toLocaleString("en-US")} instances, ${c.finalUniqueIds.toLocaleString("en-US")} distinct ids: ${ok ? "**pass**" : "**FAIL**"}.`,
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
