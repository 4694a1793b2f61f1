import { existsSync } from "node:fs";
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { boolFlag, parseArgs, stringFlag } from "../args.js";
import type { Command } from "../command.js";
import { cliInvocation } from "../invocation.js";
import { planAndApply } from "./apply.js";
import { planCommand } from "./plan.js";

const FLAGS = { dir: { type: "string" }, "no-color": { type: "boolean" }, keep: { type: "boolean" } } as const;

/**
 * The directory of this installation (a checkout, or the package a global install unpacked), which holds
 * examples/quickstart and docs/: found from src/ and from dist/src/.
 */
function packageRoot(): string {
  for (const rel of ["../../../", "../../../../"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, "examples", "quickstart", "main.tf"))) return dir;
  }
  throw new Error("examples/quickstart is missing from this installation");
}

function heading(text: string): void {
  process.stdout.write(`\n${"=".repeat(78)}\n==> ${text}\n${"=".repeat(78)}\n\n`);
}

/**
 * The README's main job: start the embedded backup engine with its demo lab (in this process), plan and apply
 * examples/quickstart against it, show that a second plan has nothing to do, change one attribute to show an
 * in-place update, and say what to try next. Every step runs the same commands a user would type.
 */
async function quickstart(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const work = resolve(stringFlag(args, "dir") ?? ".backplan/quickstart");
  const color = boolFlag(args, "no-color") ? ["-no-color"] : [];
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const config = join(work, "config");
  await cp(join(packageRoot(), "examples", "quickstart"), config, { recursive: true });

  heading("Starting the embedded backup engine with its demo lab");
  const { startEngine } = await import("../../engine/server.js");
  const engine = await startEngine({ dataDir: join(work, "engine"), demo: true, port: 0 });
  process.stdout.write(`backup engine: ${engine.url} (ZStack API under /zstack/v1, CSBS under /v1, Keystone under /v3)\n`);
  process.stdout.write(`data:          ${relative(process.cwd(), join(work, "engine")) || "."}\n`);
  await writeFile(join(config, "terraform.tfvars"), `endpoint = "${engine.url}"\n`);
  const files = (await readdir(config)).filter((f) => f.endsWith(".tf")).sort();
  process.stdout.write(`configuration: ${relative(process.cwd(), config)} (${files.join(", ")})\n`);

  const steps: { what: string; ok: boolean }[] = [];
  try {
    heading("Step 1/3: backplan apply — create everything the configuration declares");
    const applied = await planAndApply([...color, "-auto-approve", config], false);
    steps.push({ what: "apply created the CDP policy and task, a VM backup, a CSBS policy + checkpoint and a restored VM", ok: applied === 0 });
    if (applied !== 0) return finish(steps, engine, work, config, 1);

    heading("Step 2/3: backplan plan — nothing to do right after an apply");
    const replan = await planCommand.run([...color, "-detailed-exitcode", config]);
    steps.push({ what: "a second plan found no changes (exit code 0 with -detailed-exitcode)", ok: replan === 0 });

    heading("Step 3/3: change the CDP task's RPO (max_latency_ms) and apply — an in-place update");
    await writeFile(join(config, "rpo.auto.tfvars"), "max_latency_ms = 300000\n");
    process.stdout.write(`wrote ${relative(process.cwd(), join(config, "rpo.auto.tfvars"))}: max_latency_ms = 300000\n\n`);
    const updated = await planAndApply([...color, "-auto-approve", config], false);
    steps.push({ what: "changing max_latency updated zstack_cdp_task.protect in place (UpdateCdpTask)", ok: updated === 0 });
    return finish(steps, engine, work, config, steps.every((s) => s.ok) ? 0 : 1);
  } catch (e) {
    await engine.close();
    throw e;
  }
}

async function finish(steps: { what: string; ok: boolean }[], engine: { close(): Promise<void> }, work: string, config: string, code: number): Promise<number> {
  await engine.close();
  heading(code === 0 ? "Quickstart complete" : "Quickstart failed");
  for (const s of steps) process.stdout.write(`  ${s.ok ? "✓" : "✗"} ${s.what}\n`);
  // Paths as the shell must read them, from where the user is: quoted when they hold spaces.
  const quoted = (p: string) => (/\s/.test(p) ? JSON.stringify(p) : p);
  const rel = (p: string) => quoted(relative(process.cwd(), p) || ".");
  // The docs shipped with this installation: relative inside a checkout, absolute for a global install.
  const docs = join(packageRoot(), "docs");
  const docsShown = relative(process.cwd(), docs).startsWith("..") ? quoted(docs) : rel(docs);
  // Printed for copying: the way to run this same backplan from here (never `npx`, see cliInvocation).
  const bp = cliInvocation();
  process.stdout.write(`
The engine's data and the state are kept in ${rel(work)}. To explore further:

  ${bp} engine serve --demo --data ${rel(join(work, "engine"))} &   # the same lab, on 127.0.0.1:8080
  ${bp} plan ${rel(config)} -var endpoint=http://127.0.0.1:8080
  ${bp} show ${rel(join(config, "terraform.tfstate"))}                      # what backplan manages
  ${bp} destroy ${rel(config)} -var endpoint=http://127.0.0.1:8080

Docs in ${docsShown}: getting-started.md, providers/, engine.md.
`);
  return code;
}

export const quickstartCommand: Command = {
  name: "quickstart",
  summary: "Run the end-to-end quickstart on the embedded backup engine",
  usage: "backplan quickstart [--dir DIR] [-no-color]",
  run: quickstart,
};
