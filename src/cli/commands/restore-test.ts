import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseSpan } from "../../protection/controls.js";
import { RestoreApi } from "../../restoretest/api.js";
import { parseRestoreTests, RESTORE_TESTS_FILE } from "../../restoretest/declaration.js";
import { appendHistory, HISTORY_FILE, readHistory } from "../../restoretest/history.js";
import { exitCodeOf, renderJson, renderJunit, renderMarkdown, renderText } from "../../restoretest/report.js";
import { removeTagged, runRestoreTests } from "../../restoretest/run.js";
import { CsbsRestoreApi } from "../../restoretest/csbs.js";
import { boolFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from "../args.js";
import { restoreTestProviders, type RestoreTestProviders } from "../restore-test-providers.js";
import type { Command } from "../command.js";

const FLAGS = {
  var: { type: "string", multiple: true },
  "var-file": { type: "string", multiple: true },
  file: { type: "string" },
  cleanup: { type: "boolean" },
  json: { type: "boolean" },
  "json-file": { type: "string" },
  "markdown-file": { type: "string" },
  "junit-file": { type: "string" },
  history: { type: "string" },
  "history-runs": { type: "string" },
  "keep-for": { type: "string" },
  "no-color": { type: "boolean" },
} as const;

/**
 * `backplan restore-test [DIR]`: restores the VMs that DIR's backplan.restore-tests.json selects through the public
 * ZStack and CSBS APIs (authenticated as DIR's zstack and csbs providers are), validates and deletes them, and
 * reports per VM. Exit 0 all passed, 2 some failed, 1 error.
 */
export const restoreTestCommand: Command = {
  name: "restore-test",
  summary: "Restore protected VMs, validate them, delete them, report",
  usage:
    "backplan restore-test [-var NAME=VALUE] [-var-file=PATH] [-file=PATH] [-json] [-json-file=PATH] [-markdown-file=PATH] [-junit-file=PATH] [-history=PATH] [-history-runs=N] [-keep-for=DURATION] [-cleanup] [DIR]",
  async run(argv) {
    const args = parseArgs(argv, FLAGS);
    if (args.positionals.length > 1) throw new UsageError("restore-test takes at most one directory");
    const dir = resolve(args.positionals[0] ?? ".");
    const err = (m: string) => (process.stderr.write(`\nError: ${m}\n`), 1);
    const controller = new AbortController();
    let providers: RestoreTestProviders;
    try {
      providers = await restoreTestProviders(dir, args, controller.signal);
    } catch (e) {
      return err((e as Error).message);
    }
    try {
      return await runWith(providers, dir, args, controller, err);
    } finally {
      await providers.close();
    }
  },
};

/** The run (or `-cleanup`) once the providers are configured. */
async function runWith(providers: RestoreTestProviders, dir: string, args: ParsedArgs, controller: AbortController, err: (m: string) => number): Promise<number> {
  const api = RestoreApi.fromResolved(providers.zstack.baseUrl, providers.zstack.auth);
  if (boolFlag(args, "cleanup")) {
    try {
      const removed = await removeTagged(api);
      process.stdout.write(removed.length ? `Removed ${removed.length} restore-test VM(s): ${removed.join(", ")}\n` : "No restore-test VMs left behind.\n");
      return 0;
    } catch (e) {
      return err(`cleanup failed: ${(e as Error).message}`);
    }
  }
  const file = stringFlag(args, "file") ?? join(dir, RESTORE_TESTS_FILE);
  if (!existsSync(file)) return err(`no restore tests: ${relative(process.cwd(), file) || file} does not exist`);
  const shown = relative(process.cwd(), file) || file;
  const parsed = parseRestoreTests(await readFile(file, "utf8"), shown);
  if (parsed.errors.length) {
    return err(`invalid restore tests\n\n${parsed.errors.map((e) => `  ${e.file}${e.line !== null ? `:${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}`).join("\n")}`);
  }
  const keep = stringFlag(args, "keep-for");
  const keepSeconds = keep === undefined ? 0 : parseSpan(keep);
  if (keepSeconds === undefined) throw new UsageError(`-keep-for must be a duration such as "30s", got "${keep}"`);
  const runs = Number(stringFlag(args, "history-runs") ?? "5");
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError("-history-runs must be a positive integer");

  const onSigint = () => {
    if (controller.signal.aborted) {
      // A second Ctrl-C means "now": the tag lets the next run (or -cleanup) find what is left.
      process.stderr.write("\nSecond interrupt: exiting without clean-up; run `backplan restore-test -cleanup` to delete what is left.\n");
      process.exit(1);
    }
    process.stderr.write("\nInterrupt received: deleting restored VMs, then exiting...\n");
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const t0 = performance.now();
  const progress = (vm: string, step: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${vm}: ${step}\n`);
  process.stderr.write(`ZStack ${api.root} as ${api.describeAuth()} (${providers.from.zstack})${providers.csbs ? `; CSBS from ${providers.from.csbs}` : ""}\n`);
  let report;
  try {
    const csbs = providers.csbs ? new CsbsRestoreApi(providers.csbs) : null;
    report = await runRestoreTests({ api, csbs, ...(providers.csbsError ? { csbsMissing: providers.csbsError } : {}), tests: parsed.tests, signal: controller.signal, progress, keepSeconds });
  } catch (e) {
    return err(`restore test run failed: ${(e as Error).message}`);
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
  const historyPath = stringFlag(args, "history") ?? join(dir, HISTORY_FILE);
  const history = await readHistory(historyPath);
  await appendHistory(historyPath, report);
  process.stdout.write(boolFlag(args, "json") ? renderJson(report) : renderText(report));
  const jsonFile = stringFlag(args, "json-file");
  if (jsonFile) await writeFile(jsonFile, renderJson(report));
  const mdFile = stringFlag(args, "markdown-file");
  if (mdFile) await writeFile(mdFile, renderMarkdown(report, [...history, report], runs));
  const junitFile = stringFlag(args, "junit-file");
  if (junitFile) await writeFile(junitFile, renderJunit(report));
  if (controller.signal.aborted) return err("interrupted; every VM this run restored was deleted");
  return exitCodeOf(report);
}
