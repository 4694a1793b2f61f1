import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalJsonSlow, compareCodePoints, formatNumber, Ordered, quote } from "./canonical-json.js";

describe("canonicalJson (Go json.MarshalIndent layout)", () => {
  it("indents two spaces and writes empty containers inline", () => {
    expect(canonicalJson({ a: [], b: {}, c: [1, { d: null }] })).toBe(
      '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    {\n      "d": null\n    }\n  ]\n}',
    );
  });

  it("sorts map keys by code point, integer-like keys included (JS would put them first)", () => {
    expect(canonicalJson({ b: 1, "10": 2, "2": 3, a: 4 })).toBe('{\n  "10": 2,\n  "2": 3,\n  "a": 4,\n  "b": 1\n}');
  });

  it("keeps Ordered entries in order and drops undefined ones (omitempty)", () => {
    expect(canonicalJson(new Ordered([["z", 1], ["skip", undefined], ["a", 2]]))).toBe('{\n  "z": 1,\n  "a": 2\n}');
  });

  it("writes a dynamic value wrapper value first, as cty does", () => {
    expect(canonicalJson({ type: "string", value: "x" })).toBe('{\n  "value": "x",\n  "type": "string"\n}');
  });

  it("escapes HTML-unsafe characters and line separators as Go does", () => {
    expect(quote("<a & b>\u2028\n\t\u0001")).toBe('"\\u003ca \\u0026 b\\u003e\\u2028\\n\\t\\u0001"');
  });

  it.each([
    [1, "1"],
    [-0.5, "-0.5"],
    [1e21, "1000000000000000000000"],
    [1.5e22, "15000000000000000000000"],
    [1e-7, "0.0000001"],
    [-2.5e-8, "-0.000000025"],
  ])("writes the number %s in plain decimal as %s", (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });

  it("refuses NaN and Infinity, naming where", () => {
    expect(() => canonicalJson({ a: [Number.NaN] })).toThrow("$.a[0]");
  });

  it("orders astral characters after the rest of the BMP, like UTF-8 bytes", () => {
    expect(["\uffff", "\u{1f600}", "a"].sort(compareCodePoints)).toEqual(["a", "\uffff", "\u{1f600}"]);
  });

  it("the native fast path and the general writer produce the same text", () => {
    const doc = new Ordered([
      ["version", 4],
      ["skip", undefined],
      ["values", { z: [1, -2.5, 0.000001, true, null, "<&>\u2028"], a: { value: { b: {}, a: [] }, type: ["object", {}] } }],
      ["empty", []],
    ]);
    expect(canonicalJson(doc)).toBe(canonicalJsonSlow(doc));
    // These take the general writer: all-digit keys and exponent-sized numbers.
    expect(canonicalJson({ "1": 1, a: 1e21 })).toBe('{\n  "1": 1,\n  "a": 1000000000000000000000\n}');
  });
});
