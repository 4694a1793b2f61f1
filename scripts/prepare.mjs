#!/usr/bin/env node
// `npm run prepare`: builds dist/ (what the published package and every install way runs).
//
// Why not just `npm run build`: the build needs devDependencies (tsx, typescript, esbuild). When they are
// missing (an install that gave this directory only its dependencies), this script installs the
// devDependencies into this directory as a local install — the inherited npm_config_global/prefix/location
// removed — and then builds.
//
// It cannot make `npm install -g <git url>` work: there npm's own preparation install inherits the outer
// install's global flag and prefix and links the temporary clone into the global prefix before this script
// runs, racing the outer install (measured with npm 11.19.1; docs/getting-started.md, "Why not npm install -g
// <git url>"). One-step Git installs use the release ref (scripts/release-ref.mjs), which needs no preparation.
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
