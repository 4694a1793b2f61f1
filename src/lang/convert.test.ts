import { describe, expect, it } from "vitest";
import { convert } from "./convert.js";
import { parseTypeConstraint } from "./typeexpr.js";
import { parseHcl, show, type Shown } from "./testkit.js";
import { BOOL, DYNAMIC, listOf, mapOf, NUMBER, STRING, typeString, unify, type Type } from "./types.js";
import { markSensitive, UNKNOWN, unknownOf, type Value } from "./value.js";

/** The type a constraint written in HCL denotes (parsed through the real parser). */
function T(src: string): Type {
  const r = parseTypeConstraint(parseHcl(src));
  if (r.diagnostics.length > 0) throw new Error(r.diagnostics.map((d) => d.detail).join("; "));
  return r.type;
}

function ok(v: Value, type: Type): Shown {
  const r = convert(v, type);
  if (!r.ok) throw new Error(r.error.message);
  return show(r.value);
}

function fails(v: Value, type: Type): string {
  const r = convert(v, type);
  if (r.ok) throw new Error(`expected a conversion error, got ${JSON.stringify(show(r.value))}`);
  return r.error.message;
}

describe("primitive conversions", () => {
  it.each<[string, Value, string, Shown]>([
    ["number to string", 42, "string", "42"],
    ["large integer to string without exponent", 1e22, "string", "10000000000000000000000"],
    ["bool to string", true, "string", "true"],
    ["numeric string to number", "1.5", "number", 1.5],
    ["string true to bool", "true", "bool", true],
    ["string 0 to bool", "0", "bool", false],
    ["null to any type stays null", null, "number", null],
    ["anything to any", [1, "a"], "any", [1, "a"]],
  ])("%s", (_name, v, type, expected) => {
    expect(ok(v, T(type))).toEqual(expected);
  });

  it.each<[string, Value, string, string]>([
    ["a non-numeric string is not a number", "abc", "number", "a number is required"],
    ["a bool is not a number", true, "number", "number required"],
    ["a word is not a bool", "yes", "bool", "a bool is required"],
    ["a list is not a string", ["a"], "string", "string required"],
    ["an object is not a list", { a: 1 }, "list(string)", "list of string required"],
  ])("%s", (_name, v, type, message) => {
    expect(fails(v, T(type))).toBe(message);
  });
});

describe("collection conversions", () => {
  it("tuple to list converts each element", () => {
    expect(ok([1, "2"], T("list(number)"))).toEqual([1, 2]);
  });
  it("list(any) unifies element types: a string and a number become strings", () => {
    expect(ok(["a", 1, true], T("list(any)"))).toEqual(["a", "1", "true"]);
  });
  it("list(any) of objects with different attributes unifies them to maps", () => {
    expect(ok([{ a: 1 }, { b: "x" }], T("list(any)"))).toEqual([{ a: "1" }, { b: "x" }]);
  });
  it("list(any) refuses elements that have no common type", () => {
    expect(fails(["a", ["b"]], T("list(any)"))).toBe("all list elements must have the same type");
  });
  it("set is sorted and deduplicated", () => {
    expect(ok(["b", "a", "b"], T("set(string)"))).toEqual(["a", "b"]);
  });
  it("object to map converts every attribute", () => {
    expect(ok({ a: 1, b: "2" }, T("map(number)"))).toEqual({ a: 1, b: 2 });
  });
  it("tuple needs the exact length", () => {
    expect(ok([1, "x"], T("tuple([string, string])"))).toEqual(["1", "x"]);
    expect(fails([1], T("tuple([string, string])"))).toBe("a tuple of 2 elements is required");
  });
});

describe("object conversions", () => {
  const task = T(`object({ name = string, retention = optional(number, 7), tags = optional(map(string)) })`);

  it("fills absent optional attributes with their default or null", () => {
    expect(ok({ name: "db" }, task)).toEqual({ name: "db", retention: 7, tags: null });
  });
  it("a null optional attribute takes the default too", () => {
    expect(ok({ name: "db", retention: null }, task)).toEqual({ name: "db", retention: 7, tags: null });
  });
  it("drops attributes the type does not name", () => {
    expect(ok({ name: "db", extra: true }, task)).toEqual({ name: "db", retention: 7, tags: null });
  });
  it("names a missing required attribute", () => {
    expect(fails({ retention: 3 }, task)).toBe('attribute "name" is required');
  });
  it("says the path to a nested mismatch", () => {
    const t = T(`map(object({ volumes = list(object({ priority = number })) }))`);
    expect(fails({ web: { volumes: [{ priority: 1 }, { priority: "high" }] } }, t)).toBe(
      'element "web": attribute "volumes": element 1: attribute "priority": a number is required',
    );
  });
  it("applies nested defaults inside defaults and inside collections", () => {
    const t = T(`list(object({ window = optional(object({ start = optional(string, "01:00") }), {}) }))`);
    expect(ok([{}, { window: { start: "02:00" } }], t)).toEqual([{ window: { start: "01:00" } }, { window: { start: "02:00" } }]);
  });
  it("optional(T, default) type-checks the default", () => {
    const r = parseTypeConstraint(parseHcl(`object({ n = optional(number, "many") })`));
    expect(r.diagnostics[0]?.detail).toMatch(/not compatible with the attribute type number: a number is required/);
  });
});

describe("null, unknown and marks", () => {
  it("nullable = false refuses a null", () => {
    const r = convert(null, STRING, { nullable: false });
    expect(r.ok).toBe(false);
  });
  it("an unknown converts to an unknown of the target type", () => {
    expect(ok(UNKNOWN, listOf(STRING))).toEqual({ $unknown: "list(string)" });
  });
  it("an unknown of an incompatible type is refused", () => {
    expect(fails(unknownOf(listOf(STRING)), STRING)).toBe("string required");
  });
  it("an unknown inside a collection stays in place", () => {
    expect(ok([1, UNKNOWN], listOf(STRING))).toEqual(["1", { $unknown: "string" }]);
  });
  it("marks stay where they were", () => {
    expect(ok({ a: markSensitive(1) }, mapOf(STRING))).toEqual({ a: { $sensitive: "1" } });
  });
});

describe("type constraints", () => {
  it.each([
    ["string", "string"],
    ["any", "any"],
    ["list(map(number))", "list(map(number))"],
    ["tuple([string, bool])", "tuple([string, bool])"],
    ["object({a = string, b = optional(number)})", "object({a=string, b=optional(number)})"],
    ['"${set(string)}"', "set(string)"],
  ])("%s", (src, printed) => {
    expect(typeString(T(src))).toBe(printed);
  });

  it.each([
    ["list", /requires one argument specifying the element type/],
    ["strin", /"strin" is not a valid type specification/],
    ["optional(string)", /only be used for attributes of an object type/],
    ["map(string, number)", /requires exactly one argument/],
    ["var.x", /primitive type keyword/],
  ])("%s is refused with a clear message", (src, message) => {
    const r = parseTypeConstraint(parseHcl(src));
    expect(r.type).toEqual(DYNAMIC);
    expect(r.diagnostics[0]?.detail).toMatch(message);
    expect(r.diagnostics[0]?.subject?.start.line).toBe(1);
  });
});

describe("unify", () => {
  it("mixed primitives unify to string; numbers with numbers stay numbers", () => {
    expect(unify([NUMBER, BOOL])).toEqual(STRING);
    expect(unify([NUMBER, NUMBER, DYNAMIC])).toEqual(NUMBER);
  });
  it("a primitive and a collection have no common type", () => {
    expect(unify([STRING, listOf(STRING)])).toBeUndefined();
  });
});
