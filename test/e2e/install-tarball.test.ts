/**
 * Installing backplan from the `npm pack` tarball of this checkout into a clean global prefix, as a user installs
 * a release: `backplan version` must work, and so must `backplan quickstart` and every command it then prints, as
 * printed (the README's first steps after installing). The release ref made of the same tarball is tested in
 * install-release-ref.test.ts. The ways that build from source (a local directory, `npm pack <git url>` of the
 * default branch) take minutes each, so they run in `npm run test:install` (test/install/), not in `npm test`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { installAndRun, installBase, packBuiltCheckout } from "../support/npm-install.js";
import { closingHints, runClosingHints } from "../support/quickstart-hints.js";

const base = installBase();

describe("installing backplan", () => {
  let tgz = "";
  beforeAll(async () => {
    tgz = await packBuiltCheckout(base);
  }, 600_000);

  it("from the npm pack tarball of the checkout", async () => {
    expect(await installAndRun(base, tgz, "tgz")).toMatch(/^backplan v\d+\.\d+\.\d+/);

    const env = { ...process.env, NO_COLOR: "1", PATH: `${join(base, "prefix-tgz", "bin")}:${process.env.PATH}` };
    const cwd = join(base, "user");
    mkdirSync(cwd);
    const qs = spawnSync("backplan", ["quickstart"], { cwd, env, encoding: "utf8", timeout: 300_000 });
    expect(qs.status, qs.stdout + qs.stderr).toBe(0);
    const hints = closingHints(qs.stdout);
    expect(hints.prefix).toBe("backplan");
    expect(hints.docs).toBe(join(base, "prefix-tgz", "lib", "node_modules", "backplan", "docs"));
    await runClosingHints(hints, cwd, env);
  }, 1_200_000);
});
