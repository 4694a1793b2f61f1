import { describe, expect, it } from "vitest";
import { STRING } from "./types.js";
import {
  compareValues,
  containsMarks,
  equalValue,
  isKnown,
  isWhollyKnown,
  markDeep,
  Marked,
  markPaths,
  markSensitive,
  newObject,
  sensitivePaths,
  toSetArray,
  UNKNOWN,
  Unknown,
  unknownOf,
  unmarkDeep,
  valuesEqual,
  getAttr,
  unknownMask,
  sensitiveMask,
} from "./value.js";
import { show } from "./testkit.js";

describe("known and unknown", () => {
  it("a plain value is known and wholly known", () => {
    expect(isKnown({ a: [1, "x"] })).toBe(true);
    expect(isWhollyKnown({ a: [1, "x"] })).toBe(true);
  });
  it("a collection with an unknown element is known but not wholly known", () => {
    const v = { a: [1, UNKNOWN] };
    expect(isKnown(v)).toBe(true);
    expect(isWhollyKnown(v)).toBe(false);
  });
  it("a sensitive unknown is not known", () => {
    expect(isKnown(markSensitive(UNKNOWN))).toBe(false);
    expect(isWhollyKnown(markSensitive(unknownOf(STRING)))).toBe(false);
  });
  it("unknownOf(dynamic) is the shared UNKNOWN, a typed unknown keeps its type", () => {
    expect(unknownOf({ kind: "dynamic" })).toBe(UNKNOWN);
    expect((unknownOf(STRING) as Unknown).type).toEqual(STRING);
  });
});

describe("marks", () => {
  it("marks do not nest", () => {
    const m = markSensitive(markSensitive("x"));
    expect(m).toBeInstanceOf(Marked);
    expect((m as Marked).value).toBe("x");
  });
  it("unmarkDeep removes marks at every depth and says it found some", () => {
    const [v, found] = unmarkDeep({ a: markSensitive("s"), b: [1, markSensitive(2)] });
    expect(found).toBe(true);
    expect(v).toEqual({ a: "s", b: [1, 2] });
  });
  it("unmarkDeep returns the very same object when there is nothing to remove", () => {
    const v = { a: [1, 2], b: "x" };
    const [out, found] = unmarkDeep(v);
    expect(found).toBe(false);
    expect(out).toBe(v);
  });
  it("markDeep marks every leaf and every container", () => {
    expect(show(markDeep({ a: [1] }))).toEqual({ $sensitive: { a: { $sensitive: [{ $sensitive: 1 }] } } });
  });
  it("containsMarks looks inside collections", () => {
    expect(containsMarks([1, { a: markSensitive(true) }])).toBe(true);
    expect(containsMarks([1, { a: true }])).toBe(false);
  });
});

describe("sensitive paths (state sensitive_attributes)", () => {
  it("lists each marked value's path with get_attr and numeric index steps", () => {
    const v = { api_token: markSensitive("t"), volumes: [{ key: "a" }, { key: markSensitive("b") }] };
    expect(sensitivePaths(v)).toEqual([
      [{ type: "get_attr", value: "api_token" }],
      [
        { type: "get_attr", value: "volumes" },
        { type: "index", value: { value: 1, type: "number" } },
        { type: "get_attr", value: "key" },
      ],
    ]);
  });
  it("a mark on the whole value is the empty path", () => {
    expect(sensitivePaths(markSensitive({ a: 1 }))).toEqual([[]]);
  });
  it("markPaths is the inverse of sensitivePaths and ignores paths that do not exist", () => {
    const plain = { api_token: "t", volumes: [{ key: "a" }, { key: "b" }] };
    const paths = sensitivePaths({ api_token: markSensitive("t"), volumes: [{ key: "a" }, { key: markSensitive("b") }] });
    const marked = markPaths(plain, [...paths, [{ type: "get_attr", value: "gone" }]]);
    expect(sensitivePaths(marked)).toEqual(paths);
    expect(plain.api_token).toBe("t");
  });
});

describe("equality", () => {
  it("compares structurally, ignoring key order and marks", () => {
    expect(valuesEqual({ a: 1, b: [true, null] }, { b: [true, null], a: markSensitive(1) })).toBe(true);
    expect(valuesEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(valuesEqual([1], { 0: 1 })).toBe(false);
    expect(valuesEqual(1, "1")).toBe(false);
  });
  it("equality with an unknown side is an unknown bool", () => {
    expect(show(equalValue(1, UNKNOWN))).toEqual({ $unknown: "bool" });
    expect(show(equalValue([UNKNOWN], [1]))).toEqual({ $unknown: "bool" });
  });
  it("equality involving a sensitive value is sensitive", () => {
    expect(show(equalValue(markSensitive("a"), "a"))).toEqual({ $sensitive: true });
  });
});

describe("sets", () => {
  it("are sorted deterministically and deduplicated", () => {
    expect(toSetArray(["b", 2, "a", true, 1, "b", { x: 1 }, { x: 1 }])).toEqual([true, 1, 2, "a", "b", { x: 1 }]);
  });
  it("order numbers numerically, not as text", () => {
    expect([10, 9, 100].sort(compareValues)).toEqual([9, 10, 100]);
  });
});

describe("objects", () => {
  it("keys like __proto__ are ordinary keys of built objects and never read through the prototype", () => {
    const o = newObject();
    o["__proto__"] = "x";
    expect(getAttr(o, "__proto__")).toBe("x");
    expect(getAttr({ a: 1 }, "constructor")).toBeUndefined();
  });
});

describe("plan masks (after_unknown, after_sensitive)", () => {
  const v = { id: UNKNOWN, name: "x", tags: { a: "1" }, volumes: [{ uuid: UNKNOWN }, "v"], token: markSensitive("t") };
  it("unknownMask marks unknown leaves, keeps arrays positional and drops known attributes", () => {
    expect(unknownMask(v)).toEqual({ id: true, tags: {}, volumes: [{ uuid: true }, false] });
  });
  it("sensitiveMask marks sensitive values", () => {
    expect(sensitiveMask(v)).toEqual({ tags: {}, volumes: [{}, false], token: true });
  });
  it("a wholly unknown value is true; a sensitive unknown is both", () => {
    expect(unknownMask(markSensitive(UNKNOWN))).toBe(true);
    expect(sensitiveMask(markSensitive(UNKNOWN))).toBe(true);
  });
});
