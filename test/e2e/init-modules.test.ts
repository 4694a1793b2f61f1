/**
 * `backplan init` as a user runs it: modules installed before the backend and the lock file, `-get=false`
 * leaving them out (and plan then saying to run init), `-upgrade` moving a module to a changed ref.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "../support/git-repos.js";
import { backplan } from "./plan-harness.js";

let base: string;
let repo: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "backplan-init-mod-"));
  repo = join(base, "modrepo");
  makeRepo(repo, [
    { files: { "main.tf": 'output "v" {\n  value = "one"\n}\n' }, tag: "v1" },
    { files: { "main.tf": 'output "v" {\n  value = "two"\n}\n' }, tag: "v2" },
  ]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function workdir(ref: string): string {
  const dir = mkdtempSync(join(base, "w-"));
  writeFileSync(join(dir, "main.tf"), `module "m" {\n  source = "git::file://${repo}?ref=${ref}"\n}\noutput "v" {\n  value = module.m.v\n}\n`);
  return dir;
}

describe("backplan init installs modules", () => {
  it("installs a git module, records modules.json, writes the lock file, and plan uses the module", async () => {
    const dir = workdir("v1");
    const init = await backplan(["init", "-input=false"], dir);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("Initializing modules...");
    const manifest = JSON.parse(readFileSync(join(dir, ".terraform/modules/modules.json"), "utf8")) as { Modules: { Key: string; Dir: string }[] };
    expect(manifest.Modules.map((m) => m.Key).sort()).toEqual(["", "m"]);
    expect(existsSync(join(dir, ".terraform/modules/m/main.tf"))).toBe(true);
    const plan = await backplan(["plan", "-input=false"], dir);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ v = "one"');
  }, 120_000);

  it("-get=false installs nothing: like terraform init -get=false, a module not yet installed is an error naming its block", async () => {
    const dir = workdir("v1");
    const init = await backplan(["init", "-get=false", "-input=false"], dir);
    expect(init.code).toBe(1);
    expect(init.stdout).not.toContain("Initializing modules...");
    expect(init.stderr).toMatch(/backplan init/);
    expect(init.stderr).toContain("main.tf:2");
    expect(existsSync(join(dir, ".terraform/modules/modules.json"))).toBe(false);
    // Installed once, -get=false leaves the modules as they are and initialises the rest.
    expect((await backplan(["init", "-input=false"], dir)).code).toBe(0);
    expect((await backplan(["init", "-get=false", "-input=false"], dir)).code).toBe(0);
  }, 120_000);

  it("a changed ref needs init; init -upgrade fetches it", async () => {
    const dir = workdir("v1");
    expect((await backplan(["init", "-input=false"], dir)).code).toBe(0);
    writeFileSync(join(dir, "main.tf"), readFileSync(join(dir, "main.tf"), "utf8").replace("ref=v1", "ref=v2"));
    expect((await backplan(["plan", "-input=false"], dir)).code).toBe(1);
    expect((await backplan(["init", "-upgrade", "-input=false"], dir)).code).toBe(0);
    const plan = await backplan(["plan", "-input=false"], dir);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ v = "two"');
  }, 180_000);
});
