import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface Helper {
  readonly process: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves at the first line (past or future) for which `pred` holds; rejects if the process exits first. */
  waitFor(pred: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code or signal once the process has exited and its output is drained. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts one of the helper scripts beside this file in a real Node process (TypeScript through tsx). */
export function startHelper(script: "lock-holder.ts" | "journal-writer.ts", args: string[]): Helper {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", path, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let buf = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("close", (code, sig) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`helper ${script} exited (${code ?? sig}) before the expected line\n${stderr}`));
      resolve(code ?? sig);
    }),
  );
  return {
    process: child,
    lines,
    exited,
    waitFor(pred) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`helper ${script} already exited\n${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
  };
}
