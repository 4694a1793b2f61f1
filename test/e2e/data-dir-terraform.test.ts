/**
 * `TF_DATA_DIR` against Terraform 1.11: everything init records (modules and modules.json, the backend record,
 * the workspace selection) goes under it for both tools, and each reads what the other wrote there.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTerraform, terraformEnv } from "../../src/state/testing/terraform.js";
import { fileTree } from "../support/file-tree.js";
import { makeRepo } from "../support/git-repos.js";
import { backplan, cliEnv } from "./plan-harness.js";

let base: string;
let repo: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "backplan-datadir-"));
  repo = join(base, "modrepo");
  makeRepo(repo, [
    {
      files: {
        "main.tf": 'output "v" {\n  value = "repo-v1"\n}\n',
        "sub/main.tf": 'module "inner" {\n  source = "./inner"\n}\noutput "z" {\n  value = module.inner.z\n}\n',
        "sub/inner/main.tf": 'output "z" {\n  value = "inner-v1"\n}\n',
      },
      tag: "v1",
    },
  ]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A configuration with a remote module, a remote subdirectory holding a local module, and a local backend. */
function workdir(): string {
  const dir = mkdtempSync(join(base, "w-"));
  writeFileSync(
    join(dir, "main.tf"),
    [
      `terraform {\n  backend "local" {\n    path = "state/terraform.tfstate"\n  }\n}`,
      `module "m" {\n  source = "git::file://${repo}?ref=v1"\n}`,
      `module "s" {\n  source = "git::file://${repo}//sub?ref=v1"\n}`,
      `output "v" {\n  value = module.m.v\n}`,
      `output "z" {\n  value = module.s.z\n}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, ".terraformrc"), "");
  return dir;
}

function tf(dir: string, args: string[], dataDir: string) {
  const r = spawnSync(requireTerraform(), args, { cwd: dir, encoding: "utf8", env: { ...terraformEnv(dir), TF_DATA_DIR: dataDir }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bp(args: string[], dir: string, dataDir?: string) {
  return backplan(args, dir, { env: cliEnv(dataDir === undefined ? {} : { TF_DATA_DIR: dataDir }) });
}

describe("TF_DATA_DIR", () => {
  it("backplan plans what terraform init installed under a relative TF_DATA_DIR", async () => {
    const dir = workdir();
    const init = tf(dir, ["init", "-input=false", "-no-color"], "tfdata");
    expect(init.stderr).toBe("");
    expect(existsSync(join(dir, "tfdata/modules/modules.json"))).toBe(true);
    expect(existsSync(join(dir, ".terraform"))).toBe(false);

    const plan = await bp(["plan", "-input=false", "-no-color"], dir, "tfdata");
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('v = "repo-v1"');
    expect(plan.stdout).toContain('z = "inner-v1"');
  }, 60_000);

  it("backplan init installs to the same place, with the same modules.json, backend record and workspace selection", async () => {
    for (const name of ["rel", "abs"]) {
      const tfDir = workdir();
      const bpDir = workdir();
      // Relative: each directory's own ./data. Absolute: one path per tool, Terraform recording it as given.
      const tfData = name === "rel" ? "./data/" : join(tfDir, "abs-data");
      const bpData = name === "rel" ? "./data/" : join(bpDir, "abs-data");
      expect(tf(tfDir, ["init", "-input=false", "-no-color"], tfData).code).toBe(0);
      const init = await bp(["init", "-input=false", "-no-color"], bpDir, bpData);
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      expect(existsSync(join(bpDir, ".terraform"))).toBe(false);

      const manifestOf = (d: string, data: string) => readFileSync(resolve(d, data, "modules/modules.json"), "utf8");
      expect(manifestOf(bpDir, bpData).replaceAll(bpDir, "DIR")).toBe(manifestOf(tfDir, tfData).replaceAll(tfDir, "DIR"));
      const packages = (d: string, data: string) => Object.fromEntries(Object.entries(fileTree(resolve(d, data, "modules"))).filter(([f]) => f !== "modules.json"));
      expect(packages(bpDir, bpData)).toEqual(packages(tfDir, tfData));
      // The backend record is where Terraform looks for it: terraform plans the backplan-initialised directory
      // without asking for init (it would say "Backend initialization required" with the record elsewhere).
      expect(existsSync(resolve(bpDir, bpData, "terraform.tfstate"))).toBe(true);
      const tfPlan = tf(bpDir, ["plan", "-input=false", "-no-color"], bpData);
      expect(tfPlan.stderr).toBe("");
      expect(tfPlan.stdout).toContain('z = "inner-v1"');
      if (name === "abs") expect((JSON.parse(manifestOf(bpDir, bpData)) as { Modules: { Key: string; Dir: string }[] }).Modules.find((m) => m.Key === "s.inner")?.Dir).toBe(join(bpData, "modules/s/sub/inner"));
      if (name === "rel") {
        // The workspace selection goes there too, and Terraform reads it.
        const created = await bp(["workspace", "new", "blue"], bpDir, bpData);
        expect(created.stderr).toBe("");
        expect(readFileSync(join(bpDir, "data/environment"), "utf8")).toBe("blue");
        expect(tf(bpDir, ["workspace", "show"], bpData).stdout.trim()).toBe("blue");
        expect(tf(bpDir, ["workspace", "show"], ".terraform").stdout.trim()).toBe("default");
      }
    }
  }, 90_000);
});
