/**
 * `npm run bench`: runs the benchmark scripts one after another, each in its own Node process (so one
 * benchmark's heap never skews the next), and writes each one's Markdown output into docs/benchmarks.md between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, with a block of machine facts (CPU, cores, memory,
 * Node and Terraform versions, date, load average). Prose outside the markers is left as it is. A benchmark that
 * fails leaves its previous block untouched and makes the run exit 1.
 *
 *   npm run bench                  every benchmark (about an hour on 2 cores: the refresh one alone took ~25
 *                                  minutes at load 6-12, mostly the engine creating 10,000 VMs and tasks)
 *   npm run bench -- plan parse    only these
 *   npm run bench -- --list        names and what each runs
 *   npm run bench -- --dry-run     print instead of writing docs/benchmarks.md
 *
 * Works from dist (after `npm run build`) or under tsx (`npx tsx test/bench/run.ts`): scripts run from the
 * same place this file runs from.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root: test/bench under the source tree, dist/test/bench when compiled. */
const REPO = existsSync(join(HERE, "../../package.json")) ? resolve(HERE, "../..") : resolve(HERE, "../../..");
const COMPILED = import.meta.url.endsWith(".js");
export const DOC = join(REPO, "docs/benchmarks.md");

export interface BenchSpec {
  name: string;
  /** Script file name without extension, beside this runner. */
  script: string;
  args: string[];
  title: string;
}

/**
 * The benchmarks and the arguments that keep a full run near 30 minutes on a 2-core machine. The bridge
 * benchmark lets Terraform apply only at 1,000: its 5,000 apply alone takes about half an hour (see
 * bridge.bench.ts), so at 5,000 it plans against backplan's state.
 */
export const BENCHES: readonly BenchSpec[] = [
  { name: "plan", script: "plan.bench", args: [], title: "Plan engine against Terraform (terraform_data)" },
  {
    name: "bridge",
    script: "bridge.bench",
    args: ["--sizes", "1000,5000", "--terraform-apply-sizes", "1000"],
    title: "Terraform through the bridge against backplan natively (zstack_cdp_task)",
  },
  {
    name: "refresh",
    script: "bridge.bench",
    args: ["--sizes", "10000", "--terraform-apply-sizes", "0", "--launches", "3", "--tasks-disabled"],
    title: "Batched refresh of 10,000 zstack_cdp_task objects (backplan natively, Terraform through the bridge)",
  },
  { name: "parse", script: "parse.bench", args: ["10000"], title: "Configuration parse and load (10,000 resources)" },
  { name: "eval", script: "eval.bench", args: ["10000"], title: "Expression evaluation per instance" },
  { name: "views", script: "views.bench", args: ["1000", "5000", "10000"], title: "Plan rendering" },
  { name: "scale", script: "scale.bench", args: ["--sizes", "10000,30000,100000"], title: "Scale: apply and no-op plan at 10k, 30k, 100k resources" },
  { name: "state", script: "state.bench", args: ["5000", "300"], title: "State persistence (journal against whole-file rewrite)" },
  { name: "storage", script: "storage.bench", args: ["--size", "512MiB"], title: "Backup storage (chunk store)" },
  { name: "object-store", script: "object-store.bench", args: ["--size", "256MiB"], title: "Chunks in an S3 bucket (Swift s3api) against the local chunk store" },
  { name: "crash", script: "crash.bench", args: ["--trials", "100"], title: "Apply killed at seeded moments (ZStack and CSBS, 100 trials)" },
  { name: "nodes", script: "nodes.bench", args: ["--clients", "32", "--seconds", "20"], title: "Engine API on one node against two behind HAProxy (PostgreSQL metadata)" },
  { name: "load", script: "load.bench", args: ["--clients", "50", "--seconds", "60"], title: "Engine under load (50 clients, mixed creates, deletes and queries)" },
];

/** Replaces the block between a benchmark's markers, or appends a new section when the markers are absent. */
export function spliceBlock(doc: string, name: string, title: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n## ${title}\n\n${block}\n`;
}

export function machineFacts(now = new Date()): string {
  const cpu = cpus();
  const tf = spawnSync("terraform", ["version"], { encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
  const tfVersion = tf.status === 0 ? /Terraform v(\S+)/.exec(tf.stdout)?.[1] : undefined;
  const load = loadavg().map((x) => x.toFixed(1)).join(" / ");
  return [
    "| fact | value |",
    "|---|---|",
    `| CPU | ${cpu[0]?.model.trim() ?? "unknown"} |`,
    `| cores | ${cpu.length} |`,
    `| memory | ${(totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| Node | ${process.version} |`,
    `| Terraform | ${tfVersion ?? "not installed"} |`,
    `| date | ${now.toISOString().replace(/\.\d+Z$/, "Z")} |`,
    `| load average at start (1 / 5 / 15 min) | ${load} |`,
  ].join("\n");
}

function runScript(spec: BenchSpec, extra: string[]): Promise<{ code: number | null; stdout: string; seconds: number }> {
  const file = join(HERE, `${spec.script}.${COMPILED ? "js" : "ts"}`);
  const nodeArgs = COMPILED ? [file] : ["--import", "tsx", file];
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, ...spec.args, ...extra], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, seconds: (performance.now() - t0) / 1000 }));
  });
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--list")) {
    for (const b of BENCHES) process.stdout.write(`${b.name.padEnd(8)} ${b.script} ${b.args.join(" ")}  — ${b.title}\n`);
    return 0;
  }
  const dry = argv.includes("--dry-run");
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  const selected = names.length ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES;
  let doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "# Benchmarks\n";
  doc = spliceBlock(doc, "machine", "Machine of the last `npm run bench`", machineFacts());
  let failed = false;
  for (const spec of selected) {
    process.stderr.write(`\n== ${spec.name}: ${spec.title}\n`);
    const r = await runScript(spec, []);
    if (r.code !== 0) {
      failed = true;
      // Its findings are on stdout (the table it would have written): show them, they say what failed.
      process.stderr.write(`${r.stdout}\n== ${spec.name} failed (exit ${r.code}); its section in docs/benchmarks.md is unchanged\n`);
      continue;
    }
    const command = `\`node dist/test/bench/${spec.script}.js ${spec.args.join(" ")}\``.replace(" `", "`");
    const body = `${command}, ${r.seconds.toFixed(0)} s, ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}.\n\n${r.stdout.trim()}`;
    if (dry) process.stdout.write(`\n## ${spec.title}\n\n${body}\n`);
    doc = spliceBlock(doc, spec.name, spec.title, body);
    if (!dry) writeFileSync(DOC, doc);
  }
  if (!dry) writeFileSync(DOC, doc);
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
