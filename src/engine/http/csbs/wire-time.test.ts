import { describe, expect, it } from "vitest";
import { csbsTime, csbsTriggerTime, keystoneTime } from "./wire-time.js";

describe("wire times", () => {
  const t = Date.UTC(2016, 11, 6, 21, 20, 29, 898);
  it("prints CSBS, trigger and Keystone forms", () => {
    expect(csbsTime(t)).toBe("2016-12-06T21:20:29.898000");
    expect(csbsTriggerTime(t)).toBe("2016-12-06 21:20:29");
    expect(keystoneTime(t)).toBe("2016-12-06T21:20:29.898000Z");
  });
});
