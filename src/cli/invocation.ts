/**
 * How a user can run this very backplan again, for commands the CLI prints for them to copy: `backplan` when
 * that name on PATH is this installation (a global install, `npm link`), otherwise `node <path to main.js>`
 * relative to the working directory (a checkout run through `npm start`, a project dependency). `npx backplan`
 * is never printed: while backplan is not on the npm registry it fails outside a project that depends on it.
 */
import { realpathSync } from "node:fs";
import { delimiter, isAbsolute, join, relative } from "node:path";

export interface InvocationContext {
  /** The running entry script (process.argv[1]). */
  script: string;
  path: string | undefined;
  cwd: string;
  /** realpath, or undefined when the file does not exist. */
  realpath(p: string): string | undefined;
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The command prefix that runs this backplan, e.g. `backplan` or `node dist/src/cli/main.js`. */
export function cliInvocation(ctx: InvocationContext = { script: process.argv[1] ?? "", path: process.env.PATH, cwd: process.cwd(), realpath: safeRealpath }): string {
  const self = ctx.realpath(ctx.script);
  if (self !== undefined) {
    for (const dir of (ctx.path ?? "").split(delimiter)) {
      if (dir === "" || !isAbsolute(dir)) continue;
      const onPath = ctx.realpath(join(dir, "backplan"));
      if (onPath === undefined) continue;
      // The first `backplan` on PATH is what the shell runs: it must be this one.
      if (onPath === self) return "backplan";
      break;
    }
  }
  const script = self ?? ctx.script;
  const rel = relative(ctx.cwd, script);
  const shown = rel.startsWith("..") || isAbsolute(rel) ? script : rel;
  return `node ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
}
