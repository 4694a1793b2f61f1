/**
 * Installing backplan from Git in one step: the `npm pack` tarball of this checkout recorded as a release ref
 * (scripts/release-ref.mjs: branch `release`, tag `v<version>`) in a clone, then `npm install -g
 * git+file://CLONE#semver:^VERSION` into a clean global prefix. npm must install it without preparing it (no
 * lifecycle script on the ref), as it installs a tarball.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { clone, installAndRun, installBase, packBuiltCheckout, ROOT } from "../support/npm-install.js";

const base = installBase();

describe("installing backplan from a release ref", () => {
  let tgz = "";
  beforeAll(async () => {
    tgz = await packBuiltCheckout(base);
  }, 600_000);

  it("npm install -g git+file://REPO#semver:^VERSION of the ref scripts/release-ref.mjs records", async () => {
    const repo = clone(base, "release-repo");
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const made = spawnSync(process.execPath, [join(ROOT, "scripts", "release-ref.mjs"), "--repo", repo, "--tarball", tgz], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toContain(`release and v${version}`);

    // The ref holds the built package and none of the scripts that make npm prepare a Git package.
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
    expect(git("rev-parse", `v${version}^{commit}`)).toBe(git("rev-parse", "release"));
    expect(git("ls-tree", "--name-only", "release", "dist/src/cli/")).toContain("dist/src/cli/main.js");
    const released = JSON.parse(git("show", "release:package.json")) as { scripts?: Record<string, string> };
    for (const s of ["preinstall", "install", "postinstall", "build", "prepack", "prepare"]) expect(released.scripts?.[s], s).toBeUndefined();

    // Recording the same package again changes nothing; recording it on another branch would move the tag: refused.
    const tip = git("rev-parse", "release");
    const again = spawnSync(process.execPath, [join(ROOT, "scripts", "release-ref.mjs"), "--repo", repo, "--tarball", tgz], { encoding: "utf8" });
    expect(again.status, again.stderr).toBe(0);
    expect(git("rev-parse", "release")).toBe(tip);
    const moved = spawnSync(process.execPath, [join(ROOT, "scripts", "release-ref.mjs"), "--repo", repo, "--tarball", tgz, "--branch", "other"], { encoding: "utf8" });
    expect(moved.status).toBe(1);
    expect(moved.stderr).toContain(`tag v${version} already names ${tip.slice(0, 12)}`);
    expect(git("rev-parse", `v${version}^{commit}`)).toBe(tip);

    expect(await installAndRun(base, `git+file://${repo}#semver:^${version}`, "git-release")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);
});
