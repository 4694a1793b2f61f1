#!/usr/bin/env node
// `npm run release-ref`: records what `npm pack` publishes as a Git commit on branch `release` and tag
// `v<version>`, so `npm install -g git+https://HOST/OWNER/backplan.git#release` (or `github:OWNER/backplan#release`,
// `#semver:^0.1`) installs backplan in one step.
//
// Why a separate ref: npm prepares a Git package that has a prepare/build/install script with a second npm that
// inherits the outer global install's prefix and races it (docs/getting-started.md, "Why not npm install -g <git
// url>"); nothing in the package can stop that. A commit that already holds dist/ and has none of those scripts
// needs no preparation, so npm installs it as it installs a tarball.
//
//   node scripts/release-ref.mjs [--repo DIR] [--tarball FILE.tgz] [--branch release] [--force-tag]
//
// --repo: the repository to write the ref into (default: this checkout). --tarball: an `npm pack` output to
// record (default: `npm pack` of the repository, which builds it). The tag is refused when it already names
// another commit, unless --force-tag.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

/** The scripts that make npm prepare a Git package (pacote's git fetcher) — none may remain on the ref. */
const PREPARING_SCRIPTS = ["preinstall", "install", "postinstall", "build", "prepack", "prepare"];

const { values } = parseArgs({
  options: {
    repo: { type: "string", default: process.cwd() },
    tarball: { type: "string" },
    branch: { type: "string", default: "release" },
    "force-tag": { type: "boolean", default: false },
  },
});
const repo = resolve(values.repo);
const work = mkdtempSync(join(tmpdir(), "backplan-release-"));

function git(args, env = {}) {
  return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", env: { ...process.env, ...env } }).trim();
}

function fail(message) {
  process.stderr.write(`release-ref: ${message}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

try {
  let tarball = values.tarball && resolve(values.tarball);
  if (!tarball) {
    const packed = spawnSync("npm", ["pack", "--pack-destination", work], { cwd: repo, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    if (packed.status !== 0) fail(`npm pack failed in ${repo} (exit ${packed.status})`);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")));
  }
  execFileSync("tar", ["-xzf", tarball, "-C", work]);
  const pkgDir = join(work, "package");
  const pkgPath = join(pkgDir, "package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  for (const name of PREPARING_SCRIPTS) delete pkg.scripts?.[name];
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);

  const index = join(work, "index");
  const env = {
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "backplan release",
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "release@backplan.invalid",
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? "backplan release",
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? "release@backplan.invalid",
  };
  git(["--work-tree", pkgDir, "add", "--all", "--force", "."], env);
  const tree = git(["write-tree"], env);
  const source = spawnSync("git", ["-C", repo, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const parent = spawnSync("git", ["-C", repo, "rev-parse", "-q", "--verify", `refs/heads/${values.branch}`], { encoding: "utf8" }).stdout.trim();
  const message = `backplan v${pkg.version}: the npm pack of ${source || "an unknown commit"}, ready to install from Git`;
  // Recording the same package again is a no-op: the tip already holds this tree.
  const commit =
    parent && git(["rev-parse", `${parent}^{tree}`]) === tree ? parent : git(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], env);
  git(["update-ref", `refs/heads/${values.branch}`, commit]);

  const tag = `v${pkg.version}`;
  const existing = spawnSync("git", ["-C", repo, "rev-parse", "-q", "--verify", `refs/tags/${tag}^{commit}`], { encoding: "utf8" }).stdout.trim();
  if (existing && existing !== commit && !values["force-tag"]) {
    fail(`tag ${tag} already names ${existing.slice(0, 12)}; bump the version in package.json or pass --force-tag`);
  }
  git(["tag", "-f", tag, commit]);
  process.stdout.write(`release-ref: ${values.branch} and ${tag} -> ${commit.slice(0, 12)} (${readdirSync(pkgDir).length} top-level entries)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
