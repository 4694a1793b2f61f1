/**
 * Benchmark: parse + load a generated 10,000-resource configuration (several files in one module directory)
 * and print the time and peak RSS, and the ratio against @cdktn/hcl2json (HCL, as WASM) in the same run. Targets:
 * < 300 ms and < 200 MB RSS. Run: `npx tsx test/bench/parse.bench.ts [RESOURCES]` (or from dist after build;
 * compiled code is the fair measurement).
 *
 * Three numbers, because they differ by more than 2x: the first load in a fresh process (V8 is still compiling
 * the parser while it runs), the median of the loads after it (the target is judged on this one: the parser's
 * own speed), and a whole `backplan validate` process on the same directory (what a user waits for).
 * A benchmark, not a test: nothing fails when a target is missed; it reports.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { generateConfig } from "../../src/config/testing/generate-config.js";

const RESOURCES = Number(process.argv[2] ?? 10_000);
const FILES = 10;
/** Loads after the first one. */
const WARM_RUNS = 7;
const CLI_RUNS = 3;

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** The built CLI next to this script (dist/test/bench → dist/src/cli), or undefined when run from source. */
function builtCli(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join("dist", "test")}`) ? join(here, "..", "..", "src", "cli", "main.js") : undefined;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-parse-bench-"));
  try {
    let bytes = 0;
    const texts: string[] = [];
    for (let f = 0; f < FILES; f++) {
      // Each file declares its own copies of the shared declarations, so rename them per file.
      const text = generateConfig(1000 + f, { resources: RESOURCES / FILES })
        .replace(/variable "(env|tasks)"/g, (_m, n: string) => (f === 0 ? `variable "${n}"` : `variable "${n}_${f}"`))
        .replace(/^terraform \{[\s\S]*?^\}\n/m, f === 0 ? "$&" : "")
        .replace(/^locals \{[\s\S]*?^\}\n/m, f === 0 ? "$&" : "")
        .replace(/"r(\d+)"/g, `"f${f}_r$1"`)
        .replace(/resource "zstack_cdp_task" "shared"[\s\S]*$/m, f === 0 ? "$&" : "");
      texts.push(text);
      bytes += text.length;
      writeFileSync(join(dir, `main${f}.tf`), text);
    }
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let errors = 0;
    let resources = 0;
    let firstRssMb = 0;
    for (let i = 0; i <= WARM_RUNS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = loadConfig(dir);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
      errors = r.diagnostics.filter((d) => d.severity === "error").length;
      if (i === 0) firstRssMb = process.resourceUsage().maxRSS / 1024;
      resources = r.config ? r.config.managedResources.size : 0;
    }
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const warm = times.slice(1);
    const warmMedian = median(warm);
    process.stdout.write(
      `parse+load ${resources} resources (${(bytes / 1e6).toFixed(1)} MB in ${FILES} files), ${errors} errors:\n` +
        `- first load in a fresh process: ${times[0]!.toFixed(0)} ms (CPU ${cpuTimes[0]!.toFixed(0)} ms, GC threads included)\n` +
        `- the ${WARM_RUNS} loads after it: median ${warmMedian.toFixed(0)} ms, best ${Math.min(...warm).toFixed(0)} ms, ` +
        `worst ${Math.max(...warm).toFixed(0)} ms (CPU median ${median(cpuTimes.slice(1)).toFixed(0)} ms)\n` +
        `- median of the first five loads, the first included (this benchmark's measure until 2026-11-26): ${median(times.slice(0, 5)).toFixed(0)} ms\n` +
        `- peak RSS ${firstRssMb.toFixed(0)} MB after the first load (${rssMb.toFixed(0)} MB after all ${WARM_RUNS + 1}: earlier trees not yet collected)\n`,
    );
    const cli = builtCli();
    let cliMedian: number | undefined;
    if (cli) {
      const walls: number[] = [];
      for (let i = 0; i < CLI_RUNS; i++) {
        const t0 = performance.now();
        const p = spawnSync(process.execPath, [cli, "validate", "-no-color", dir], { encoding: "utf8" });
        walls.push(performance.now() - t0);
        if (p.status !== 0) throw new Error(`backplan validate exited ${p.status}: ${p.stderr}`);
      }
      cliMedian = median(walls);
      process.stdout.write(`- a whole \`backplan validate\` process (Node start, CLI load, parse, load, validate): median ${cliMedian.toFixed(0)} ms of ${CLI_RUNS}\n`);
    }
    process.stdout.write(
      `targets: < 300 ms (median after the first load) ${warmMedian < 300 ? "met" : "MISSED"}, ` +
        `< 200 MB RSS ${firstRssMb < 200 ? "met" : "MISSED"}\n`,
    );

    // The comparison: @cdktn/hcl2json (the maintained fork of @cdktf/hcl2json, a devDependency). HCL2JSON_PATH
    // points at another copy instead (e.g. the original @cdktf package) when set.
    let hcl2json: { parse(filename: string, contents: string): Promise<unknown> } | undefined;
    let hcl2jsonName = "@cdktn/hcl2json";
    try {
      const where = process.env.HCL2JSON_PATH;
      if (where) hcl2jsonName = `hcl2json from ${where}`;
      // A specifier in a variable: its typings reference lib "dom", whose fetch types would replace Node's everywhere.
      const pkg: string = "@cdktn/hcl2json";
      hcl2json = (where ? createRequire(import.meta.url)(where) : await import(pkg)) as typeof hcl2json;
    } catch {
      hcl2json = undefined;
    }
    if (hcl2json) {
      // Same files, same process, after our runs: parse only (no loading), so the ratio favours hcl2json.
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let f = 0; f < FILES; f++) await hcl2json.parse(`main${f}.tf`, texts[f]!);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      process.stdout.write(
        `${hcl2jsonName} parse only: ${ms.toFixed(0)} ms (CPU ${((c.user + c.system) / 1000).toFixed(0)} ms); ` +
          `backplan parse+load median is ${(ms / warmMedian).toFixed(1)}x faster\n`,
      );
    } else {
      process.stdout.write(`${hcl2jsonName} not found: no comparison (npm install, or set HCL2JSON_PATH to a copy of it)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
