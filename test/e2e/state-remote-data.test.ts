import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backplan, ensureBuilt, readState, workdir } from "./cli-harness.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * `data "terraform_remote_state"` through the built CLI: a producer configuration applied by backplan into a
 * backend, a consumer reading its outputs from it — the local backend with workspaces, and the engine's http
 * state server with credentials from TF_HTTP_* — and the faults Terraform reports, at their file and line.
 */

const PRODUCER = (backend: string) => `terraform {
${backend}
}

resource "terraform_data" "policy" {
  input = "daily-\${terraform.workspace}"
}

output "policy" {
  value = terraform_data.policy.output
}

output "retention" {
  value = { days = 30, tiers = ["hot", "cold"] }
}
`;

const dirs: string[] = [];
function dir(files: Record<string, string>): string {
  const d = workdir(files);
  dirs.push(d);
  return d;
}

async function ok(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await backplan(args, cwd, { env });
  if (r.code !== 0) throw new Error(`backplan ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("terraform_remote_state", { timeout: 60_000 }, () => {
  let producer: string;

  beforeAll(async () => {
    // The producer keeps its default workspace at shared/prod.tfstate and `dev` under shared/ws/dev/.
    producer = dir({ "main.tf": PRODUCER(`  backend "local" {\n    path          = "shared/prod.tfstate"\n    workspace_dir = "shared/ws"\n  }`) });
    await ok(["apply", "-auto-approve", "-input=false"], producer);
    await ok(["apply", "-auto-approve", "-input=false"], producer, { TF_WORKSPACE: "dev" });
  });

  it("reads a local backend's outputs per workspace, with defaults for what the state lacks", async () => {
    const config = `{ path = "${join(producer, "shared/prod.tfstate")}", workspace_dir = "${join(producer, "shared/ws")}" }`;
    const consumer = dir({
      "main.tf": `data "terraform_remote_state" "prod" {
  backend  = "local"
  config   = ${config}
  defaults = { policy = "none", owner = "backup-team" }
}

data "terraform_remote_state" "dev" {
  backend   = "local"
  config    = ${config}
  workspace = "dev"
}

output "prod_policy" {
  value = data.terraform_remote_state.prod.outputs.policy
}

output "dev_policy" {
  value = data.terraform_remote_state.dev.outputs.policy
}

output "owner" {
  value = data.terraform_remote_state.prod.outputs.owner
}

output "cold_tier" {
  value = data.terraform_remote_state.dev.outputs.retention.tiers[1]
}
`,
    });
    await ok(["apply", "-auto-approve", "-input=false"], consumer);
    const outputs = readState(consumer).outputs as Record<string, { value: unknown }>;
    expect(outputs["prod_policy"]!.value).toBe("daily-default");
    expect(outputs["dev_policy"]!.value).toBe("daily-dev");
    // defaults fill only what the state lacks: its own `policy` wins over the default "none"
    expect(outputs["owner"]!.value).toBe("backup-team");
    expect(outputs["cold_tier"]!.value).toBe("cold");
    // the data source is recorded as Terraform records it: dynamic arguments as {value, type}
    const ds = readState(consumer).resources.find((r) => r.name === "prod")!;
    expect(ds.instances[0]!.attributes["outputs"]).toMatchObject({ value: { owner: "backup-team", policy: "daily-default", retention: { days: 30, tiers: ["hot", "cold"] } } });
    expect(ds.instances[0]!.attributes["workspace"]).toBeNull();
  });

  it("reports an unknown backend type, a workspace with no state and a missing output at their file and line", async () => {
    const consumer = dir({
      "main.tf": `data "terraform_remote_state" "cloud" {
  backend = "gcs"
  config  = { bucket = "b" }
}

data "terraform_remote_state" "staging" {
  backend   = "local"
  config    = { path = "${join(producer, "shared/prod.tfstate")}", workspace_dir = "${join(producer, "shared/ws")}" }
  workspace = "staging"
}

data "terraform_remote_state" "prod" {
  backend = "local"
  config  = { path = "${join(producer, "shared/prod.tfstate")}" }
}

output "missing" {
  value = data.terraform_remote_state.prod.outputs.rpo_minutes
}
`,
    });
    const r = await backplan(["plan", "-input=false"], consumer);
    expect(r.code).toBe(1);
    const err = r.stderr;
    expect(err).toMatch(/Error: Invalid backend configuration\s+--> main\.tf:2:\d+/);
    expect(err).toContain('There is no backend type named "gcs" in backplan; it implements: http, local, pg, s3.');
    expect(err).toMatch(/Error: Unable to find remote state\s+--> main\.tf:9:\d+/);
    expect(err).toContain("No stored state was found for the given workspace in the given backend");
    expect(err).toMatch(/Error: Unsupported attribute\s+--> main\.tf:18:\d+/);
    expect(err).toContain('This object does not have an attribute named "rpo_minutes".');
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  describe("through the engine's http state server", () => {
    let engine: TestEngine;
    beforeAll(async () => {
      engine = await startTestEngine();
    });
    afterAll(async () => {
      await engine.dispose();
    });

    it("reads the outputs a producer applied there, with the password from TF_HTTP_PASSWORD", async () => {
      const address = `${engine.url}/engine/v1/states/backup-policies`;
      const env = { TF_HTTP_PASSWORD: "password" };
      const http = dir({
        "main.tf": PRODUCER(`  backend "http" {\n    address        = "${address}"\n    lock_address   = "${address}/lock"\n    unlock_address = "${address}/lock"\n    username       = "admin"\n  }`),
      });
      await ok(["apply", "-auto-approve", "-input=false"], http, env);
      const consumer = dir({
        "main.tf": `data "terraform_remote_state" "policies" {
  backend = "http"
  config  = { address = "${address}", username = "admin" }
}

output "policy" {
  value = data.terraform_remote_state.policies.outputs.policy
}
`,
      });
      const out = await ok(["apply", "-auto-approve", "-input=false"], consumer, env);
      expect(out).toContain('policy = "daily-default"');
      // the wrong password is the server's answer, at the data source
      const denied = await backplan(["plan", "-input=false"], consumer, { env: { TF_HTTP_PASSWORD: "wrong" } });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/Error loading state error\s+--> main\.tf:2:\d+/);
      expect(denied.stderr).toContain("requires auth");
    });
  });
});
