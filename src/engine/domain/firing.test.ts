import { describe, expect, it } from "vitest";
import { firingKey, latestFiringBetween } from "./firing.js";

describe("which firing a tick runs", () => {
  const everyTen = (after: number) => (Math.floor(after / 10) + 1) * 10; // fires at 10, 20, 30...

  it("is the latest firing in (since, now], so ticks over different windows name the same one", () => {
    expect(latestFiringBetween(everyTen, 0, 9)).toBeUndefined();
    expect(latestFiringBetween(everyTen, 0, 10)).toBe(10);
    expect(latestFiringBetween(everyTen, 10, 19)).toBeUndefined(); // 10 itself belongs to the window before
    expect(latestFiringBetween(everyTen, 3, 35)).toBe(30); // several missed: run once, as the latest
    expect(latestFiringBetween(everyTen, 29, 31)).toBe(30);
    expect(latestFiringBetween(everyTen, 25, 30)).toBe(30);
  });

  it("ends when the schedule does", () => {
    const twice = (after: number) => (after < 10 ? 10 : after < 20 ? 20 : undefined);
    expect(latestFiringBetween(twice, 0, 100)).toBe(20);
    expect(latestFiringBetween(twice, 20, 100)).toBeUndefined();
  });

  it("names a firing by schedule and time", () => {
    expect(firingKey("t1", 1_700_000_000_000)).toBe("t1@1700000000000");
  });
});
