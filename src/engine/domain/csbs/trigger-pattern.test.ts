import { describe, expect, it } from "vitest";
import { nextOccurrence, parseTriggerPattern } from "./trigger-pattern.js";

const wrap = (rrule: string, eol = "\r\n") =>
  ["BEGIN:VCALENDAR", "BEGIN:VEVENT", `RRULE:${rrule}`, "END:VEVENT", "END:VCALENDAR", ""].join(eol);

describe("parseTriggerPattern", () => {
  it("accepts the documented weekly example", () => {
    const r = parseTriggerPattern(wrap("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27"));
    expect(r).toEqual({ ok: true, rule: { freq: "WEEKLY", byDay: ["TH"], byHour: [12], byMinute: [27] } });
  });

  it("accepts a daily rule with several hours, LF line ends and unordered lists", () => {
    const r = parseTriggerPattern(wrap("FREQ=DAILY;BYHOUR=14,2;BYMINUTE=0", "\n"));
    expect(r.ok && r.rule.byHour).toEqual([2, 14]);
    expect(r.ok && r.rule.byDay).toHaveLength(7);
  });

  it.each([
    ["FREQ=MONTHLY;BYHOUR=1;BYMINUTE=0", /FREQ must be WEEKLY or DAILY/],
    ["BYHOUR=1;BYMINUTE=0", /FREQ must be WEEKLY or DAILY, got nothing/],
    ["FREQ=WEEKLY;BYHOUR=1;BYMINUTE=0", /WEEKLY rule needs BYDAY/],
    ["FREQ=DAILY;BYDAY=MO;BYHOUR=1;BYMINUTE=0", /DAILY rule must not have BYDAY/],
    ["FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=0", /BYDAY value "XX"/],
    ["FREQ=DAILY;BYHOUR=24;BYMINUTE=0", /BYHOUR value 24 is outside 0–23/],
    ["FREQ=DAILY;BYHOUR=1;BYMINUTE=60", /BYMINUTE value 60/],
    ["FREQ=DAILY;BYHOUR=1", /needs BYMINUTE/],
    ["FREQ=DAILY;BYHOUR=1;BYMINUTE=0;INTERVAL=2", /INTERVAL is not supported/],
    ["FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,30", /at least one hour apart; 01:00 and 01:30/],
    ["FREQ=DAILY;BYHOUR=1,1;BYMINUTE=0", /lists 1 twice/],
  ])("rejects %s", (rrule, reason) => {
    const r = parseTriggerPattern(wrap(rrule));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it("counts the gap across midnight", () => {
    expect(parseTriggerPattern(wrap("FREQ=DAILY;BYHOUR=23,0;BYMINUTE=30")).ok).toBe(true); // 23:30 → 00:30
  });

  it("rejects more than 24 time points a day", () => {
    const hours = Array.from({ length: 24 }, (_, i) => i).join(",");
    expect(parseTriggerPattern(wrap(`FREQ=DAILY;BYHOUR=${hours};BYMINUTE=0`)).ok).toBe(true);
    const r = parseTriggerPattern(wrap(`FREQ=DAILY;BYHOUR=${hours};BYMINUTE=0,30`));
    expect(!r.ok && r.reason).toMatch(/48 times a day/);
  });

  it("rejects a broken calendar frame", () => {
    expect(parseTriggerPattern("RRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=0").ok).toBe(false);
    expect(parseTriggerPattern(wrap("FREQ=DAILY;BYHOUR=1;BYMINUTE=0").replace("END:VEVENT", "END:VTODO")).ok).toBe(false);
  });
});

describe("nextOccurrence", () => {
  it("finds the next weekly slot, crossing into next week", () => {
    const r = parseTriggerPattern(wrap("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27"));
    if (!r.ok) throw new Error(r.reason);
    const thursdayNoon = Date.UTC(2026, 10, 26, 12, 27); // 2026-11-26 is a Thursday
    expect(nextOccurrence(r.rule, Date.UTC(2026, 10, 25, 8, 0))).toBe(thursdayNoon);
    expect(nextOccurrence(r.rule, thursdayNoon)).toBe(thursdayNoon + 7 * 86_400_000);
  });
});
