import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliInvocation } from "./invocation.js";
import { realpathSync } from "node:fs";

const base = realpathSync(mkdtempSync(join(tmpdir(), "backplan-invocation-")));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const realpath = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};

describe("cliInvocation: the command printed for users to copy", () => {
  const pkg = join(base, "prefix/lib/node_modules/backplan");
  const script = join(pkg, "dist/src/cli/main.js");
  mkdirSync(join(pkg, "dist/src/cli"), { recursive: true });
  writeFileSync(script, "");
  mkdirSync(join(base, "prefix/bin"), { recursive: true });
  symlinkSync(script, join(base, "prefix/bin/backplan"));
  mkdirSync(join(base, "other/bin"), { recursive: true });
  symlinkSync(join(base, "prefix/bin/backplan"), join(base, "other/bin/backplan-x"));

  it("a global install (its bin link first on PATH, the script run through it) prints `backplan`", () => {
    expect(cliInvocation({ script: join(base, "prefix/bin/backplan"), path: `/usr/bin:${join(base, "prefix/bin")}`, cwd: base, realpath })).toBe("backplan");
  });

  it("a checkout run by path prints `node <relative path>` (no backplan on PATH)", () => {
    expect(cliInvocation({ script, path: "/usr/bin:/bin", cwd: pkg, realpath })).toBe("node dist/src/cli/main.js");
  });

  it("another backplan first on PATH: this one is printed by path, never the other", () => {
    const elsewhere = join(base, "elsewhere/dist/src/cli/main.js");
    mkdirSync(join(base, "elsewhere/dist/src/cli"), { recursive: true });
    writeFileSync(elsewhere, "");
    expect(cliInvocation({ script: elsewhere, path: join(base, "prefix/bin"), cwd: base, realpath })).toBe("node elsewhere/dist/src/cli/main.js");
  });

  it("from a directory beside the checkout the path is absolute", () => {
    expect(cliInvocation({ script, path: "", cwd: join(base, "other"), realpath })).toBe(`node ${script}`);
  });
});
