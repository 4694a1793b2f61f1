import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installProviders, TerraformDir, terraformBinary } from "./bridge-support.js";

/**
 * Provider versions and `.terraform.lock.hcl`, with Terraform 1.11 as the reference: the lock file `backplan
 * providers lock` writes is the one `terraform init` keeps, and backplan refuses the constraints and lock
 * files Terraform refuses.
 */

const config = (version?: string) => `terraform {
  required_providers {
    zstack = { source = "backplan/zstack"${version ? `, version = ${JSON.stringify(version)}` : ""} }
    csbs   = { source = "backplan/csbs" }
  }
}
`;

describe("provider versions and lock file, against Terraform 1.11", () => {
  let work: string;
  let install: string;
  let bin: string;
  let n = 0;
  const dir = (main: string): TerraformDir => {
    const tf = new TerraformDir(join(work, String(n++)), install, bin);
    mkdirSync(tf.dir, { recursive: true });
    writeFileSync(join(tf.dir, "main.tf"), main);
    return tf;
  };

  beforeAll(async () => {
    bin = terraformBinary();
    work = mkdtempSync(join(tmpdir(), "backplan-lock-e2e-"));
    install = join(work, "install");
    await installProviders(install);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("terraform init accepts the lock file backplan wrote without changing it, from the mirror or not", async () => {
    for (const fsMirror of [true, false]) {
      const tf = dir(config("~> 0.1"));
      await tf.backplanOk(0, "providers", "lock", ...(fsMirror ? [`-fs-mirror=${join(install, "mirror")}`] : []));
      const written = readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8");
      expect(written).toContain('constraints = "~> 0.1"');
      const out = await tf.tfOk(0, "init", "-no-color");
      expect(out).toContain("Reusing previous version of backplan/zstack from the dependency lock file");
      expect(readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8")).toBe(written);
      // And backplan plans with it.
      await tf.backplanOk(0, "validate", "-no-color");
    }
  }, 180_000);

  it("backplan accepts the lock file terraform init wrote, and writes the same one", async () => {
    const tf = dir(config("0.1"));
    await tf.tfOk(0, "init", "-no-color");
    const tfLock = readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8");
    expect(tfLock).toContain('constraints = "0.1.0"');
    await tf.backplanOk(0, "validate", "-no-color");
    const again = await tf.backplanOk(0, "providers", "lock", `-fs-mirror=${join(install, "mirror")}`);
    expect(again).toContain("found no need for changes");
    expect(readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8")).toBe(tfLock);
  }, 180_000);

  it("a version constraint no available release meets: both refuse with the same error", async () => {
    const tf = dir(config("~> 2.0"));
    const t = await tf.tf("init", "-no-color");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("Failed to query available provider packages");
    expect(t.stderr.replace(/\s+/g, " ")).toContain("backplan/zstack: no available releases match the given constraints ~> 2.0");
    const b = await tf.backplan("validate", "-no-color");
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("Error: Failed to query available provider packages");
    expect(b.stderr).toContain("main.tf:3");
    expect(b.stderr).toContain("backplan/zstack: no available releases match the given constraints ~> 2.0");
  }, 180_000);

  it("constraints changed after init to exclude the locked version: both refuse", async () => {
    const tf = dir(config("~> 0.1"));
    await tf.tfOk(0, "init", "-no-color");
    writeFileSync(join(tf.dir, "main.tf"), config("~> 0.2"));
    const t = await tf.tf("plan", "-no-color");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("locked version selection 0.1.0 doesn't match the updated version constraints \"~> 0.2\"");
    const b = await tf.backplan("plan", "-no-color");
    expect(b.code).toBe(1);
    // ~> 0.2 also excludes the built-in 0.1.0, so no init could satisfy it: backplan says so, as init would.
    expect(b.stderr).toContain("no available releases match the given constraints ~> 0.2");
  }, 180_000);

  it("a lock file pinning a version the constraints exclude: both refuse, backplan naming init -upgrade", async () => {
    const tf = dir(config("~> 0.1"));
    await tf.tfOk(0, "init", "-no-color");
    const lockPath = join(tf.dir, ".terraform.lock.hcl");
    writeFileSync(lockPath, readFileSync(lockPath, "utf8").replace('version     = "0.1.0"', 'version     = "0.0.9"'));
    const t = await tf.tf("plan", "-no-color");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("0.0.9");
    const b = await tf.backplan("plan", "-no-color");
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("Error: Inconsistent dependency lock file");
    expect(b.stderr).toContain("locked version selection 0.0.9 doesn't match the updated version constraints \"~> 0.1\"");
    expect(b.stderr).toContain("backplan init -upgrade");
  }, 180_000);

  it("a lock file pinning a version backplan does not have: Terraform and backplan refuse it", async () => {
    const tf = dir(config());
    await tf.tfOk(0, "init", "-no-color");
    const lockPath = join(tf.dir, ".terraform.lock.hcl");
    writeFileSync(lockPath, readFileSync(lockPath, "utf8").replace('version = "0.1.0"', 'version = "0.2.0"'));
    const t = await tf.tf("plan", "-no-color");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("registry.terraform.io/backplan/");
    const b = await tf.backplan("plan", "-no-color");
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("Error: Inconsistent dependency lock file");
    expect(b.stderr).toContain(".terraform.lock.hcl:");
    expect(b.stderr).toContain("locked version selection 0.2.0 is not the version built into this backplan (0.1.0)");
    expect(b.stderr).toContain("backplan init -upgrade");
  }, 180_000);

  it("terraform providers lock (what cdktf runs) needs the install's TF_CLI_ARGS_providers_lock, and then writes backplan's lock file", async () => {
    const tf = dir(config("~> 0.1"));
    const bare = await tf.tf("providers", "lock", "-platform=linux_amd64", "-no-color");
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("Could not retrieve providers for locking");
    const env = Object.fromEntries(
      [...readFileSync(join(install, "env"), "utf8").matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(env["TF_CLI_ARGS_providers_lock"]).toBe(`-fs-mirror=${join(install, "mirror")}`);
    Object.assign(tf.env, env);
    await tf.tfOk(0, "providers", "lock", "-platform=linux_amd64", "-no-color");
    const tfLock = readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8");
    const again = await tf.backplanOk(0, "providers", "lock", "-platform=linux_amd64");
    expect(again).toContain("found no need for changes");
    expect(readFileSync(join(tf.dir, ".terraform.lock.hcl"), "utf8")).toBe(tfLock);
  }, 180_000);
});
