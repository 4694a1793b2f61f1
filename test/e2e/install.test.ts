/**
 * Installing backplan the ways users do, each into a clean global prefix (`npm install -g --prefix TMP`),
 * using this machine's npm cache (`--prefer-offline`): the `npm pack` tarball of this checkout, a local
 * directory (a fresh clone, no node_modules, no dist), and a Git URL (`git+file://` of a clone) packed with
 * `npm pack <git url>` and installed from the tarball. Each must give a working `backplan version`.
 *
 * `npm install -g <git url>` directly is not among them: npm's nested install for Git preparation inherits
 * `npm_config_global` and races the outer install (npm/cli#8440), which no package can prevent; docs give the
 * pack-then-install form instead. These installs build the project, so the timeouts are long.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const base = mkdtempSync(join(tmpdir(), "backplan-install-"));
// Three installs with their node_modules: removing them takes a while on a loaded machine.
afterAll(() => rmSync(base, { recursive: true, force: true }), 600_000);

function npm(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
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
function clone(name: string): string {
  const dir = join(base, name);
  execFileSync("git", ["clone", "-q", ROOT, dir]);
  return dir;
}

async function installAndRun(spec: string, name: string): Promise<string> {
  const prefix = join(base, `prefix-${name}`);
  const r = await npm(["install", "-g", "--prefix", prefix, spec], base);
  expect(r.code, r.out).toBe(0);
  const bin = join(prefix, "bin", "backplan");
  expect(existsSync(bin)).toBe(true);
  return execFileSync(bin, ["version"], { encoding: "utf8", env: { ...process.env, PATH: `${join(prefix, "bin")}:${process.env.PATH}` } });
}

describe("installing backplan", () => {
  it("from the npm pack tarball of the checkout", async () => {
    const packed = await npm(["pack", "--pack-destination", base], ROOT);
    expect(packed.code, packed.out).toBe(0);
    const tgz = readdirSync(base).find((f) => /^backplan-.*\.tgz$/.test(f))!;
    expect(await installAndRun(join(base, tgz), "tgz")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);

  it("from a local directory holding a fresh clone (no node_modules, no dist)", async () => {
    const dir = clone("dir");
    expect(await installAndRun(dir, "dir")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);

  it("from a Git URL: npm pack git+file://... then install the tarball", async () => {
    const dir = clone("git");
    const dest = join(base, "git-pack");
    execFileSync("mkdir", ["-p", dest]);
    const packed = await npm(["pack", `git+file://${dir}`, "--pack-destination", dest], base);
    expect(packed.code, packed.out).toBe(0);
    const tgz = readdirSync(dest).find((f) => f.endsWith(".tgz"))!;
    expect(await installAndRun(join(dest, tgz), "git")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);
});
