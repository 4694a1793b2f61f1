import { spawn } from "node:child_process";
import { requireTerraform, terraformEnv, type TerraformRun } from "../../src/state/testing/terraform.js";

/**
 * Runs the real `terraform` without blocking the event loop, for tests whose server (an in-process engine) must
 * keep answering while Terraform talks to it. Same offline environment as `src/state/testing/terraform.ts`, plus
 * `env`.
 */
export function terraformAsync(dir: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<TerraformRun> {
  const bin = requireTerraform();
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { cwd: dir, env: { ...terraformEnv(dir), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** Like `terraformAsync`, but throws with Terraform's output unless it exits with one of `ok`. */
export async function terraformAsyncOk(dir: string, args: string[], env: NodeJS.ProcessEnv = {}, ok: number[] = [0]): Promise<TerraformRun> {
  const r = await terraformAsync(dir, args, env);
  if (!ok.includes(r.status)) throw new Error(`terraform ${args.join(" ")} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/**
 * Runs `terraform apply` (or another prompting command) with input on: when Terraform asks for approval it holds
 * the state lock and waits, so `whilePrompting` runs at a point where the lock is certainly Terraform's; its result
 * is typed as the answer.
 */
export function terraformWhilePrompting(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  whilePrompting: () => Promise<string>,
  timeoutMs = 180_000,
): Promise<TerraformRun> {
  const bin = requireTerraform();
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { cwd: dir, env: { ...terraformEnv(dir), TF_INPUT: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let asked = false;
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
      if (asked || !stdout.includes("Enter a value:")) return;
      asked = true;
      whilePrompting().then(
        (answer) => child.stdin.end(`${answer}\n`),
        (e: unknown) => {
          child.kill("SIGKILL");
          fail(e);
        },
      );
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ status: code ?? -1, stdout, stderr });
    });
  });
}
