import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import { functionContext } from "./context.js";
import { markSensitive } from "../value.js";

const scope = {
  functions: functionContext({ planning: true, now: () => new Date("2026-11-25T16:30:00.750Z") }),
  variables: { secret: markSensitive("pw") },
};

function value(src: string): Shown {
  const r = evalHcl(src, scope);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src, scope);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("date and time functions", () => {
  it.each<[string, string, Shown]>([
    ["formatdate with numeric fields", `formatdate("YYYY-MM-DD hh:mm:ss", "2026-03-07T05:04:09Z")`, "2026-03-07 05:04:09"],
    ["formatdate with names and 12-hour time", `formatdate("EEEE, D MMMM YY H:mm AA", "2026-11-25T16:30:00Z")`, "Wednesday, 25 November 26 4:30 PM"],
    ["formatdate with abbreviations", `formatdate("EEE MMM D h aa", "2026-01-04T00:10:00Z")`, "Sun Jan 4 0 am"],
    ["formatdate keeps the timestamp's own offset", `formatdate("hh:mm ZZZZZ ZZZZ Z", "2026-11-25T16:30:00+05:30")`, "16:30 +05:30 +0530 +05:30"],
    ["formatdate of UTC zones", `formatdate("ZZZ Z", "2026-11-25T16:30:00Z")`, "UTC Z"],
    ["formatdate with quoted literals", `formatdate("'Backup at' hh'h'", "2026-11-25T02:00:00Z")`, "Backup at 02h"],
    ["timeadd adds a Go duration", `timeadd("2026-11-25T23:30:00Z", "1h45m")`, "2026-11-26T01:15:00Z"],
    ["timeadd with a negative duration and an offset", `timeadd("2026-01-01T00:10:00+02:00", "-20m")`, "2025-12-31T23:50:00+02:00"],
    ["timeadd with fractional units", `timeadd("2026-11-25T00:00:00Z", "1.5h")`, "2026-11-25T01:30:00Z"],
    ["timecmp orders instants across offsets", `[timecmp("2026-11-25T10:00:00Z", "2026-11-25T11:00:00+01:00"), timecmp("2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z")]`, [0, 1]],
    ["plantimestamp is known during plan (the plan's time)", `plantimestamp()`, "2026-11-25T16:30:00Z"],
    ["timestamp is not known during plan", `timestamp()`, { $unknown: "string" }],
    ["issensitive says whether a value is marked", `[issensitive(secret), issensitive("x")]`, [true, false]],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["a timestamp that is not RFC 3339", `formatdate("YYYY", "2026-11-25 16:30")`, /not a valid RFC3339 timestamp: "2026-11-25 16:30"/],
    ["a date that does not exist", `timeadd("2026-02-30T00:00:00Z", "1h")`, /names a date or time that does not exist/],
    ["an unknown format letter", `formatdate("YYYY Q", "2026-11-25T16:30:00Z")`, /invalid date format verb "Q"/],
    ["a duration without a unit", `timeadd("2026-11-25T16:30:00Z", "10")`, /invalid duration "10"/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});

describe("timestamp and uuid during apply", () => {
  const applying = functionContext({
    now: () => new Date("2026-11-25T16:30:00.123Z"),
    randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
  });
  const at = (src: string, functions = applying): Shown => evalHcl(src, { functions }).shown;

  it("timestamp is the clock's time in RFC 3339 UTC, without fractions", () => {
    expect(at(`timestamp()`)).toBe("2026-11-25T16:30:00Z");
  });
  it("uuid comes from the context", () => {
    expect(at(`uuid()`)).toBe("6f1c2f4e-0000-4000-8000-000000000001");
  });
  it("a real uuid is a version-4 UUID", () => {
    expect(at(`uuid()`, functionContext())).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it("both are unknown during plan", () => {
    expect(at(`[timestamp(), uuid()]`, { ...applying, planning: true })).toEqual([{ $unknown: "string" }, { $unknown: "string" }]);
  });
});
