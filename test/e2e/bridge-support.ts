import { execFile, type ExecFileException } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

/** Helpers of the bridge e2e tests: the real `terraform` binary and the built `backplan` CLI. */

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "dist/src/cli/main.js");

/** The Terraform binary the bridge tests drive; they fail with this message when it is missing. */
export function terraformBinary(): string {
  const bin = process.env["BACKPLAN_TERRAFORM"] ?? "/usr/local/bin/terraform";
  if (!existsSync(bin)) {
    throw new Error(
      `The bridge e2e tests need Terraform 1.11 at ${bin} (set BACKPLAN_TERRAFORM to another path). Nothing is downloaded by the tests.`,
    );
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  return bin;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      (err: ExecFileException | null, stdout, stderr) => {
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A Terraform working directory with the backplan providers installed by `backplan terraform install`. */
export class TerraformDir {
  readonly env: Record<string, string>;

  constructor(
    readonly dir: string,
    readonly installDir: string,
    private readonly bin: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.env = {
      TF_CLI_CONFIG_FILE: join(installDir, "terraformrc"),
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_INPUT: "0",
    };
  }

  tf(...args: string[]): Promise<Run> {
    return run(this.bin, args, { cwd: this.dir, env: this.env });
  }

  /** `terraform <args>`, failing the test with Terraform's output when the exit code is not `expected`. */
  async tfOk(expected: number, ...args: string[]): Promise<string> {
    const r = await this.tf(...args);
    if (r.code !== expected) throw new Error(`terraform ${args.join(" ")} exited ${r.code}, expected ${expected}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  backplan(...args: string[]): Promise<Run> {
    return run(process.execPath, [CLI, ...args], { cwd: this.dir, env: this.env });
  }

  async backplanOk(expected: number, ...args: string[]): Promise<string> {
    const r = await this.backplan(...args);
    if (r.code !== expected) throw new Error(`backplan ${args.join(" ")} exited ${r.code}, expected ${expected}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
}

/** `backplan terraform install -dir DIR` through the built CLI. */
export async function installProviders(dir: string): Promise<void> {
  const r = await run(process.execPath, [CLI, "terraform", "install", "-dir", dir], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`backplan terraform install failed:\n${r.stdout}\n${r.stderr}`);
}

/** Actions of a `terraform show -json` / `backplan show -json` plan, by address. */
export function planActions(planJson: string): Record<string, string> {
  const plan = JSON.parse(planJson) as { resource_changes?: { address: string; change: { actions: string[] } }[] };
  const out: Record<string, string> = {};
  for (const rc of plan.resource_changes ?? []) out[rc.address] = rc.change.actions.join(",");
  return out;
}
