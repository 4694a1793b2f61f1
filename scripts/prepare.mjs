#!/usr/bin/env node
// `npm run prepare`: builds dist/ (what the published package and every install way runs).
//
// Why not just `npm run build`: the build needs devDependencies (tsx, typescript, esbuild), and some of the
// ways users install backplan run `prepare` without them:
// - `npm install -g ./checkout` links the directory and installs only its dependencies before `prepare`;
// - `npm install -g git+https://...` / `github:OWNER/REPO`: npm clones the repository and runs a nested
//   `npm install --include=dev` there, but npm exports its own configuration to child processes as
//   npm_config_* variables, so that nested install inherits `npm_config_global=true` and installs the clone
//   globally instead of installing its devDependencies into it (npm/cli#8440, #4148).
// When the build tools are missing, this script installs the devDependencies into this directory (as a local
// install, the inherited global settings removed) and then builds. It cannot undo the second effect of #8440
// (the nested global install racing the outer one), so for Git sources docs/getting-started.md gives
// `npm pack <git url>` followed by `npm install -g ./backplan-*.tgz`.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = process.cwd();
const require = createRequire(join(root, "package.json"));

function resolvable(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function npm(args, env) {
  // npm_execpath is the npm running this script; fall back to the one on PATH.
  const execpath = process.env.npm_execpath;
  const [cmd, argv] = execpath ? [process.execPath, [execpath, ...args]] : ["npm", args];
  const r = spawnSync(cmd, argv, { cwd: root, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const tools = ["tsx", "typescript", "esbuild"];
if (!tools.every(resolvable)) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix)$/i.test(k)) delete env[k];
  }
  env.npm_config_global = "false";
  process.stderr.write("backplan prepare: build tools missing, installing devDependencies locally\n");
  npm(["install", "--include=dev", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund"], env);
}
npm(["run", "build"], process.env);
