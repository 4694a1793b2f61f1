import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { CLI, installProviders, ROOT, run, terraformBinary, type Run } from "./bridge-support.js";

/**
 * The real cdktf-cli 0.21 (`cdktf synth / diff / deploy / destroy`) driving Terraform 1.11 through the bridge,
 * on the example app, following docs/cdktf.md: `backplan terraform install`, its env file, and nothing else.
 * The first `cdktf diff` is the stack's first init, when cdktf also runs `terraform providers lock`. Between
 * the steps backplan plans the same stack natively: no-op on the state cdktf wrote, and cdktf sees no change
 * after backplan applied one.
 */

const CDKTF = join(ROOT, "node_modules", ".bin", "cdktf");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

const MAIN = `import { App } from "cdktf";
import { BackupStack } from "./stack.js";

const app = new App({ outdir: "cdktf.out" });
new BackupStack(app, "backup", {
  endpoint: process.env["BACKPLAN_ENDPOINT"]!,
  protectedVms: (process.env["PROTECTED_VMS"] ?? "web-1,db-1").split(","),
});
app.synth();
`;

/** The exports of the env file `backplan terraform install` writes (`export NAME='value'` lines). */
function installEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of readFileSync(path, "utf8").matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm)) env[m[1]!] = m[2]!.replaceAll("'\\''", "'");
  return env;
}

// cdktf's output is a terminal UI with colours; the assertions read plain text.
const plain = (r: Run) => (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, "");

describe("cdktf-cli 0.21 against the engine, first run included", () => {
  let engine: TestEngine;
  let work: string;
  let project: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    terraformBinary();
    if (!existsSync(CDKTF)) throw new Error(`${CDKTF} is missing: cdktf-cli is a dev dependency (npm ci)`);
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-cdktf-cli-"));
    const install = join(work, "install");
    await installProviders(install);
    project = join(work, "app");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    for (const f of ["stack.ts", "tsconfig.json"]) copyFileSync(join(ROOT, "examples", "cdktf-app", f), join(project, f));
    writeFileSync(join(project, "main.ts"), MAIN);
    writeFileSync(join(project, "cdktf.json"), JSON.stringify({ language: "typescript", app: `${TSX} main.ts`, output: "cdktf.out", terraformProviders: [], terraformModules: [], context: {} }, null, 2));
    // The app imports backplan by its package name, as a user's project does after `npm install backplan`.
    symlinkSync(ROOT, join(project, "node_modules", "backplan"));
    for (const dep of ["cdktf", "constructs"]) symlinkSync(join(ROOT, "node_modules", dep), join(project, "node_modules", dep));
    mkdirSync(join(work, "home"));
    env = {
      ...installEnv(join(install, "env")),
      BACKPLAN_ENDPOINT: engine.url,
      HOME: join(work, "home"),
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_TELEMETRY: "1",
      DISABLE_VERSION_CHECK: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      CI: "1",
      TF_IN_AUTOMATION: "1",
    };
  }, 180_000);

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cdktf = async (extra: Record<string, string>, ...args: string[]): Promise<string> => {
    const r = await run(CDKTF, args, { cwd: project, env: { ...env, ...extra } });
    const text = plain(r);
    if (r.code !== 0) throw new Error(`cdktf ${args.join(" ")} exited ${r.code}:\n${text}`);
    return text;
  };
  const backplan = async (extra: Record<string, string>, expected: number, ...args: string[]): Promise<string> => {
    const r = await run(process.execPath, [CLI, ...args], { cwd: project, env: { ...env, ...extra } });
    if (r.code !== expected) throw new Error(`backplan ${args.join(" ")} exited ${r.code}, expected ${expected}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const stack = ["--cdktf", "cdktf.out", "--stack", "backup"];

  it("synth, diff, deploy, change, deploy, destroy; backplan and cdktf each take over the other's state", async () => {
    const synth = await cdktf({}, "synth");
    expect(synth).toContain("Generated Terraform code for the stacks: backup");
    expect(existsSync(join(project, "cdktf.out", "stacks", "backup", "cdk.tf.json"))).toBe(true);

    // First init of the stack: cdktf runs `terraform init`, then `terraform providers lock`.
    const diff = await cdktf({}, "diff", "backup");
    expect(diff).not.toContain("Could not retrieve providers for locking");
    expect(diff).toContain("Plan: 5 to add, 0 to change, 0 to destroy.");
    expect(readFileSync(join(project, "cdktf.out", "stacks", "backup", ".terraform.lock.hcl"), "utf8")).toContain('provider "registry.terraform.io/backplan/zstack"');

    const deploy = await cdktf({}, "deploy", "backup", "--auto-approve");
    expect(deploy).toContain("Apply complete! Resources: 5 added, 0 changed, 0 destroyed.");
    // backplan reads the state cdktf's Terraform wrote and has nothing to do.
    await backplan({}, 0, "plan", "-no-color", "-detailed-exitcode", ...stack);

    // A change: the CDP task protects one VM fewer.
    const changed = await cdktf({ PROTECTED_VMS: "web-1" }, "deploy", "backup", "--auto-approve");
    expect(changed).toMatch(/Apply complete! Resources: \d+ added, \d+ changed, \d+ destroyed\./);
    expect(changed).not.toContain("Resources: 0 added, 0 changed, 0 destroyed.");
    await backplan({ PROTECTED_VMS: "web-1" }, 0, "plan", "-no-color", "-detailed-exitcode", ...stack);

    // The other way round: backplan applies the next change, and cdktf then sees none.
    await cdktf({ PROTECTED_VMS: "web-1,db-1" }, "synth");
    const applied = await backplan({}, 0, "apply", "-no-color", "-auto-approve", ...stack);
    expect(applied).toMatch(/Apply complete!/);
    const after = await cdktf({ PROTECTED_VMS: "web-1,db-1" }, "diff", "backup");
    expect(after).toContain("No changes.");

    const destroy = await cdktf({ PROTECTED_VMS: "web-1,db-1" }, "destroy", "backup", "--auto-approve");
    expect(destroy).toContain("Destroy complete! Resources: 5 destroyed.");
    const plan = await backplan({}, 2, "plan", "-no-color", "-detailed-exitcode", ...stack);
    expect(plan).toContain("5 to add, 0 to change, 0 to destroy");
  }, 1_200_000);
});
