import { describe, expect, it } from "vitest";
import { longestCronGapMs, nextCronFire, parseQuartzCron, type CronSchedule } from "./quartz-cron.js";

function schedule(expr: string): CronSchedule {
  const r = parseQuartzCron(expr);
  if (!r.ok) throw new Error(r.reason);
  return r.schedule;
}

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, after: string, offset = 0) => {
  const t = nextCronFire(schedule(expr), at(after), () => offset);
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe("parseQuartzCron", () => {
  it.each([
    ["0 0 2 * * ?", true],
    ["*/3 * * ? * *", true],
    ["0 15 10 ? * MON-FRI", true],
    ["0 0 12 1/5 * ? 2030", true],
    ["0 0 0 ? JAN,JUL WED", true],
    ["* * * * * *", false], // both day fields set
    ["* * * ? * ?", false], // both day fields '?'
    ["0 0 2 * *", false], // five fields: Unix cron, not Quartz
    ["60 * * * * ?", false],
    ["0 0 0 L * ?", false],
    ["0 0 0 ? * 6#3", false],
    ["0 0 0 ? * FOO", false],
    ["0 5-1 * * * ?", false],
    ["? * * * * ?", false],
  ])("%s parses: %s", (expr, ok) => {
    expect(parseQuartzCron(expr).ok).toBe(ok);
  });

  it("names the field and the reason", () => {
    const r = parseQuartzCron("0 61 * * * ?");
    expect(r.ok ? "" : r.reason).toContain("minutes field '61': 61 is outside 0–59");
  });
});

describe("nextCronFire", () => {
  it("every three seconds fires on multiples of three, strictly after the time given", () => {
    expect(next("*/3 * * * * ?", "2026-01-01T00:00:00.000Z")).toBe("2026-01-01T00:00:03.000Z");
    expect(next("*/3 * * * * ?", "2026-01-01T00:00:01.500Z")).toBe("2026-01-01T00:00:03.000Z");
    expect(next("*/3 * * * * ?", "2026-01-01T00:00:59.000Z")).toBe("2026-01-01T00:01:00.000Z");
  });

  it("daily at 02:00 rolls over to the next day, month and year", () => {
    expect(next("0 0 2 * * ?", "2026-12-31T02:00:00.000Z")).toBe("2027-01-01T02:00:00.000Z");
    expect(next("0 0 2 * * ?", "2026-03-10T01:59:59.000Z")).toBe("2026-03-10T02:00:00.000Z");
  });

  it("weekdays count 1 = SUN as Quartz does", () => {
    // 2026-01-01 is a Thursday; the next Monday 10:15 is 2026-01-05.
    expect(next("0 15 10 ? * MON-FRI", "2026-01-02T10:15:00.000Z")).toBe("2026-01-05T10:15:00.000Z");
    expect(next("0 0 0 ? * 1", "2026-01-01T00:00:00.000Z")).toBe("2026-01-04T00:00:00.000Z");
  });

  it("runs on the management node's wall clock", () => {
    // 02:00 at UTC+8 is 18:00 UTC the day before.
    expect(next("0 0 2 * * ?", "2026-03-10T00:00:00.000Z", 480)).toBe("2026-03-10T18:00:00.000Z");
  });

  it("a date that never comes gives undefined", () => {
    expect(next("0 0 0 31 FEB ?", "2026-01-01T00:00:00.000Z")).toBeUndefined();
    expect(next("0 0 0 1 1 ? 2027", "2027-06-01T00:00:00.000Z")).toBeUndefined();
  });
});

describe("longestCronGapMs", () => {
  it("is the worst gap between firings, weekends included", () => {
    expect(longestCronGapMs(schedule("*/3 * * * * ?"), at("2026-01-01T00:00:00Z"))).toBe(3000);
    expect(longestCronGapMs(schedule("0 0 2 ? * MON-FRI"), at("2026-01-01T00:00:00Z"))).toBe(3 * 86_400_000);
    expect(longestCronGapMs(schedule("0 0 0 1 1 ? 2027"), at("2026-01-01T00:00:00Z"))).toBeUndefined();
  });
});
