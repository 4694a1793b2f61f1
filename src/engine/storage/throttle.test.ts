import { describe, expect, it } from "vitest";
import { Throttle } from "./throttle.js";

describe("Throttle", () => {
  it("is unlimited without a rate", async () => {
    const t = new Throttle(0);
    expect(t.limited).toBe(false);
    await t.take(1e12);
  });
  it("lets a burst of one second through, then paces to the rate", async () => {
    let now = 0;
    const t = new Throttle(1000, () => now);
    await t.take(1000); // the burst
    let done = false;
    const waiting = t.take(500).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    now = 600; // 600 tokens refilled
    await waiting;
    expect(done).toBe(true);
  });
});
