import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Drives the built `backplan` CLI (dist/src/cli/main.js) as a child process, the way users and CI run it, and
 * the real `terraform` binary for compatibility checks. Shared by the test/e2e/cli-*.test.ts files.
 */

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "dist/src/cli/main.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext) && !e.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when the CLI sources are newer than their build (one build at a time across test files, by a
 * lock directory). tsc's exit code is ignored: it also reports errors in other people's work in progress, and
 * emits regardless; what matters is that the CLI entry point exists afterwards.
 */
export function ensureBuilt(): void {
  const stale = () => !existsSync(CLI) || newestMtime(join(ROOT, "src/cli"), ".ts") > newestMtime(join(ROOT, "dist/src/cli"), ".js");
  if (!stale()) return;
  const lock = join(tmpdir(), "backplan-cli-e2e-build.lock");
  const deadline = Date.now() + 170_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      execFileSync("sleep", ["1"]);
    }
  }
  try {
    if (stale()) {
      try {
        execFileSync("npx", ["tsc", "-p", "."], { cwd: ROOT, stdio: "ignore" });
      } catch {
        // see above
      }
    }
  } finally {
    rmdirSync(lock);
  }
  if (!existsSync(CLI)) throw new Error(`build did not produce ${CLI}`);
}

/** Runs `backplan ARGS` in `cwd`; `stdin` is written and closed (default: closed at once). */
export function backplan(args: readonly string[], cwd: string, opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", ...opts.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** A fresh directory holding `files` (name → content). */
export function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-cli-"));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(resolve(p, ".."), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/**
 * `terraform show -json` on a copy of the state file, in a directory without configuration (so Terraform needs
 * no init and judges the file alone). Throws with Terraform's output when it refuses the file.
 */
export function terraformShowJson(stateFile: string): { format_version: string; values?: { outputs?: Record<string, { value: unknown; sensitive: boolean }>; root_module: TfModule } } {
  const dir = mkdtempSync(join(tmpdir(), "backplan-tf-"));
  writeFileSync(join(dir, "s.tfstate"), readFileSync(stateFile));
  const out = execFileSync("terraform", ["show", "-json", "s.tfstate"], { cwd: dir, env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" }, encoding: "utf8" });
  return JSON.parse(out) as ReturnType<typeof terraformShowJson>;
}

export interface TfModule {
  resources?: { address: string; values: Record<string, unknown> }[];
  child_modules?: TfModule[];
}

/** Every resource address in a `values` module tree. */
export function addressesOf(m: TfModule | undefined): string[] {
  if (!m) return [];
  return [...(m.resources ?? []).map((r) => r.address), ...(m.child_modules ?? []).flatMap(addressesOf)];
}

export function readState(dir: string, name = "terraform.tfstate"): { serial: number; lineage: string; resources: { module?: string; type: string; name: string; instances: { index_key?: number | string; attributes: Record<string, unknown> }[] }[]; outputs: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(dir, name), "utf8")) as ReturnType<typeof readState>;
}
