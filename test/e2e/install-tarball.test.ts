/**
 * Installing backplan from the `npm pack` tarball of this checkout into a clean global prefix, as a user installs
 * a release: `backplan version` must work, and so must `backplan quickstart` and every command it then prints, as
 * printed (the README's first steps after installing). The same tarball recorded as a release ref
 * (scripts/release-ref.mjs) must install in one step from a Git URL. The ways that build from source (a local
 * directory, `npm pack <git url>` of the default branch) take minutes each, so they run in `npm run test:install`
 * (test/install/), not in `npm test`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { clone, installAndRun, installBase, npm, ROOT } from "../support/npm-install.js";
import { closingHints, runClosingHints } from "../support/quickstart-hints.js";

const base = installBase();

describe("installing backplan", () => {
  let tgz = "";
  beforeAll(async () => {
    const packed = await npm(["pack", "--pack-destination", base], ROOT);
    expect(packed.code, packed.out).toBe(0);
    tgz = join(base, readdirSync(base).find((f) => /^backplan-.*\.tgz$/.test(f))!);
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

  it("from a Git URL in one step: the release ref that scripts/release-ref.mjs records (npm install -g git+file://REPO#semver:^VERSION)", async () => {
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
