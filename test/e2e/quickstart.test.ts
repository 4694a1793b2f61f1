import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closingHints, runClosingHints } from "../support/quickstart-hints.js";

const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");

function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("the README's main job (backplan quickstart)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "backplan-quickstart-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("applies the quickstart on the embedded engine, re-plans to no changes, and updates one attribute in place", async () => {
    const { code, out } = await run(["quickstart", "--dir", "qs"], cwd);
    expect(out).toContain("Plan: 6 to add, 0 to change, 0 to destroy.");
    expect(out).toContain("Apply complete! Resources: 6 added, 0 changed, 0 destroyed.");
    expect(out).toContain("No changes. Your infrastructure matches the configuration.");
    expect(out).toContain("# zstack_cdp_task.protect will be updated in-place");
    expect(out).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
    expect(out).not.toContain("✗");
    expect(code).toBe(0);
    const state = JSON.parse(readFileSync(join(cwd, "qs/config/terraform.tfstate"), "utf8")) as { resources: { type: string; mode: string }[] };
    const managed = state.resources.filter((r) => r.mode === "managed").map((r) => r.type).sort();
    expect(managed).toEqual([
      "csbs_backup_policy",
      "csbs_backup_policy_checkpoint",
      "zstack_cdp_policy",
      "zstack_cdp_task",
      "zstack_vm_backup",
      "zstack_vm_from_cdp_backup",
    ]);

    // The closing hints must work exactly as printed (`npx backplan` would not: backplan is not on the registry).
    // From a checkout they run this build through node; test/e2e/install-tarball.test.ts runs a global install's.
    const hints = closingHints(out);
    expect(hints.prefix).toMatch(/^node \S+main\.js$/);
    expect(hints.show).toMatch(/ show qs\/config\/terraform\.tfstate$/);
    await runClosingHints(hints, cwd, { ...process.env, NO_COLOR: "1" });
  }, 180_000);
});
