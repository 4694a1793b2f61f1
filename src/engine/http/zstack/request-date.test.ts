import { describe, expect, it } from "vitest";
import { parseNodeZone, wallClockOf, wallClockSkewMs } from "./request-date.js";

const face = Date.UTC(2026, 11, 7, 23, 45, 0); // the clock face "07 Dec 2026 23:45:00"

describe("AccessKey Date header as ZStack reads it", () => {
  it.each([
    ["Go SDK (zone abbreviation)", "Mon, 07 Dec 2026 23:45:00 CST"],
    ["Java SDK (zone id)", "Mon, 07 Dec 2026 23:45:00 Asia/Shanghai"],
    ["numeric zone", "Mon, 07 Dec 2026 23:45:00 GMT+08:00"],
    ["RFC 1123", "Mon, 07 Dec 2026 23:45:00 GMT"],
    ["no weekday", "7 Dec 2026 23:45:00 UTC"],
  ])("reads the clock face and ignores the zone: %s", (_, header) => {
    expect(wallClockOf(header)).toBe(face);
  });

  it.each(["2026-12-07T23:45:00Z", "Mon, 07 Dec 2026 23:45:00", "Mon, 31 Feb 2026 10:00:00 GMT", "Mon, 07 Foo 2026 10:00:00 GMT", "Mon, 07 Dec 2026 24:00:00 GMT"])(
    "rejects %s",
    (header) => {
      expect(wallClockOf(header)).toBeUndefined();
    },
  );

  it("compares the clock face with the node's local clock face", () => {
    const now = Date.UTC(2026, 11, 7, 15, 45, 0); // 23:45 in Shanghai
    expect(wallClockSkewMs(face, now, parseNodeZone("Asia/Shanghai"))).toBe(0);
    expect(wallClockSkewMs(face, now, parseNodeZone("+08:00"))).toBe(0);
    expect(wallClockSkewMs(face, now, parseNodeZone("UTC"))).toBe(8 * 3600_000);
  });

  it("names the accepted forms for a bad zone", () => {
    expect(() => parseNodeZone("Mars/Olympus")).toThrow(/IANA id/);
    expect(parseNodeZone("UTC-5")).toEqual({ kind: "offset", minutes: -300 });
  });
});
