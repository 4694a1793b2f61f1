import { describe, expect, it } from "vitest";
import { javaTimestampString } from "../../domain/java-timestamp.js";
import { formatZStackDate, parseZStackDate } from "./timestamp.js";

const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => new Date(y, mo, d, h, mi, s, ms).getTime();

describe("ZStack timestamps", () => {
  it.each([
    ["an evening time as 12-hour PM", local(2017, 10, 14, 22, 20, 57), "Nov 14, 2017 10:20:57 PM"],
    ["an early morning time without zero padding", local(2017, 0, 6, 3, 51, 16), "Jan 6, 2017 3:51:16 AM"],
    ["midnight as 12 AM", local(2020, 1, 29, 0, 0, 5), "Feb 29, 2020 12:00:05 AM"],
    ["noon as 12 PM", local(2021, 11, 31, 12, 9, 0), "Dec 31, 2021 12:09:00 PM"],
  ])("formats %s", (_name, ms, text) => {
    expect(formatZStackDate(ms)).toBe(text);
    expect(parseZStackDate(text)).toBe(ms);
  });

  it("matches the Go SDK's ZStackTimeReg", () => {
    expect(formatZStackDate(Date.now())).toMatch(/^\w+ \d{1,2}, \d{4} \d{1,2}:\d{1,2}:\d{1,2} (AM|PM)$/);
  });

  it("rejects text that is not a ZStack timestamp", () => {
    expect(parseZStackDate("2017-11-14 22:20:57")).toBeUndefined();
    expect(parseZStackDate("Foo 14, 2017 10:20:57 PM")).toBeUndefined();
    expect(parseZStackDate("Nov 14, 2017 13:20:57 PM")).toBeUndefined();
  });

  it("writes java.sql.Timestamp strings with a trimmed fraction", () => {
    expect(javaTimestampString(local(2017, 10, 14, 22, 20, 57, 120))).toBe("2017-11-14 22:20:57.12");
    expect(javaTimestampString(local(2017, 10, 4, 2, 0, 7, 0))).toBe("2017-11-04 02:00:07.0");
  });
});
