import { describe, expect, it } from "vitest";
import { formatZStackDate } from "./timestamp.js";
import { project, toWire } from "./wire.js";

describe("toWire", () => {
  it("formats timestamp fields at any depth and leaves other numbers alone", () => {
    const ms = new Date(2017, 10, 14, 22, 20, 57).getTime();
    expect(toWire({ createDate: ms, size: ms, refs: [{ lastOpDate: ms }], nested: { expiredDate: ms } })).toEqual({
      createDate: "Nov 14, 2017 10:20:57 PM",
      size: ms,
      refs: [{ lastOpDate: formatZStackDate(ms) }],
      nested: { expiredDate: formatZStackDate(ms) },
    });
  });

  it("drops null and undefined fields as Gson does, keeps empty strings, false and empty lists", () => {
    expect(toWire({ a: null, b: undefined, c: "", d: false, e: [], f: 0 })).toEqual({ c: "", d: false, e: [], f: 0 });
  });

  it("does not mutate its input", () => {
    const input = { createDate: 0, x: null };
    toWire(input);
    expect(input).toEqual({ createDate: 0, x: null });
  });
});

describe("project", () => {
  it("keeps only the named fields that exist", () => {
    expect(project({ uuid: "u", name: "n", size: 1 }, ["uuid", "size", "nope"])).toEqual({ uuid: "u", size: 1 });
    expect(project({ uuid: "u" }, undefined)).toEqual({ uuid: "u" });
  });
});
