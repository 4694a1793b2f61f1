import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs the real `terraform` binary for compatibility tests, offline: an empty CLI config, no checkpoint calls,
 * automation mode. Only the builtin `terraform_data` resource is used, so `init` needs no registry.
 */

export interface TerraformRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Path of `terraform` on PATH; throws (failing the test) with a clear message when there is none. */
export function requireTerraform(): string {
  const r = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === "") {
    throw new Error(
      "terraform is not on PATH: the state compatibility tests run the real Terraform CLI (1.11 or later) to check that " +
        "backplan reads what Terraform writes and the other way round. Install terraform and put it on PATH.",
    );
  }
  return path;
}

/** A fresh working directory with `files` written into it and an empty CLI config beside. */
export function terraformWorkdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-tf-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, ".terraformrc"), "");
  return dir;
}

/** The environment terraform runs with: offline, non-interactive, the empty CLI config of `dir`. */
export function terraformEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? dir,
    TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    NO_COLOR: "1",
  };
}

export function terraform(dir: string, args: string[]): TerraformRun {
  const bin = requireTerraform();
  const r = spawnSync(bin, args, { cwd: dir, encoding: "utf8", env: terraformEnv(dir), timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs terraform and throws with its output unless it exits with one of `ok` (default 0). */
export function terraformOk(dir: string, args: string[], ok: number[] = [0]): TerraformRun {
  const r = terraform(dir, args);
  if (!ok.includes(r.status)) {
    throw new Error(`terraform ${args.join(" ")} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

export function terraformVersion(): string {
  return execFileSync(requireTerraform(), ["version", "-json"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
}
