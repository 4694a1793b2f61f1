import { describe, expect, it } from "vitest";
import { ReplayGuard } from "./replay-guard.js";

describe("ReplayGuard", () => {
  it("accepts a signature once within its window, and forgets it after", () => {
    const g = new ReplayGuard(1000);
    expect(g.accept("sig", 0, 10)).toBe(true);
    expect(g.accept("sig", 0, 500)).toBe(false);
    expect(g.accept("other", 0, 500)).toBe(true);
    expect(g.accept("sig", 0, 1001)).toBe(true); // the Date check refuses such a request anyway
  });

  it("stays bounded", () => {
    const g = new ReplayGuard(1_000_000, 10);
    for (let i = 0; i < 100; i++) g.accept(`s${i}`, i, i);
    expect(g.accept("s99", 99, 100)).toBe(false);
    expect(g.accept("s0", 0, 100)).toBe(true);
  });
});
