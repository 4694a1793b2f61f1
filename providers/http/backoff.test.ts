import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs, sleep, type BackoffPolicy } from "./backoff.js";

const noJitter: BackoffPolicy = { baseMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

describe("backoffDelay", () => {
  it("grows exponentially without jitter and stops at maxMs", () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(noJitter, a, 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("full jitter spreads the delay over [0, exp]", () => {
    const full = { ...noJitter, jitter: 1 };
    expect(backoffDelay(full, 2, 0)).toBe(0);
    expect(backoffDelay(full, 2, 0.5)).toBe(200);
    expect(backoffDelay(full, 2, 0.999999)).toBe(400);
  });

  it("partial jitter keeps a floor of (1 - jitter) of the delay", () => {
    const some = { ...noJitter, jitter: 0.2 };
    expect(backoffDelay(some, 1, 0)).toBe(160);
    expect(backoffDelay(some, 1, 1)).toBe(200);
  });

  it("never exceeds maxMs whatever the attempt count", () => {
    for (let a = 0; a < 60; a++) expect(backoffDelay({ ...noJitter, jitter: 1 }, a, 0.99)).toBeLessThanOrEqual(1000);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds", () => expect(retryAfterMs("3", 0)).toBe(3000));
  it("reads an HTTP date relative to now", () => {
    const now = Date.parse("Wed, 25 Nov 2026 10:00:00 GMT");
    expect(retryAfterMs("Wed, 25 Nov 2026 10:00:05 GMT", now)).toBe(5000);
  });
  it("ignores absent or garbage values", () => {
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
    expect(retryAfterMs("soon", 0)).toBeUndefined();
  });
});

describe("sleep", () => {
  it("rejects with the abort reason as soon as the signal aborts", async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
