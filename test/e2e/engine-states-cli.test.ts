import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { terraformWorkdir } from "../../src/state/testing/terraform.js";
import { terraformAsync, terraformAsyncOk } from "../support/terraform-async.js";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * `backplan engine serve` as a team runs it, as the state server of a Terraform configuration whose
 * `backend "http" {}` block is empty and configured only through `TF_HTTP_*` (as a CI job does): state survives
 * an engine restart, and the printed route is the one that works.
 */
describe("backplan engine serve as a Terraform state server", { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-states-cli-"));
  const dir = terraformWorkdir({
    "main.tf": `
terraform {
  backend "http" {}
}

resource "terraform_data" "schedule" {
  input = "0 2 * * *"
}
`,
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(listen: string): Promise<{ child: ChildProcess; url: string; out: () => string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "engine", "serve", "--data", dataDir, "--listen", listen], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const deadline = Date.now() + 60_000;
    while (!/Terraform state: \S+/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill("SIGTERM");
        throw new Error(`engine did not start:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    return { child, url, out: () => out, exited };
  }

  it("inits and applies through TF_HTTP_* alone, and plans no-op after the engine restarted", async () => {
    const first = await serve("127.0.0.1:0");
    const port = new URL(first.url).port;
    expect(first.out()).toContain(`Terraform state: ${first.url}/engine/v1/states/NAME`);
    const base = `${first.url}/engine/v1/states/nightly`;
    const env = {
      TF_HTTP_ADDRESS: base,
      TF_HTTP_LOCK_ADDRESS: `${base}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `${base}/lock`,
      TF_HTTP_USERNAME: "admin",
      TF_HTTP_PASSWORD: "password",
    };
    try {
      await terraformAsyncOk(dir, ["init", "-input=false", "-no-color"], env);
      await terraformAsyncOk(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    } finally {
      first.child.kill("SIGTERM");
    }
    expect(await first.exited).toBe(0);

    const second = await serve(`127.0.0.1:${port}`);
    try {
      const plan = await terraformAsync(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
      expect(plan.status, plan.stdout + plan.stderr).toBe(0);
      const versions = await fetch(`${base}/versions`, { headers: { authorization: `Basic ${Buffer.from("admin:password").toString("base64")}` } });
      const body = (await versions.json()) as { versions: { version: number }[] };
      expect(body.versions.length).toBeGreaterThanOrEqual(1);
      const wrong = await terraformAsync(dir, ["plan", "-input=false", "-no-color"], { ...env, TF_HTTP_PASSWORD: "nope" });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr.replace(/\s+/g, " ")).toContain("HTTP remote state endpoint requires auth");
    } finally {
      second.child.kill("SIGTERM");
    }
    expect(await second.exited).toBe(0);
  });
});
