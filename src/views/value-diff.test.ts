import { describe, expect, it } from "vitest";
import { compareStrings, rootNode } from "./encoding.js";
import { pv } from "./fixtures.test-support.js";
import { diffValues, lcsPairs } from "./value-diff.js";

describe("lcsPairs", () => {
  const eq = (a: string, b: string) => a === b;
  it.each([
    [["a", "b", "c"], ["a", "c"], [[0, 0], [2, 1]]],
    [["x", "a", "b"], ["a", "b", "y"], [[1, 0], [2, 1]]],
    [[], ["a"], []],
    [["a", "b"], ["b", "a"], [[1, 0]]],
  ] as const)("%j vs %j", (xs, ys, pairs) => expect(lcsPairs(xs, ys, eq)).toEqual(pairs));

  it("handles long lists without a quadratic table: common ends still match", () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => `vm-${i}`);
    const ys = [...xs.slice(0, 9_000), ...Array.from({ length: 2_000 }, (_, i) => `new-${i}`), ...xs.slice(10_000)];
    const pairs = lcsPairs(xs, ys, eq);
    expect(pairs.length).toBe(19_000);
    expect(pairs[9_000]).toEqual([10_000, 11_000]);
  });
});

describe("diffValues", () => {
  it("classifies actions from null/absent, unknown and sensitive sides", () => {
    const d = diffValues(rootNode(pv({ a: 1, s: "x", gone: 1 })), rootNode(pv({ a: 1, s: "y", n: 2 }, { unknown: { u: true }, sensitive: { s: true } })));
    expect(d.kind).toBe("object");
    if (d.kind !== "object") return;
    const byKey = Object.fromEntries(d.attributes.map(([k, v]) => [k, [v.kind, v.action]]));
    expect(byKey).toEqual({
      a: ["primitive", "no-op"],
      gone: ["primitive", "delete"],
      n: ["primitive", "create"],
      s: ["sensitive", "update"],
      u: ["unknown", "create"],
    });
    expect(d.action).toBe("update");
  });

  it("treats an equal sensitive value as unchanged", () => {
    const d = diffValues(rootNode(pv("x", { sensitive: true })), rootNode(pv("x", { sensitive: true })));
    expect(d).toMatchObject({ kind: "sensitive", action: "no-op", valueChanged: false });
  });
});

describe("compareStrings", () => {
  it("orders by code point as Go orders UTF-8 bytes (astral characters after U+FFFF)", () => {
    expect(["b", "a[10]", "a[2]", "\u{1F600}", "\uFF5E"].sort(compareStrings)).toEqual(["a[10]", "a[2]", "b", "\uFF5E", "\u{1F600}"]);
  });
});
