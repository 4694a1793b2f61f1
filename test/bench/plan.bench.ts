/**
 * Plan engine benchmark, backplan beside the Terraform binary in the same run, on `terraform_data` configurations
 * (the one resource both run with no remote API): N distinct resources (default 1k, 5k, 10k) and one resource with
 * `count = 10000`. Measures, each in a fresh child process:
 *   - initial apply (backplan at every size; Terraform at the sizes in --terraform-apply, default 1000 and 5000,
 *     killed after --terraform-apply-cap seconds and then reported as "> cap");
 *   - a no-op plan with refresh against the applied state. Terraform plans against the state backplan wrote,
 *     which doubles as a compatibility check: its exit code must say "no changes" (`-detailed-exitcode` 0);
 *     Terraform's plan is stopped after --terraform-plan-cap seconds (default 300: its plan of one `count = 10000`
 *     resource runs for many minutes on a busy machine);
 *   - peak memory (max RSS of the child, from /usr/bin/time -v; "n/a" where that tool is absent).
 * Targets (issue 20): no-op plan at 10k ≥ 20× faster than Terraform, initial apply of 5k ≥ 50× faster, no-op plan
 * of one resource with `count = 10000` ≥ 100× faster.
 * Without terraform on PATH (or with --no-terraform) the Terraform columns say so. Prints Markdown to stdout,
 * progress to stderr.
 *
 *   node dist/test/bench/plan.bench.js [--sizes 1000,5000,10000] [--no-count] [--no-terraform]
 *     [--terraform-apply 1000,5000] [--terraform-apply-cap 420] [--terraform-plan-cap 300] [--backplan dist/src/cli/main.js]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), existsSync(resolve(dirname(fileURLToPath(import.meta.url)), "../../package.json")) ? "../.." : "../../..");
const TIME = "/usr/bin/time";

export interface Workload {
  /** Row label, e.g. "5,000 resources". */
  label: string;
  resources: number;
  text: string;
}

/**
 * The environment the measured commands run in: this process's, without NODE_EXTRA_CA_CERTS. Node reads that
 * file at the start of every process, whether or not it makes a TLS connection; the development machine points
 * it at the whole Debian bundle (~140 certificates), which cost every backplan command ~0.42 G instructions,
 * about 45 ms, more than the rest of its start-up (callgrind: `node -e 0` 0.50 G with it, 0.08 G without).
 * Terraform does not read it. A machine that sets it adds that to each backplan command.
 */
export function benchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env["NODE_EXTRA_CA_CERTS"];
  return env;
}

/** N distinct terraform_data resources, each with an object input. */
export function distinctConfig(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`resource "terraform_data" "r${i}" {\n  input = { name = "r-${i}", n = ${i} }\n}\n`);
  return parts.join("\n");
}

/** One terraform_data resource expanded by count. */
export function countConfig(n: number): string {
  return `resource "terraform_data" "c" {\n  count = ${n}\n  input = { name = "c-\${count.index}", n = count.index }\n}\n`;
}

export interface Measured {
  seconds: number;
  /** Max RSS in MB and CPU seconds (user + system), when /usr/bin/time could measure them. */
  rssMb?: number;
  cpuSeconds?: number;
  code: number | null;
  /** Killed after the cap. */
  capped: boolean;
  stderr: string;
}

/** Runs a command to completion (or until `capSeconds`), measuring wall time and peak RSS of the child. */
export function measure(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, capSeconds?: number): Promise<Measured> {
  const timed = existsSync(TIME);
  const rssFile = join(cwd, ".maxrss");
  const argv = timed ? ["-f", "%M %U %S", "-o", rssFile, cmd, ...args] : args;
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(timed ? TIME : cmd, argv, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 20_000) stderr += d;
    });
    let capped = false;
    const timer = capSeconds
      ? setTimeout(() => {
          capped = true;
          // /usr/bin/time forwards nothing: signal the measured command itself, then time exits too.
          spawnSync("pkill", ["-TERM", "-P", String(child.pid)]);
          child.kill("SIGTERM");
        }, capSeconds * 1000)
      : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let rssMb: number | undefined;
      let cpuSeconds: number | undefined;
      if (timed && existsSync(rssFile)) {
        const [kb, user, sys] = (readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number);
        if (kb !== undefined && Number.isFinite(kb) && kb > 0) rssMb = kb / 1024;
        if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuSeconds = user + sys;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ seconds, ...(rssMb !== undefined ? { rssMb } : {}), ...(cpuSeconds !== undefined ? { cpuSeconds } : {}), code, capped, stderr });
    });
  });
}

