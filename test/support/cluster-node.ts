/**
 * Starts cluster-node-main.ts in a child process of its own (through tsx, from the sources) and waits for the
 * line that says it is up, so a test can SIGKILL a node mid-work (`killHard` from engine-process.ts).
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { EngineProcess } from "./engine-process.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "test/support/cluster-node-main.ts");

/** A started node: the child, its first `READY`/`listening` line's payload, and what it printed. */
export interface NodeProcess extends EngineProcess {
  /** The JSON after `READY`, or the URL after `listening on`. */
  ready: unknown;
}

export async function startNodeProcess(spec: object, timeoutMs = 30_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, JSON.stringify(spec)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const ready = await new Promise<unknown>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`node did not start within ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^READY (.*)$/m.exec(out) ?? /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      done(m[0].startsWith("READY") ? JSON.parse(m[1]!) : m[1]);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`node exited (${code}) before it was ready: ${out}`));
    });
  });
  return { child, url: typeof ready === "string" ? ready : "", ready, output: () => out, exited };
}
