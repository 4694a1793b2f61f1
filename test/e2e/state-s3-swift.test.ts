import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/state/backends/backend.js";
import { createS3Backend } from "../../src/state/backends/s3.js";
import { readS3States } from "../../src/state/backends/s3-glob.js";
import { terraformWorkdir } from "../../src/state/testing/terraform.js";
import { LockError } from "../../src/state/lock.js";
import { backplan, ensureBuilt } from "./cli-harness.js";
import { applyKilledAfterCreates, cliEnv, finished, startBackplan, stateInstances, type TfState } from "./plan-harness.js";
import { startTestS3, type TestS3 } from "../support/s3.js";
import { terraformAsync, terraformAsyncOk } from "../support/terraform-async.js";

/**
 * Terraform 1.11's `backend "s3"` and backplan's s3 backend on one real S3-compatible server (OpenStack Swift
 * 2.30 with s3api, from Debian): same objects, same workspace keys, and the same answer about locking.
 */

function backendBlock(s3: TestS3, extra = ""): string {
  return `
terraform {
  backend "s3" {
    bucket                      = "tfstate"
    key                         = "team/app.tfstate"
    region                      = "${s3.region}"
    endpoints                   = { s3 = "${s3.endpoint}" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
${extra}
  }
}

resource "terraform_data" "policy" {
  input = "daily-\${terraform.workspace}"
}

output "policy" {
  value = terraform_data.policy.output
}
`;
}

