/**
 * Real Git repositories on disk for module-source tests: made with the system git (init, commit, tag), used
 * through `git::file:///...` sources by both backplan and Terraform.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

/** Creates a repository at `dir` with one commit per entry of `commits`, tagging each commit whose tag is set. */
export function makeRepo(dir: string, commits: { files: Record<string, string>; tag?: string }[]): void {
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  for (const [i, c] of commits.entries()) {
    for (const [rel, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-q", "-m", `commit ${i + 1}`]);
    if (c.tag) git(dir, ["tag", c.tag]);
  }
}
