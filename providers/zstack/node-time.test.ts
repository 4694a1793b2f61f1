import { describe, expect, it } from "vitest";
import { nodeDate, parseNodeTimeZone, type NodeTimeZone } from "./node-time.js";

const at = new Date(Date.UTC(2026, 11, 7, 15, 45, 0));
const zone = (t: string) => parseNodeTimeZone(t) as NodeTimeZone;

describe("the AccessKey Date header in the management node's local time", () => {
  it("writes a Shanghai node's clock face with a numeric zone", () => {
    expect(nodeDate(at, zone("Asia/Shanghai"))).toBe("Mon, 07 Dec 2026 23:45:00 GMT+08:00");
    expect(nodeDate(at, zone("+08:00"))).toBe("Mon, 07 Dec 2026 23:45:00 GMT+08:00");
  });

  it("writes RFC 1123 GMT for a node on UTC, as before", () => {
    expect(nodeDate(at, zone("UTC"))).toBe("Mon, 07 Dec 2026 15:45:00 GMT");
  });

  it("follows daylight saving of the node's zone", () => {
    expect(nodeDate(new Date(Date.UTC(2026, 6, 1, 12, 0, 0)), zone("America/New_York"))).toBe("Wed, 01 Jul 2026 08:00:00 GMT-04:00");
    expect(nodeDate(at, zone("America/New_York"))).toBe("Mon, 07 Dec 2026 10:45:00 GMT-05:00");
    expect(nodeDate(at, zone("UTC+5:30"))).toBe("Mon, 07 Dec 2026 21:15:00 GMT+05:30");
  });

  it("names the accepted forms for a bad zone", () => {
    expect(parseNodeTimeZone("Mars/Olympus")).toEqual({ error: expect.stringMatching(/IANA id such as Asia\/Shanghai/) });
    expect(parseNodeTimeZone("+15:00")).toEqual({ error: expect.stringMatching(/±14:00/) });
  });
});
