import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { openLocalState, readLocalState, type LocalStateSession } from "../state/local-backend.js";
import { LockError } from "../state/lock.js";
import { StateError, type State } from "../state/state.js";
import { stringFlag, type FlagSpec, type ParsedArgs } from "./args.js";
import { VERSION } from "./version.js";
import { lockTimeoutMs } from "./workspace.js";

/**
 * How commands reach the state file outside a plan (show, output, state *, import): where it is, reading it for
 * display, and opening it locked for a change, each failure reported Terraform's way with exit code 1.
 */

/** Flags every state command takes. */
export const STATE_FLAGS = {
  state: { type: "string" },
  chdir: { type: "string" },
  "no-color": { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

/** The state file a command works on: `-state=PATH`, else `terraform.tfstate` in `-chdir` (default: here). */
export function statePathOf(args: ParsedArgs): string {
  return stringFlag(args, "state") ?? join(resolve(stringFlag(args, "chdir") ?? "."), "terraform.tfstate");
}

/** Prints a Terraform-style error (summary, blank line, detail) and returns exit code 1. */
export function fail(summary: string, detail = ""): number {
  process.stderr.write(`Error: ${summary}\n${detail ? `\n${detail}\n` : ""}`);
  return 1;
}

/** Whether there is any state to work on (a state file, or a journal a crashed run left). */
export function stateExists(path: string): boolean {
  return existsSync(path) || existsSync(path + ".journal");
}

/** Reads the state for a read-only command, or reports why not (exit code in `code`). */
export async function readStateOrFail(path: string): Promise<{ state: State } | { code: number }> {
  try {
    return { state: (await readLocalState({ path })).state };
  } catch (e) {
    if (e instanceof StateError) return { code: fail("Failed to load state", e.message) };
    throw e;
  }
}

/** Opens the state locked for writing, as the flags say; reports lock and format errors. */
async function openForWrite(args: ParsedArgs, path: string, operation: string): Promise<LocalStateSession | { code: number }> {
  try {
    return await openLocalState({ path, lock: args.flags["lock"] !== false, lockTimeoutMs: lockTimeoutMs(args), operation, version: VERSION });
  } catch (e) {
    if (e instanceof LockError) {
      process.stderr.write(`Error: ${e.message}\n`);
      return { code: 1 };
    }
    if (e instanceof StateError) return { code: fail("Failed to load state", e.message) };
    throw e;
  }
}

/** Runs `body` on the locked session; closing folds the changes (state file rewritten, `.backup` kept). */
export async function withSession(args: ParsedArgs, path: string, operation: string, body: (s: LocalStateSession) => Promise<number>): Promise<number> {
  const opened = await openForWrite(args, path, operation);
  if ("code" in opened) return opened.code;
  let code: number;
  try {
    code = await body(opened);
  } finally {
    await opened.close();
  }
  return code;
}
