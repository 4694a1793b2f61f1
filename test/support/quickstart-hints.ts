/**
 * The commands `backplan quickstart` prints after "To explore further:", run exactly as printed (through `sh`,
 * from the directory the quickstart ran in): the engine on 127.0.0.1:8080 in the background, then plan, show
 * and destroy against it. Used for a checkout (test/e2e/quickstart.test.ts) and a global install
 * (test/e2e/install-tarball.test.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { expect } from "vitest";

export interface ClosingHints {
  /** The command prefix every hint starts with (`backplan`, or `node .../main.js`). */
  prefix: string;
  serve: string;
  plan: string;
  show: string;
  destroy: string;
  /** The docs directory the closing lines name. */
  docs: string;
}

/** Reads the closing hints of a quickstart's output, without their trailing `&` and `# comment`. */
export function closingHints(out: string): ClosingHints {
  expect(out).not.toContain("npx ");
  const closing = out.slice(out.indexOf("To explore further:"));
  const lines = closing
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").replace(/\s*&$/, "").trim())
    .filter((l) => /^(node \S+main\.js|backplan) /.test(l));
  expect(lines).toHaveLength(4);
  const find = (sub: string) => lines.find((l) => l.includes(` ${sub} `))!;
  const serve = find("engine serve");
  const prefix = serve.slice(0, serve.indexOf(" engine serve "));
  for (const l of lines) expect(l.startsWith(`${prefix} `)).toBe(true);
  const docs = /^Docs in (.+): getting-started\.md/m.exec(closing)?.[1];
  expect(docs).toBeDefined();
  return { prefix, serve, plan: find("plan"), show: find("show"), destroy: find("destroy"), docs: docs! };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, input?: string) {
  return spawnSync("sh", ["-c", command], { cwd, env, encoding: "utf8", input, timeout: 120_000 });
}

/**
 * Runs every hint as printed: the engine (stopped by pid afterwards), a plan that finds nothing to change, show
 * listing the CDP task, destroy approved with "yes"; and the named docs exist.
 */
export async function runClosingHints(hints: ClosingHints, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  expect(existsSync(resolve(cwd, hints.docs.replace(/^"|"$/g, ""), "getting-started.md"))).toBe(true);
  const engine = spawn("sh", ["-c", `exec ${hints.serve}`], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  try {
    await new Promise<void>((res, rej) => {
      engine.stdout.setEncoding("utf8").on("data", (d: string) => {
        log += d;
        if (log.includes("listening on http://127.0.0.1:8080")) res();
      });
      engine.stderr.setEncoding("utf8").on("data", (d: string) => (log += d));
      engine.on("exit", (code) => rej(new Error(`"${hints.serve}" exited with ${code}:\n${log}`)));
    });
    const plan = sh(hints.plan, cwd, env);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("No changes.");
    const show = sh(hints.show, cwd, env);
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain("zstack_cdp_task.protect");
    const destroy = sh(hints.destroy, cwd, env, "yes\n");
    expect(destroy.status, destroy.stderr).toBe(0);
    expect(destroy.stdout).toContain("Destroy complete! Resources: 6 destroyed.");
  } finally {
    const exited = new Promise((res) => engine.once("exit", res));
    if (engine.exitCode === null) engine.kill("SIGTERM");
    await exited;
  }
}
