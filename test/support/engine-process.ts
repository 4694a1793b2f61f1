/**
 * `backplan engine serve` in a child process of its own, as users run it, so a test can SIGKILL it mid-work and
 * start it again on the same data dir; and `backplan engine verify` offline on that dir. Run from the sources
 * through tsx (no build needed), or with `{ built: true }` from the built CLI in dist/ (run `npm run build`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

// test/support in the sources, dist/test/support when compiled (benchmarks run from dist).
const ROOT = [resolve(import.meta.dirname, "../.."), resolve(import.meta.dirname, "../../..")].find((p) => existsSync(join(p, "src/cli/main.ts")))!;
const MAIN = join(ROOT, "src/cli/main.ts");
/** The built CLI's entry point; it runs the bundle beside it (`backplan.cjs`) when that is current. */
export const BUILT_MAIN = join(ROOT, "dist/src/cli/main.js");

/**
 * Throws unless the bundled CLI is built and current (`npm run build`): the bundle with its PostgreSQL metadata
 * worker beside it, no older than the compiled modules (else main.js would not run it).
 */
export function requireBuiltCli(): void {
  const mtime = (f: string) => statSync(join(ROOT, "dist/src/cli", f), { throwIfNoEntry: false })?.mtimeMs;
  const bundle = mtime("backplan.cjs");
  const modules = mtime("cli.js");
  if (bundle === undefined || mtime("pg-metadata-worker.cjs") === undefined || (modules !== undefined && bundle < modules)) {
    throw new Error("the bundled CLI (dist/src/cli/backplan.cjs, pg-metadata-worker.cjs) is missing or stale: run npm run build");
  }
}

export interface EngineProcessOptions {
  /** Run `dist/src/cli/main.js` (the bundled CLI, as installed) instead of the sources. */
  built?: boolean;
  /** More `engine serve` arguments (`--metadata URL`, `--chunks URL`...). */
  args?: string[];
  /** Environment variables added to this process's. */
  env?: Record<string, string>;
}

export interface EngineProcess {
  child: ChildProcess;
  url: string;
  /** Everything the engine printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
}

export async function startEngineProcess(dataDir: string, demo: boolean, opts: EngineProcessOptions = {}): Promise<EngineProcess> {
  const cli = opts.built ? [BUILT_MAIN] : ["--import", "tsx", MAIN];
  const args = [...cli, "engine", "serve", "--data", dataDir, "--listen", "127.0.0.1:0", ...(demo ? ["--demo"] : []), ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
  let out = "";
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) done(m[1]!);
    });
    void exited.then((code) => fail(new Error(`engine exited (${code}) before listening: ${out}`)));
  });
  // The login text follows the URL line; wait for its last line so the demo lab exists.
  const deadline = Date.now() + 20_000;
  while (!/Logins:[\s\S]*OAuth/.test(out)) {
    if (Date.now() > deadline) throw new Error(`engine did not print its logins: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => out, exited };
}

export function killHard(e: EngineProcess): Promise<unknown> {
  if (e.child.exitCode !== null || e.child.signalCode !== null) return Promise.resolve();
  e.child.kill("SIGKILL");
  return e.exited;
}

/**
 * `backplan engine verify --data DIR` on a stopped engine's data dir (bounded: a hang is a failure). `args` adds
 * what the engine was served with besides its data dir (`--metadata URL`, `--chunks URL`, `--primary-storage DIR`).
 */
export function verifyOffline(dataDir: string, timeoutMs = 60_000, args: readonly string[] = [], env: Record<string, string> = {}): { status: number | null; out: string; ms: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, "engine", "verify", "--data", dataDir, ...args], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr, ms: performance.now() - started };
}
