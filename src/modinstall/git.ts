/**
 * Fetches a `git::` package with the system git, as go-getter's Git getter does for Terraform: `?ref=` is a
 * branch, tag or commit to check out, `?depth=N` makes a shallow clone of that ref, `?sshkey=` is a
 * base64-encoded private key for ssh URLs. The whole repository lands in `dest` (a `//subdir` is the caller's).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "./run.js";

export async function fetchGit(url: string, dest: string, signal?: AbortSignal): Promise<void> {
  const q = url.indexOf("?");
  const base = q >= 0 ? url.slice(0, q) : url;
  const params = new URLSearchParams(q >= 0 ? url.slice(q + 1) : "");
  const ref = params.get("ref") ?? "";
  const depthText = params.get("depth");
  const sshkey = params.get("sshkey");
  for (const k of ["ref", "depth", "sshkey"]) params.delete(k);
  const rest = params.toString();
  const cloneUrl = rest ? `${base}?${rest}` : base;
  let depth = 0;
  if (depthText !== null) {
    depth = Number(depthText);
    if (!Number.isInteger(depth) || depth < 0) throw new Error(`?depth=${depthText} is not a whole number`);
  }

  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
  let keyDir: string | undefined;
  if (sshkey) {
    keyDir = mkdtempSync(join(tmpdir(), "backplan-sshkey-"));
    const keyFile = join(keyDir, "key");
    writeFileSync(keyFile, Buffer.from(sshkey, "base64"));
    chmodSync(keyFile, 0o600);
    env.GIT_SSH_COMMAND = `ssh -i ${keyFile} -o IdentitiesOnly=yes`;
  }
  try {
    const opts = { env, ...(signal ? { signal } : {}) };
    if (depth > 0) {
      await runTool("git", ["clone", "--depth", String(depth), ...(ref ? ["--branch", ref] : []), "--", cloneUrl, dest], opts);
    } else {
      await runTool("git", ["clone", "--", cloneUrl, dest], opts);
      if (ref) await runTool("git", ["-c", "advice.detachedHead=false", "checkout", ref], { ...opts, cwd: dest });
    }
    if (existsSync(join(dest, ".gitmodules"))) await runTool("git", ["submodule", "update", "--init", "--recursive"], { ...opts, cwd: dest });
  } finally {
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  }
}