function terraformVersion(): string | undefined {
  const r = spawnSync("terraform", ["version"], { encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
  if (r.status !== 0) return undefined;
  return /Terraform v(\S+)/.exec(r.stdout)?.[1];
}

interface Row {
  w: Workload;
  bpApply: Measured;
  bpPlan: Measured;
  tfApply?: Measured;
  tfPlan?: Measured;
  tfNote?: string;
}

function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function listOf(text: string | undefined, fallback: number[]): number[] {
  return text === undefined ? fallback : text.split(",").map(Number).filter((n) => n > 0);
}

const fmtS = (m: Measured | undefined): string => (!m ? "—" : m.capped ? `> ${m.seconds.toFixed(0)} (capped)` : m.code !== 0 ? `failed (exit ${m.code})` : m.seconds.toFixed(2));
const fmtCpu = (m: Measured | undefined): string => (!m || m.cpuSeconds === undefined ? "n/a" : m.cpuSeconds.toFixed(2));
const fmtMb = (m: Measured | undefined): string => (!m || m.rssMb === undefined ? "n/a" : m.rssMb.toFixed(0));
const ratio = (tf: Measured | undefined, bp: Measured): string => {
  if (!tf || (tf.code !== 0 && !tf.capped) || bp.code !== 0) return "—";
  return `${tf.capped ? "> " : ""}${(tf.seconds / bp.seconds).toFixed(1)}×`;
};

export async function main(argv: string[]): Promise<string> {
  const sizes = listOf(flagValue(argv, "sizes"), [1000, 5000, 10_000]);
  const tfApplySizes = listOf(flagValue(argv, "terraform-apply"), [1000, 5000]);
  const cap = Number(flagValue(argv, "terraform-apply-cap") ?? 420);
  const planCap = Number(flagValue(argv, "terraform-plan-cap") ?? 300);
  const backplan = resolve(flagValue(argv, "backplan") ?? join(REPO, "dist/src/cli/main.js"));
  const tfVersion = argv.includes("--no-terraform") ? undefined : terraformVersion();
  const workloads: Workload[] = sizes.map((n) => ({ label: `${n.toLocaleString("en-US")} resources`, resources: n, text: distinctConfig(n) }));
  if (!argv.includes("--no-count")) workloads.push({ label: "1 resource, count = 10,000", resources: 10_000, text: countConfig(10_000) });

  const root = mkdtempSync(join(tmpdir(), "backplan-plan-bench-"));
  const env = { ...benchEnv(), NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  const rows: Row[] = [];
  try {
    for (const [i, w] of workloads.entries()) {
      const bpDir = join(root, `bp${i}`);
      mkdirSync(bpDir);
      writeFileSync(join(bpDir, "main.tf"), w.text);
      process.stderr.write(`plan bench: ${w.label}: backplan apply...\n`);
      const bpApply = await measure(process.execPath, [backplan, "apply", "-auto-approve", "-no-color"], bpDir, env);
      process.stderr.write(`  ${fmtS(bpApply)} s; backplan plan...\n`);
      const bpPlan = await measure(process.execPath, [backplan, "plan", "-detailed-exitcode", "-no-color"], bpDir, env);
      process.stderr.write(`  ${fmtS(bpPlan)} s (exit ${bpPlan.code})\n`);
      const row: Row = { w, bpApply, bpPlan };
      if (tfVersion) {
        const tfDir = join(root, `tf${i}`);
        mkdirSync(tfDir);
        writeFileSync(join(tfDir, "main.tf"), w.text);
        const init = spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: tfDir, env, encoding: "utf8" });
        if (init.status !== 0) row.tfNote = `terraform init failed: ${init.stderr.trim().split("\n")[0]}`;
        else {
          // Terraform plans against backplan's state: same resources, and proof Terraform reads backplan's file.
          writeFileSync(join(tfDir, "terraform.tfstate"), readFileSync(join(bpDir, "terraform.tfstate")));
          process.stderr.write(`  terraform plan...\n`);
          row.tfPlan = await measure("terraform", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"], tfDir, env, planCap);
          process.stderr.write(`  ${fmtS(row.tfPlan)} s (exit ${row.tfPlan.code})\n`);
          if (tfApplySizes.includes(w.resources) && w.text.includes(`"r0"`)) {
            const applyDir = join(root, `tfa${i}`);
            mkdirSync(applyDir);
            writeFileSync(join(applyDir, "main.tf"), w.text);
            spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: applyDir, env });
            process.stderr.write(`  terraform apply (cap ${cap} s)...\n`);
            row.tfApply = await measure("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], applyDir, env, cap);
            process.stderr.write(`  ${fmtS(row.tfApply)} s\n`);
          }
        }
      }
      rows.push(row);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return report(rows, { tfVersion, cap, planCap, backplan });
}

function report(rows: Row[], o: { tfVersion: string | undefined; cap: number; planCap: number; backplan: string }): string {
  const out: string[] = [];
  const tf = o.tfVersion ? `Terraform ${o.tfVersion}` : "Terraform";
  out.push(
    o.tfVersion
      ? `backplan (\`${o.backplan.replace(REPO + "/", "")}\`) beside ${tf} (\`TF_CLI_CONFIG_FILE=/dev/null\`, \`terraform_data\` is built in, so both run offline). One run of each, every number from a fresh process. Seconds are wall time; CPU seconds (user + system, all threads) are the steadier number on a shared machine.`
      : "terraform is not on PATH (or --no-terraform was given): the Terraform columns are empty.",
  );
  out.push("");
  out.push(`### No-op plan with refresh\n`);
  out.push(`| configuration | backplan s | ${tf} s | speed-up | backplan CPU s | ${tf} CPU s | Terraform reads backplan's state as no-op |`);
  out.push("|---|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    const noop = !r.tfPlan ? (r.tfNote ?? "—") : r.tfPlan.capped ? `not known (stopped after ${o.planCap} s)` : r.tfPlan.code === 0 ? "yes (exit 0)" : `no (exit ${r.tfPlan.code}${r.tfPlan.code === 2 ? ": changes" : ""})`;
    out.push(`| ${r.w.label} | ${fmtS(r.bpPlan)}${r.bpPlan.code === 0 ? "" : ` (exit ${r.bpPlan.code})`} | ${fmtS(r.tfPlan)} | ${ratio(r.tfPlan, r.bpPlan)} | ${fmtCpu(r.bpPlan)} | ${fmtCpu(r.tfPlan)} | ${noop} |`);
  }
  out.push("");
  out.push(`### Initial apply\n`);
  out.push(`| configuration | backplan s | ${tf} s | speed-up | backplan CPU s | ${tf} CPU s |`);
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) out.push(`| ${r.w.label} | ${fmtS(r.bpApply)} | ${r.tfApply ? fmtS(r.tfApply) : "not run"} | ${ratio(r.tfApply, r.bpApply)} | ${fmtCpu(r.bpApply)} | ${r.tfApply ? fmtCpu(r.tfApply) : "—"} |`);
  out.push("");
  out.push(`Terraform's apply runs only at the sizes given by \`--terraform-apply\` and is stopped after ${o.cap} s; a capped time is a lower bound, and so is the speed-up computed from it.\n`);
  out.push(`### Peak memory (max RSS of the process, MB)\n`);
  out.push(`| configuration | backplan plan | backplan apply | ${tf} plan | ${tf} apply |`);
  out.push("|---|---:|---:|---:|---:|");
  for (const r of rows) out.push(`| ${r.w.label} | ${fmtMb(r.bpPlan)} | ${fmtMb(r.bpApply)} | ${fmtMb(r.tfPlan)} | ${r.tfApply ? fmtMb(r.tfApply) : "not run"} |`);
  out.push("");
  const t10 = rows.find((r) => r.w.resources === 10_000 && r.w.label.includes("resources"));
  const t5 = rows.find((r) => r.w.resources === 5000);
  const tc = rows.find((r) => r.w.label.includes("count"));
  const verdict = (tfm: Measured | undefined, bp: Measured | undefined, x: number) =>
    !tfm || !bp || bp.code !== 0 ? "not measured" : tfm.seconds / bp.seconds >= x ? `met (${(tfm.seconds / bp.seconds).toFixed(1)}×)` : `MISSED (${(tfm.seconds / bp.seconds).toFixed(1)}×)`;
  out.push(
    `Targets: no-op plan of 10,000 resources ≥ 20× faster than Terraform: ${verdict(t10?.tfPlan, t10?.bpPlan, 20)}; initial apply of 5,000 ≥ 50× faster: ${verdict(t5?.tfApply, t5?.bpApply, 50)}; ` +
      `no-op plan of \`count = 10000\` ≥ 100× faster: ${verdict(tc?.tfPlan, tc?.bpPlan, 100)}.`,
  );
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