describe("Terraform 1.11 backend \"s3\" and backplan's s3 backend on Swift", { timeout: 300_000 }, () => {
  let s3: TestS3;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let backend: Backend;
  const settings = () => ({
    bucket: "tfstate",
    key: "team/app.tfstate",
    region: s3.region,
    endpoints: { s3: s3.endpoint },
    use_path_style: true,
    skip_credentials_validation: true,
    skip_region_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_s3_checksum: true,
  });

  beforeAll(async () => {
    ensureBuilt();
    s3 = await startTestS3();
    await s3.bucket("tfstate");
    env = { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey };
    dir = terraformWorkdir({ "main.tf": backendBlock(s3) });
    backend = createS3Backend(settings(), env);
  }, 300_000);
  afterAll(async () => {
    await backend?.close();
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const objectText = async (key: string) =>
    (await (await s3.client.send(new GetObjectCommand({ Bucket: "tfstate", Key: key }))).Body!.transformToString());
  const keys = async () => ((await s3.client.send(new ListObjectsV2Command({ Bucket: "tfstate" }))).Contents ?? []).map((o) => o.Key).sort();

  it("Terraform applies in default and dev; the objects sit at key and env:/dev/key", async () => {
    await terraformAsyncOk(dir, ["init", "-input=false", "-no-color"], env);
    await terraformAsyncOk(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    await terraformAsyncOk(dir, ["workspace", "new", "-no-color", "dev"], env);
    await terraformAsyncOk(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    expect(await keys()).toEqual(["env:/dev/team/app.tfstate", "team/app.tfstate"]);
    const plan = await terraformAsync(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
  });

  it("backplan reads the same objects and lists the same workspaces", async () => {
    expect(await backend.workspaces()).toEqual(["default", "dev"]);
    const def = JSON.parse(Buffer.from((await backend.state("default").read())!).toString());
    const dev = JSON.parse(Buffer.from((await backend.state("dev").read())!).toString());
    expect(Buffer.from((await backend.state("default").read())!).toString()).toBe(await objectText("team/app.tfstate"));
    expect(def.resources[0].instances[0].attributes.input.value).toBe("daily-default");
    expect(dev.resources[0].instances[0].attributes.input.value).toBe("daily-dev");
    expect(def.lineage).not.toBe(dev.lineage);
    expect(backend.describe("dev")).toBe("s3://tfstate/env:/dev/team/app.tfstate");
    expect(await backend.state("nope").read()).toBeUndefined();
  });

  it("terraform_remote_state reads an s3 workspace's outputs, with the same config a backend block takes", async () => {
    const consumer = terraformWorkdir({
      "main.tf": `data "terraform_remote_state" "app" {
  backend   = "s3"
  workspace = "dev"
  config = {
    bucket                      = "tfstate"
    key                         = "team/app.tfstate"
    region                      = "${s3.region}"
    endpoints                   = { s3 = "${s3.endpoint}" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_s3_checksum            = true
  }
}

output "policy" {
  value = data.terraform_remote_state.app.outputs.policy
}
`,
    });
    try {
      // credentials from AWS_* as for a backend block
      const r = await backplan(["apply", "-auto-approve", "-input=false"], consumer, { env: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('policy = "daily-dev"');
    } finally {
      rmSync(consumer, { recursive: true, force: true });
    }
  });

  it("a workspace backplan writes is one Terraform lists and selects, and backplan deletes it", async () => {
    const dev = (await backend.state("dev").read())!;
    await backend.state("stage").write(dev);
    expect(await keys()).toContain("env:/stage/team/app.tfstate");
    const list = await terraformAsyncOk(dir, ["workspace", "list", "-no-color"], env);
    expect(list.stdout).toMatch(/^\s+stage$/m);
    await terraformAsyncOk(dir, ["workspace", "select", "-no-color", "stage"], env);
    const shown = await terraformAsyncOk(dir, ["state", "list", "-no-color"], env);
    expect(shown.stdout.trim()).toBe("terraform_data.policy");
    await terraformAsyncOk(dir, ["workspace", "select", "-no-color", "default"], env);
    await backend.deleteWorkspace("stage");
    expect(await backend.workspaces()).toEqual(["default", "dev"]);
    await expect(backend.deleteWorkspace("default")).rejects.toThrow("can't delete default state");
  });

  it("objects under another key or prefix are not workspaces", async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: "tfstate", Key: "env:/qa/other/app.tfstate", Body: "{}" }));
    await s3.client.send(new PutObjectCommand({ Bucket: "tfstate", Key: "env:/loose.tfstate", Body: "{}" }));
    expect(await backend.workspaces()).toEqual(["default", "dev"]);
  });

  it("use_lockfile: Swift 2.30 refuses the conditional PUT (501), so Terraform and backplan both refuse to run unlocked", async () => {
    const locked = terraformWorkdir({ "main.tf": backendBlock(s3, "    use_lockfile = true") });
    try {
      await terraformAsyncOk(locked, ["init", "-input=false", "-no-color"], env);
      const plan = await terraformAsync(locked, ["plan", "-input=false", "-no-color"], env);
      expect(plan.status).toBe(1);
      const text = plan.stderr.replace(/\s+/g, " ");
      expect(text).toContain("Error acquiring the state lock");
      expect(text).toContain("NotImplemented: Conditional object PUTs are not supported");
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
    const withLock = createS3Backend({ ...settings(), use_lockfile: true }, env);
    try {
      const err = await withLock
        .state("default")
        .lock({ ID: "dddddddd-0000-4000-8000-000000000004", Operation: "OperationTypePlan", Info: "", Who: "ci@runner", Version: "backplan", Created: "", Path: "" })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(LockError);
      expect((err as LockError).kind).toBe("unsupported");
      expect((err as Error).message).toContain(`S3 server at ${s3.endpoint} answered it with HTTP 501 NotImplemented: Conditional object PUTs are not supported`);
      expect(await keys()).not.toContain("team/app.tfstate.tflock");
      expect(await withLock.state("default").lockHolder()).toBeUndefined();
    } finally {
      await withLock.close();
    }
    // Through the CLI: an apply fails before touching anything, with the server's answer and no stack trace.
    const cliDir = terraformWorkdir({ "main.tf": backendBlock(s3, "    use_lockfile = true") });
    try {
      const before = await keys();
      const r = await backplan(["apply", "-auto-approve", "-input=false"], cliDir, { env: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Error acquiring the state lock");
      expect(r.stderr.replace(/\s+/g, " ")).toContain("HTTP 501 NotImplemented: Conditional object PUTs are not supported");
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(await keys()).toEqual(before);
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  });

  it("backplan applies a change on s3 and Terraform plans no-op; a SIGKILL mid-apply loses and duplicates nothing", async () => {
    const awsEnv = cliEnv({ AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey });
    const N = 3000; // the apply walks 64 × parallelism nodes at once: enough that the kill lands mid-way
    const many = Array.from({ length: N }, (_, i) => `resource "terraform_data" "r${i}" {\n  input = "v${i}"\n}\n`).join("\n");
    const crash = terraformWorkdir({ "main.tf": backendBlock(s3).replace('"team/app.tfstate"', '"crash/app.tfstate"') + many });
    try {
      await terraformAsyncOk(crash, ["init", "-input=false", "-no-color"], env);
      expect(await applyKilledAfterCreates(crash, 80, awsEnv)).toBe(null);
      // The journal is local (under .terraform/): the next run replays it into the object and plans exactly the rest.
      const plan = await finished(startBackplan(["plan", "-detailed-exitcode", "-no-color"], crash, awsEnv));
      expect(plan.code, plan.stderr).toBe(2);
      const stored = () => objectText("crash/app.tfstate").then((t) => stateInstances(JSON.parse(t) as TfState));
      const after = await stored();
      expect(after.size).toBeGreaterThanOrEqual(81); // "Creation complete" is printed once the change is durable
      expect(after.size).toBeLessThan(N + 1);
      expect(plan.stdout).toContain(`Plan: ${N + 1 - after.size} to add, 0 to change, 0 to destroy.`);
      const applied = await finished(startBackplan(["apply", "-auto-approve", "-no-color"], crash, awsEnv));
      expect(applied.code, applied.stderr).toBe(0);
      const final = await stored();
      expect(final.size).toBe(N + 1);
      for (const [addr, attrs] of after) expect(final.get(addr)?.id).toBe(attrs["id"]);
      // backplan changes one input; Terraform reads the object backplan wrote and plans no change.
      writeFileSync(join(crash, "main.tf"), readFileSync(join(crash, "main.tf"), "utf8").replace('"daily-${terraform.workspace}"', '"hourly-${terraform.workspace}"'));
      const changed = await finished(startBackplan(["apply", "-auto-approve", "-no-color"], crash, awsEnv));
      expect(changed.stdout, changed.stderr).toContain("Resources: 0 added, 1 changed, 0 destroyed.");
      const tfPlan = await terraformAsync(crash, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
      expect(tfPlan.status, tfPlan.stdout + tfPlan.stderr).toBe(0);
    } finally {
      rmSync(crash, { recursive: true, force: true });
    }
  });

  it("drift reads every state matching an s3:// glob (default and every workspace)", async () => {
    const url = `s3://tfstate/**/team/app.tfstate?endpoint=${s3.endpoint}&region=${s3.region}`;
    const found = await readS3States(url, env);
    expect(found.map((f) => f.key)).toEqual(["env:/dev/team/app.tfstate", "team/app.tfstate"]);
    expect(JSON.parse(Buffer.from(found[1]!.data).toString()).resources[0].type).toBe("terraform_data");
    expect(await readS3States(`s3://tfstate/nothing/**/*.tfstate?endpoint=${s3.endpoint}`, env)).toEqual([]);
    await expect(readS3States(`s3://missing-bucket/*.tfstate?endpoint=${s3.endpoint}`, env)).rejects.toThrow(/NoSuchBucket/);
  });

  it("a missing bucket is an error naming it", async () => {
    const other = createS3Backend({ ...settings(), bucket: "missing-bucket" }, env);
    try {
      await expect(other.state("default").read()).rejects.toThrow(/bucket "missing-bucket" does not exist/);
    } finally {
      await other.close();
    }
  });
});
