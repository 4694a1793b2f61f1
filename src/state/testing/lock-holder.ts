/**
 * Test helper process: takes the state lock for argv[2] (operation argv[3]), prints `{"locked": LockInfo}` as
 * one line, holds the lock until a line arrives on stdin, releases it and prints `released`.
 */
import { createInterface } from "node:readline";
import { acquireLock } from "../lock.js";

const [statePath, operation = "OperationTypeApply"] = process.argv.slice(2);
if (!statePath) throw new Error("usage: lock-holder STATE_PATH [OPERATION]");
const lock = await acquireLock(statePath, { operation, info: "held by lock-holder", version: "test" });
process.stdout.write(JSON.stringify({ locked: lock.info }) + "\n");
const rl = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => rl.once("line", () => resolve()));
rl.close();
await lock.release();
process.stdout.write("released\n");
