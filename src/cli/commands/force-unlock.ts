import { createInterface } from "node:readline/promises";
import { forceUnlock, LockError } from "../../state/lock.js";
import { boolFlag, parseArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { LocalFileStorage } from "../../state/backends/local.js";
import { fail, stateTargetOf } from "../state-file.js";

/** Asks for "yes" on standard input; input that ends without an answer is a no. */
async function confirmed(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // An ended stdin leaves the question pending forever (and the process would exit 0 with nothing done).
  const ended = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
  try {
    const answer = await Promise.race([ended, rl.question(
      "Do you really want to force-unlock?\n  backplan will remove the lock on the state.\n  This will allow local backplan commands to modify this state, even though it\n  may still be in use. Only 'yes' will be accepted to confirm.\n\n  Enter a value: ",
    )]);
    return answer.trim() === "yes";
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

/**
 * `backplan force-unlock LOCK_ID`: removes the lock a crashed run left on the state, only when its ID is
 * LOCK_ID (so it never frees a lock a later run took). Asks for confirmation unless `-force`.
 */
export const forceUnlockCommand: Command = {
  name: "force-unlock",
  summary: "Release a stuck lock on the state",
  usage: "backplan force-unlock [-force] [-state=PATH] LOCK_ID",
  async run(argv) {
    const args = parseArgs(argv, { force: { type: "boolean" }, state: { type: "string" }, chdir: { type: "string" }, "no-color": { type: "boolean" }, input: { type: "boolean" } });
    if (args.positionals.length !== 1) throw new UsageError("force-unlock takes exactly one argument: the lock ID");
    const id = args.positionals[0]!;
    const target = await stateTargetOf(args);
    if ("code" in target) return target.code;
    if (!boolFlag(args, "force") && !(await confirmed())) return fail("force-unlock cancelled");
    try {
      // The local lock is a file anyone may remove (by ID); other backends unlock through their own protocol.
      if (target.storage instanceof LocalFileStorage) await forceUnlock(target.storage.path, id);
      else await target.storage.unlock(id);
    } catch (e) {
      if (e instanceof LockError) return fail(e.message.split("\n")[0]!, e.message.split("\n").slice(1).join("\n").trim());
      throw e;
    }
    process.stdout.write("backplan state has been successfully unlocked!\n\nThe state has been unlocked, and backplan commands should now be able to\nobtain a new lock on the state.\n");
    return 0;
  },
};
