import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terraformWorkdir } from "../../src/state/testing/terraform.js";
import { backplan, ensureBuilt } from "./cli-harness.js";
import { startPostgres, type Postgres } from "../support/postgres.js";
import { terraformAsyncOk } from "../support/terraform-async.js";

/**
 * Terraform 1.11 and backplan read one pg remote state identically: Terraform applies a producer into two
 * workspaces of a pg backend (conn_str from PG_CONN_STR, as both tools take it); the same consumer
 * configuration, applied once by each tool, records the same output values with the same types.
 */

const PRODUCER = `terraform {
  backend "pg" {
    schema_name = "team_states"
  }
}

variable "rpo" {
  type    = number
  default = 15
}

resource "terraform_data" "policy" {
  input = "cdp-\${terraform.workspace}"
}

output "policy" {
  value = terraform_data.policy.output
}

output "rpo_minutes" {
  value = var.rpo
}

output "vms" {
  value = ["vm-a", "vm-b"]
}

output "retention" {
  value = { days = 30, weekly = true, tiers = ["hot", "cold"] }
}

output "token" {
  value     = "s3cr3t"
  sensitive = true
}
`;

const CONSUMER = `data "terraform_remote_state" "prod" {
  backend  = "pg"
  config   = { schema_name = "team_states" }
  defaults = { owner = "backup-team", rpo_minutes = 60 }
}

data "terraform_remote_state" "dev" {
  backend   = "pg"
  config    = { schema_name = "team_states" }
  workspace = "dev"
}

output "prod" {
  value = data.terraform_remote_state.prod.outputs
}

output "dev_policy" {
  value = data.terraform_remote_state.dev.outputs.policy
}

output "dev_rpo_plus_one" {
  value = data.terraform_remote_state.dev.outputs.rpo_minutes + 1
}

output "first_vm" {
  value = data.terraform_remote_state.prod.outputs.vms[0]
}

output "cold" {
  value = data.terraform_remote_state.dev.outputs.retention.tiers[1]
}
`;

let server: Postgres;
const dirs: string[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  ensureBuilt();
  server = await startPostgres();
  env = { PG_CONN_STR: await server.createDatabase("remote_state") };
}, 120_000);
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function outputsOf(dir: string): unknown {
  return (JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as { outputs: unknown }).outputs;
}

describe("terraform_remote_state on pg, Terraform 1.11 beside backplan", { timeout: 120_000 }, () => {
  it("gives both tools the same outputs, values and types, from the default and the dev workspace", async () => {
    const producer = terraformWorkdir({ "main.tf": PRODUCER });
    dirs.push(producer);
    await terraformAsyncOk(producer, ["init", "-input=false", "-no-color"], env);
    await terraformAsyncOk(producer, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    await terraformAsyncOk(producer, ["workspace", "new", "-no-color", "dev"], env);
    await terraformAsyncOk(producer, ["apply", "-auto-approve", "-input=false", "-no-color", "-var", "rpo=5"], env);

    const tf = terraformWorkdir({ "main.tf": CONSUMER });
    const bp = terraformWorkdir({ "main.tf": CONSUMER });
    dirs.push(tf, bp);
    await terraformAsyncOk(tf, ["init", "-input=false", "-no-color"], env);
    await terraformAsyncOk(tf, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    const r = await backplan(["apply", "-auto-approve", "-input=false"], bp, { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const expected = outputsOf(tf) as Record<string, { value: unknown }>;
    expect(expected["dev_policy"]!.value).toBe("cdp-dev");
    expect(expected["dev_rpo_plus_one"]!.value).toBe(6);
    expect((expected["prod"]!.value as Record<string, unknown>)["owner"]).toBe("backup-team");
    expect((expected["prod"]!.value as Record<string, unknown>)["rpo_minutes"]).toBe(15);
    // values and types alike (a tuple here: backplan's values do not tell a list from a tuple, so a tolist()
    // output would be recorded as a tuple — true of every backplan output, see docs/state.md)
    expect(outputsOf(bp)).toEqual(expected);

    // and Terraform plans no change over the state backplan wrote for the consumer
    await terraformAsyncOk(bp, ["init", "-input=false", "-no-color"], env);
    const plan = await terraformAsyncOk(bp, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
    expect(plan.stdout).toContain("No changes.");
  });
});
