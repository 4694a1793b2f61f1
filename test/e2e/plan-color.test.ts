import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLI, workdir } from "./plan-harness.js";

// Every step runs the CLI as a child process (several seconds each on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("tsx")).href;
const ESC = "\u001b[";

/** Runs `backplan plan` on a pseudo-terminal (util-linux `script`), as a user at a terminal would. */
function planOnTty(dir: string, extraArgs: string, env: Record<string, string>): string {
  const cmd = `${process.execPath} --import ${TSX} ${CLI} plan ${extraArgs}`;
  const base = { ...process.env, TERM: "xterm", TF_CLI_CONFIG_FILE: "/dev/null" } as Record<string, string | undefined>;
  delete base["NO_COLOR"];
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: dir, env: { ...base, ...env }, encoding: "utf8" });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

describe("color on a terminal, and its two off switches", () => {
  let dir: string;
  beforeAll(() => {
    dir = workdir('resource "terraform_data" "a" {\n  input = "x"\n}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("colors the plan on a terminal", () => {
    const out = planOnTty(dir, "", {});
    expect(out).toContain("terraform_data.a");
    expect(out).toContain(ESC);
  });

  it("-no-color turns color off", () => {
    const out = planOnTty(dir, "-no-color", {});
    expect(out).toContain("terraform_data.a will be created");
    expect(out).not.toContain(ESC);
  });

  it("NO_COLOR turns color off", () => {
    const out = planOnTty(dir, "", { NO_COLOR: "1" });
    expect(out).toContain("terraform_data.a will be created");
    expect(out).not.toContain(ESC);
  });
});
