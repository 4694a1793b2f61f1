/**
 * Module sources against Terraform 1.11 as the reference: real Git repositories made on disk, `terraform init`
 * and backplan's installModules run on the same configuration, and the results compared (modules.json byte for
 * byte, the installed files); then backplan plans the directory Terraform installed, and the other way round.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { installModules } from "../../src/modinstall/install.js";
import { terraform, terraformOk } from "../../src/state/testing/terraform.js";
import { fileTree } from "../support/file-tree.js";
import { makeRepo } from "../support/git-repos.js";
import { backplan, cliEnv } from "./plan-harness.js";

let base: string;
let repo: string;
let repo2: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "backplan-modgit-"));
  repo = join(base, "modrepo");
  repo2 = join(base, "nested");
  makeRepo(repo2, [
    { files: { "main.tf": 'output "n" {\n  value = "nested-v1"\n}\n' }, tag: "v1" },
    { files: { "main.tf": 'output "n" {\n  value = "nested-v2"\n}\n' }, tag: "v2" },
  ]);
  makeRepo(repo, [
    {
      files: {
        "main.tf": `output "root" {\n  value = "repo-root"\n}\nmodule "nested" {\n  source = "git::file://${repo2}?ref=v1"\n}\noutput "nested" {\n  value = module.nested.n\n}\n`,
        "sub/main.tf": 'variable "x" {\n  default = "sub-v1"\n}\noutput "y" {\n  value = var.x\n}\nmodule "inner" {\n  source = "./inner"\n}\noutput "z" {\n  value = module.inner.z\n}\n',
        "sub/inner/main.tf": 'output "z" {\n  value = "inner-v1"\n}\n',
      },
      tag: "v1",
    },
    { files: { "sub/main.tf": 'output "y" {\n  value = "sub-v2"\n}\noutput "z" {\n  value = "none"\n}\n' }, tag: "v2" },
  ]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function config(): Record<string, string> {
  return {
    "main.tf": [
      `module "cdp" {\n  source = "git::file://${repo}//sub?ref=v1"\n}`,
      `module "top" {\n  source = "git::file://${repo}?ref=v1&depth=1"\n}`,
      `module "loc" {\n  source = "./l"\n}`,
      `output "y" {\n  value = module.cdp.y\n}`,
      `output "z" {\n  value = module.cdp.z\n}`,
      `output "nested" {\n  value = module.top.nested\n}`,
      `output "deep" {\n  value = module.loc.deep\n}`,
      "",
    ].join("\n"),
    "l/main.tf": `module "deep" {\n  source = "git::file://${repo2}"\n}\noutput "deep" {\n  value = module.deep.n\n}\n`,
  };
}


/** A fresh working directory with `files` (nested paths allowed) and the empty CLI config the harness uses. */
function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-modwd-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  writeFileSync(join(dir, ".terraformrc"), "");
  return dir;
}

describe("git module sources: backplan installs what terraform init installs", () => {
  it("same modules.json, same files, for ?ref, ?depth, //subdir, nested remote and local-in-remote modules", async () => {
    const tfDir = workdir(config());
    const bpDir = workdir(config());
    try {
      terraformOk(tfDir, ["init", "-input=false", "-no-color"]);
      const logs: string[] = [];
      const r = await installModules(bpDir, { log: (l) => logs.push(l), env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
      expect(r.diagnostics).toEqual([]);
      const tfManifest = readFileSync(join(tfDir, ".terraform/modules/modules.json"), "utf8");
      const bpManifest = readFileSync(join(bpDir, ".terraform/modules/modules.json"), "utf8");
      expect(bpManifest).toBe(tfManifest);
      expect(JSON.parse(bpManifest).Modules.map((m: { Key: string }) => m.Key)).toEqual(["", "cdp", "cdp.inner", "loc", "loc.deep", "top", "top.nested"]);
      expect(fileTree(join(bpDir, ".terraform/modules"))).toEqual(fileTree(join(tfDir, ".terraform/modules")));
      expect(logs).toContain(`Downloading git::file://${repo}?ref=v1&depth=1 for top...`);
      expect(logs).toContain("- cdp.inner in .terraform/modules/cdp/sub/inner");
    } finally {
      rmSync(tfDir, { recursive: true, force: true });
      rmSync(bpDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("backplan plans the directory terraform init installed; terraform plans the one backplan installed", async () => {
    const tfDir = workdir(config());
    const bpDir = workdir(config());
    try {
      terraformOk(tfDir, ["init", "-input=false", "-no-color"]);
      const loaded = loadConfig(tfDir, { displayBase: tfDir });
      expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const plan = await backplan(["plan", "-no-color", "."], tfDir, { env: cliEnv({ TF_CLI_CONFIG_FILE: join(tfDir, ".terraformrc") }) });
      expect(plan.stderr).toBe("");
      expect(plan.code).toBe(0);
      for (const v of ['y      = "sub-v1"', 'z      = "inner-v1"', 'nested = "nested-v1"', 'deep   = "nested-v2"']) expect(plan.stdout).toContain(v);

      const r = await installModules(bpDir, { env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
      expect(r.diagnostics).toEqual([]);
      const tfPlan = terraformOk(bpDir, ["plan", "-no-color", "-input=false"]);
      for (const v of ['y      = "sub-v1"', 'z      = "inner-v1"', 'nested = "nested-v1"', 'deep   = "nested-v2"']) expect(tfPlan.stdout).toContain(v);
    } finally {
      rmSync(tfDir, { recursive: true, force: true });
      rmSync(bpDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("a changed ?ref is an error naming file:line until init runs again; init keeps unchanged modules and -upgrade refetches", async () => {
    const dir = workdir(config());
    try {
      expect((await installModules(dir, { env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } })).diagnostics).toEqual([]);
      writeFileSync(join(dir, "main.tf"), readFileSync(join(dir, "main.tf"), "utf8").replace("//sub?ref=v1", "//sub?ref=v2").replace(/output "z" \{\n  value = module.cdp.z\n\}\n/, ""));
      const stale = await backplan(["plan", "-no-color", "."], dir);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toMatch(/Module source has changed/);
      expect(stale.stderr).toMatch(/main\.tf:2/);
      expect(stale.stderr).toMatch(/Run "backplan init"/);
      // Terraform refuses the same directory for the same reason.
      const tf = terraform(dir, ["plan", "-no-color", "-input=false"]);
      expect(tf.status).toBe(1);
      expect(tf.stderr).toMatch(/Module source has changed/);

      const logs: string[] = [];
      expect((await installModules(dir, { log: (l) => logs.push(l), env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } })).diagnostics).toEqual([]);
      expect(logs).toContain(`Downloading git::file://${repo}?ref=v2 for cdp...`);
      expect(logs).toContain("- top in .terraform/modules/top");
      expect(logs.some((l) => l.includes("for top..."))).toBe(false);
      const upgraded: string[] = [];
      await installModules(dir, { upgrade: true, log: (l) => upgraded.push(l), env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
      expect(upgraded.some((l) => l.includes("for top..."))).toBe(true);
      const plan = await backplan(["plan", "-no-color", "."], dir);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('y      = "sub-v2"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("a remote module that was never installed is an error saying to run backplan init", async () => {
    const dir = workdir(config());
    try {
      const r = await backplan(["plan", "-no-color", "."], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Module not installed/);
      expect(r.stderr).toMatch(/main\.tf:2/);
      expect(r.stderr).toMatch(/backplan init/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
