import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatDiagnostics } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { LockError } from "../state/lock.js";
import { openStateSession, readStateWithJournal, type StateSession } from "../state/session.js";
import { StateError, type State } from "../state/state.js";
import { stringFlag, UsageError, type FlagSpec, type ParsedArgs } from "./args.js";
import { BackendSelectionError, currentWorkspace, selectBackend, stateTarget, type StateTarget } from "./backend.js";
import { VERSION } from "./version.js";
import { lockTimeoutMs } from "./workspace.js";

/**
 * How commands reach the state outside a plan (show, output, state *, import, force-unlock): which backend and
 * workspace, reading it for display, and opening it locked for a change, each failure reported Terraform's way
 * with exit code 1.
 */

/** Flags every state command takes. */
export const STATE_FLAGS = {
  state: { type: "string" },
  chdir: { type: "string" },
  "no-color": { type: "boolean" },
  input: { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

/** Prints a Terraform-style error (summary, blank line, detail) and returns exit code 1. */
export function fail(summary: string, detail = ""): number {
  process.stderr.write(`Error: ${summary}\n${detail ? `\n${detail}\n` : ""}`);
  return 1;
}

/** Reports a backend that could not be selected (diagnostics with source lines when the block is at fault). */
export function failSelection(e: BackendSelectionError, sources?: (f: string) => string | undefined): number {
  if (e.diagnostics.length > 0) {
    process.stderr.write(formatDiagnostics(e.diagnostics, sources) + "\n");
    return 1;
  }
  return fail(e.summary, e.detail);
}

/**
 * The state a configuration-less command works on: the backend of the configuration in `-chdir` (default: here)
 * and the selected workspace, or `-state=PATH` for the local backend. Reports and returns a code on failure.
 */
export async function stateTargetOf(args: ParsedArgs, dirOverride?: string): Promise<StateTarget | { code: number }> {
  const dir = dirOverride ?? resolve(stringFlag(args, "chdir") ?? ".");
  const load = loadConfig(dir);
  if (!load.config && load.diagnostics.some((d) => d.severity === "error") && hasConfigFiles(load.sources)) {
    process.stderr.write(formatDiagnostics(load.diagnostics, (f) => load.sources.get(f)) + "\n");
    return { code: 1 };
  }
  try {
    const backend = selectBackend(dir, load.config);
    return stateTarget(backend, currentWorkspace(dir), dir, stringFlag(args, "state"));
  } catch (e) {
    if (e instanceof BackendSelectionError) return { code: failSelection(e, (f) => load.sources.get(f)) };
    throw e;
  }
}

function hasConfigFiles(sources: ReadonlyMap<string, string>): boolean {
  return sources.size > 0;
}

/** Whether there is any state to work on (a stored state, or a journal a crashed run left). */
export async function stateExists(t: StateTarget): Promise<boolean> {
  return existsSync(t.journalPath) || (await t.storage.read()) !== undefined;
}

/** Reads the state for a read-only command, or reports why not (exit code in `code`). */
export async function readStateOrFail(t: StateTarget): Promise<{ state: State } | { code: number }> {
  try {
    return { state: (await readStateWithJournal(t.storage, t.journalPath, t.where)).state };
  } catch (e) {
    if (e instanceof StateError) return { code: fail("Failed to load state", e.message) };
    return { code: fail("Failed to load state", `${t.where}: ${(e as Error).message}`) };
  }
}

/** `-lock=false` / `-lock-timeout`, as every locking command takes them. */
export function lockOptions(args: ParsedArgs): { lock: boolean; lockTimeoutMs: number } {
  return { lock: args.flags["lock"] !== false, lockTimeoutMs: lockTimeoutMs(args) };
}

/** Opens the target's state locked (as the flags say) for `operation`; lock errors are thrown as LockError. */
export function openTarget(t: StateTarget, args: ParsedArgs, operation: string): Promise<StateSession> {
  return openStateSession(t.storage, {
    journalPath: t.journalPath,
    where: t.where,
    ...lockOptions(args),
    operation,
    version: VERSION,
    ...(t.erroredPath ? { erroredPath: t.erroredPath } : { writeAttempts: 1 }),
  });
}

/** Opens the state locked for writing; reports lock and format errors. */
async function openForWrite(args: ParsedArgs, t: StateTarget, operation: string): Promise<StateSession | { code: number }> {
  try {
    return await openTarget(t, args, operation);
  } catch (e) {
    const code = reportStateError(e);
    if (code !== undefined) return { code };
    throw e;
  }
}

/** Prints a lock, state or backend error Terraform's way; undefined for anything else (a bug: rethrow). */
export function reportStateError(e: unknown): number | undefined {
  if (e instanceof LockError) {
    process.stderr.write(e.kind === "unsupported" ? `Error: Error acquiring the state lock\n\n${e.message}\n` : `Error: ${e.message}\n`);
    return 1;
  }
  if (e instanceof StateError) return fail("Failed to load state", e.message);
  if (e instanceof BackendSelectionError) return failSelection(e);
  if (e instanceof UsageError) return undefined;
  if (e instanceof Error && /ECONNREFUSED|ENOTFOUND|password authentication|does not exist|timeout/i.test(e.message)) return fail("Failed to reach the state backend", e.message);
  return undefined;
}

/** Runs `body` on the locked session; closing folds the changes (state rewritten, `.backup` kept locally). */
export async function withSession(args: ParsedArgs, t: StateTarget, operation: string, body: (s: StateSession) => Promise<number>): Promise<number> {
  const opened = await openForWrite(args, t, operation);
  if ("code" in opened) return opened.code;
  let code: number;
  try {
    code = await body(opened);
  } finally {
    await opened.close();
  }
  return code;
}
