/**
 * Installing backplan into a clean global prefix (`npm install -g --prefix TMP`) with this machine's npm cache
 * (`--prefer-offline`), for the install tests (test/e2e/install-tarball.test.ts in `npm test`, and
 * test/install/ in `npm run test:install`).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect } from "vitest";

export const ROOT = resolve(import.meta.dirname, "../..");

/** A temp folder for one test file's installs, removed after the file (installs are large: a long timeout). */
export function installBase(): string {
  const base = mkdtempSync(join(tmpdir(), "backplan-install-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }), 600_000);
  return base;
}

export function npm(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const child = spawn("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd, env: { ...process.env, npm_config_update_notifier: "false" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => res({ code, out }));
  });
}

/** A clone of this checkout's committed tree (what a user clones or npm fetches from Git). */
export function clone(base: string, name: string): string {
  const dir = join(base, name);
  execFileSync("git", ["clone", "-q", ROOT, dir]);
  return dir;
}

/** Installs `spec` globally into a fresh prefix under `base` and returns what its `backplan version` prints. */
export async function installAndRun(base: string, spec: string, name: string): Promise<string> {
  const prefix = join(base, `prefix-${name}`);
  const r = await npm(["install", "-g", "--prefix", prefix, spec], base);
  expect(r.code, r.out).toBe(0);
  const bin = join(prefix, "bin", "backplan");
  expect(existsSync(bin)).toBe(true);
  return execFileSync(bin, ["version"], { encoding: "utf8", env: { ...process.env, PATH: `${join(prefix, "bin")}:${process.env.PATH}` } });
}

/**
 * `npm pack` of this checkout as `npm test` built it (its pretest runs the build): without the prepare script,
 * so the pack only reads dist/ — a rebuild here would rewrite dist/ under the other test files running at once.
 * Returns the tarball's path in `base`.
 */
export async function packBuiltCheckout(base: string): Promise<string> {
  const packed = await npm(["pack", "--ignore-scripts", "--pack-destination", base], ROOT);
  expect(packed.code, packed.out).toBe(0);
  return join(base, readdirSync(base).find((f) => /^backplan-.*\.tgz$/.test(f))!);
}
