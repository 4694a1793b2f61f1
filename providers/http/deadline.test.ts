import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { deadlineOf } from "./deadline.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("deadlineOf", () => {
  it("aborts at the timeout even when garbage collection runs meanwhile (the timeout signal is held)", async () => {
    const d = deadlineOf({ timeoutMs: 200, signal: new AbortController().signal });
    for (let i = 0; i < 8 && !d.signal.aborted; i++) {
      gc();
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(d.signal.aborted).toBe(true);
  });
});
