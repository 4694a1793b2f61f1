import { UsageError } from "./args.js";
import { closeBackends } from "./backend.js";
import { reportStateError } from "./state-file.js";
import { initCommand } from "./commands/init.js";
import { workspaceCommand } from "./commands/workspace.js";
import { userErrorText } from "./user-error.js";
import type { Command } from "./command.js";
import { applyCommand, destroyCommand } from "./commands/apply.js";
import { engineCommand } from "./commands/engine.js";
import { planCommand } from "./commands/plan.js";
import { quickstartCommand } from "./commands/quickstart.js";
import { fmtCommand } from "./commands/fmt.js";
import { validateCommand } from "./commands/validate.js";
import { showCommand } from "./commands/show.js";
import { stateCommand } from "./commands/state.js";
import { importCommand } from "./commands/import.js";
import { outputCommand } from "./commands/output.js";
import { graphCommand } from "./commands/graph.js";
import { providersCommand } from "./commands/providers.js";
import { refreshCommand } from "./commands/refresh.js";
import { forceUnlockCommand } from "./commands/force-unlock.js";
import { versionCommand } from "./commands/version.js";
import { driftCommand } from "./commands/drift.js";
import { terraformCommand } from "./commands/terraform.js";
import { restoreTestCommand } from "./commands/restore-test.js";

const COMMANDS: readonly Command[] = [
  initCommand,
  workspaceCommand,
  planCommand,
  applyCommand,
  destroyCommand,
  validateCommand,
  fmtCommand,
  engineCommand,
  quickstartCommand,
  showCommand,
  outputCommand,
  importCommand,
  refreshCommand,
  stateCommand,
  graphCommand,
  providersCommand,
  forceUnlockCommand,
  versionCommand,
  driftCommand,
  restoreTestCommand,
  terraformCommand,
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`);
  return `Usage: backplan <command> [args]\n\nCommands:\n${lines.join("\n")}\n`;
}

/** Runs one command line; returns the exit code. Kept apart from `process` so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-help" || name === "--help" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  // Terraform's global spellings of `version`.
  const command = ["-version", "--version", "-v"].includes(name) ? versionCommand : COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`backplan: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  const flagsEnd = rest.indexOf("--");
  if ((flagsEnd < 0 ? rest : rest.slice(0, flagsEnd)).some((a) => a === "-help" || a === "--help" || a === "-h")) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`backplan ${name}: ${e.message}\nUsage: ${command.usage}\n`);
      return 1;
    }
    // Every error a user can cause is a diagnostic; only bugs keep their stack trace. Provider and lock errors
    // first: the state reporter's "cannot reach the backend" would misname an unreachable provider endpoint.
    const text = userErrorText(e);
    if (text !== undefined) {
      process.stderr.write(text);
      return 1;
    }
    const code = reportStateError(e);
    if (code !== undefined) return code;
    throw e;
  } finally {
    await closeBackends();
  }
}
