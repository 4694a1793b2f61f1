/**
 * Runs the real `backplan` CLI (the TypeScript sources under tsx, as a child process) and the installed
 * `terraform` binary in a working directory, for the plan/apply end-to-end tests. Nothing is mocked.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(ROOT, "src/cli/main.ts");
/** tsx's loader by absolute URL: the CLI runs with the test directory (not the repository) as its cwd. */
const TSX = pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("tsx")).href;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for both tools: no color, no Terraform CLI config (offline), no checkpoint calls. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", ...extra };
}

/** Starts `backplan ARGS` in `cwd`; the caller waits with `finished`. */
export function startBackplan(args: string[], cwd: string, env: NodeJS.ProcessEnv = cliEnv()): ChildProcess {
  return spawn(process.execPath, ["--import", TSX, CLI, ...args], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
}

/** Waits for `child` to exit; `input` is written to its stdin, which is then closed (null: left open). */
export function finished(child: ChildProcess, input?: string | null): Promise<RunResult> {
  return new Promise((res, rej) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", rej);
    child.on("close", (code) => res({ code, stdout, stderr }));
    if (input === undefined) child.stdin!.end();
    else if (input !== null) child.stdin!.end(input);
  });
}

/** Runs `backplan apply -auto-approve` in `cwd` and SIGKILLs it once it printed `creates` creations; its exit code. */
export async function applyKilledAfterCreates(cwd: string, creates: number, env: NodeJS.ProcessEnv = cliEnv()): Promise<number | null> {
  const child = startBackplan(["apply", "-auto-approve", "-no-color"], cwd, env);
  const done = finished(child);
  await new Promise<void>((res, rej) => {
    let seen = 0;
    child.stdout!.on("data", (x: Buffer | string) => {
      seen += (x.toString().match(/: Creation complete/g) ?? []).length;
      if (seen >= creates) res();
    });
    child.on("close", () => rej(new Error(`exited after ${seen} creates`)));
  });
  child.kill("SIGKILL");
  return (await done).code;
}

export function backplan(args: string[], cwd: string, opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return finished(startBackplan(args, cwd, opts.env ?? cliEnv()), opts.input);
}

export function terraform(args: string[], cwd: string): RunResult {
  const r = spawnSync("terraform", args, { cwd, env: cliEnv(), encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function terraformAvailable(): boolean {
  return spawnSync("terraform", ["version"], { env: cliEnv(), encoding: "utf8" }).status === 0;
}

/** A fresh working directory holding `main.tf`. */
export function workdir(mainTf: string): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-e2e-"));
  writeFileSync(join(dir, "main.tf"), mainTf);
  return dir;
}

export function writeMain(dir: string, mainTf: string): void {
  writeFileSync(join(dir, "main.tf"), mainTf);
}

export interface TfState {
  version: number;
  serial: number;
  lineage: string;
  resources: { mode: string; type: string; name: string; provider: string; instances: { index_key?: number | string; attributes: Record<string, unknown>; status?: string }[] }[];
}

export function readState(dir: string): TfState {
  return JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as TfState;
}

/** `type.name[key]` → attributes, for every instance in a state file. */
export function stateInstances(state: TfState): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of state.resources) {
    for (const i of r.instances) {
      const key = i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `["${i.index_key}"]`;
      out.set(`${r.mode === "data" ? "data." : ""}${r.type}.${r.name}${key}`, i.attributes);
    }
  }
  return out;
}

export interface PlanJson {
  format_version: string;
  resource_changes?: {
    address: string;
    previous_address?: string;
    mode: string;
    type: string;
    name: string;
    index?: number | string;
    provider_name: string;
    action_reason?: string;
    change: { actions: string[]; before: unknown; after: unknown; after_unknown: unknown; before_sensitive: unknown; after_sensitive: unknown; replace_paths?: unknown };
  }[];
  resource_drift?: { address: string; change: { actions: string[] } }[];
  output_changes?: Record<string, { actions: string[] }>;
  applyable?: boolean;
  complete?: boolean;
  errored?: boolean;
}

/** Parses the last JSON document a `plan -json` printed. */
export function planJsonOf(stdout: string): PlanJson {
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`no JSON plan in output:\n${stdout}`);
  return JSON.parse(line) as PlanJson;
}

export function changeOf(plan: PlanJson, address: string) {
  const c = plan.resource_changes?.find((x) => x.address === address);
  if (!c) throw new Error(`no change for ${address} in ${JSON.stringify(plan.resource_changes?.map((x) => x.address))}`);
  return c;
}
