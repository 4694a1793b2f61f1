import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { listOf, STRING } from "../types.js";
import { markSensitive, UNKNOWN, unknownOf } from "../value.js";

const scope: Scope = {
  variables: {
    var: {
      pending: UNKNOWN,
      pending_list: unknownOf(listOf(STRING)),
      secret: markSensitive("pw"),
      tags: { b: "2", a: "1" },
    },
  },
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

describe("collection functions", () => {
  it.each<[string, string, Shown]>([
    ["length of a list", `length([1, 2, 3])`, 3],
    ["length of a map", `length({a = 1, b = 2})`, 2],
    ["length of a string counts characters", `length("héllo")`, 5],
    ["length of a list with unknown elements is known", `length([var.pending, 1])`, 2],
    ["length of an unknown list is unknown", `length(var.pending_list)`, { $unknown: "number" }],
    ["merge: later arguments win, nulls are skipped", `merge({a = 1, b = 1}, null, {b = 2, c = 3})`, { a: 1, b: 2, c: 3 }],
    ["merge with an unknown map is unknown", `merge({a = 1}, var.pending)`, { $unknown: "any" }],
    ["merge keeps unknown attribute values in place", `merge({a = var.pending}, {b = 1})`, { a: { $unknown: "any" }, b: 1 }],
    ["concat joins lists", `concat(["a"], [], ["b", "c"])`, ["a", "b", "c"]],
    ["lookup finds a key", `lookup({a = "x"}, "a", "d")`, "x"],
    ["lookup falls back to the default", `lookup({a = "x"}, "b", "d")`, "d"],
    ["keys are sorted", `keys(var.tags)`, ["a", "b"]],
    ["values follow sorted keys", `values(var.tags)`, ["1", "2"]],
    ["flatten flattens nested lists", `flatten([["a", ["b"]], [], "c"])`, ["a", "b", "c"]],
    ["flatten with an unknown nested list is unknown", `flatten([["a"], var.pending])`, { $unknown: "list(any)" }],
    ["distinct keeps the first of each", `distinct(["b", "a", "b", "c", "a"])`, ["b", "a", "c"]],
    ["contains finds a value", `[contains(["a", "b"], "b"), contains(["a"], "z")]`, [true, false]],
    ["element wraps around", `element(["a", "b", "c"], 4)`, "b"],
    ["index finds the position", `index(["a", "b"], "b")`, 1],
    ["range with one argument", `range(3)`, [0, 1, 2]],
    ["range with start, limit, step", `range(1, 10, 4)`, [1, 5, 9]],
    ["range counting down", `range(3, 0, -1)`, [3, 2, 1]],
    ["zipmap pairs keys with values", `zipmap(["a", "b"], [1, 2])`, { a: 1, b: 2 }],
    ["toset sorts and deduplicates", `toset(["b", "a", "b"])`, ["a", "b"]],
    ["tolist unifies element types", `tolist(["a", 1])`, ["a", "1"]],
    ["tomap converts an object", `tomap({a = 1, b = "x"})`, { a: "1", b: "x" }],
    ["coalesce skips nulls and empty strings", `coalesce(null, "", "a", "b")`, "a"],
    ["coalesce unifies to a common type", `coalesce(null, 1, "x")`, "1"],
    ["coalesce with an unknown first candidate is unknown", `coalesce(null, var.pending, "x")`, { $unknown: "string" }],
    ["coalescelist returns the first non-empty list", `coalescelist([], ["a"], ["b"])`, ["a"]],
    ["compact removes nulls and empty strings", `compact(["a", "", null, "b"])`, ["a", "b"]],
    ["one of an empty list is null", `one([])`, null],
    ["one of a single-element list is the element", `one(["a"])`, "a"],
    ["slice takes a half-open range", `slice(["a", "b", "c", "d"], 1, 3)`, ["b", "c"]],
    ["sort sorts strings lexically", `sort(["b", "a", "10", "9"])`, ["10", "9", "a", "b"]],
    ["reverse", `reverse([1, 2, 3])`, [3, 2, 1]],
    ["setunion", `setunion(["a", "b"], ["b", "c"])`, ["a", "b", "c"]],
    ["setintersection", `setintersection(["a", "b", "c"], ["b", "c", "d"], ["c", "b"])`, ["b", "c"]],
    ["setsubtract", `setsubtract(["a", "b", "c"], ["b"])`, ["a", "c"]],
    ["setproduct", `setproduct(["a", "b"], [1, 2])`, [["a", 1], ["a", 2], ["b", 1], ["b", 2]]],
    ["chunklist", `chunklist(["a", "b", "c"], 2)`, [["a", "b"], ["c"]]],
    ["sum", `sum([1, 2, 3.5])`, 6.5],
    ["alltrue", `[alltrue([true, true]), alltrue([]), alltrue([true, false])]`, [true, true, false]],
    ["anytrue", `[anytrue([false, true]), anytrue([])]`, [true, false]],
    ["transpose", `transpose({a = ["1", "2"], b = ["2", "3"]})`, { "1": ["a"], "2": ["a", "b"], "3": ["b"] }],
    ["matchkeys", `matchkeys(["i-1", "i-2", "i-3"], ["a", "b", "a"], ["a"])`, ["i-1", "i-3"]],
    ["keys of a map are not sensitive because some values are", `keys({a = var.secret})`, ["a"]],
    ["keys of a sensitive map are sensitive", `keys(sensitive({a = 1}))`, { $sensitive: ["a"] }],
    ["merge keeps a sensitive attribute's mark on that attribute only", `merge({a = var.secret}, {b = 1})`, { a: { $sensitive: "pw" }, b: 1 }],
    ["merge of a sensitive map is sensitive as a whole", `merge(sensitive({a = 1}), {b = 1})`, { $sensitive: { a: 1, b: 1 } }],
    ["concat keeps element marks", `concat([var.secret], ["b"])`, [{ $sensitive: "pw" }, "b"]],
    ["flatten moves a nested list's mark onto its elements", `flatten([sensitive(["a"]), ["b"]])`, [{ $sensitive: "a" }, "b"]],
    ["lookup of a sensitive value is sensitive", `lookup({a = var.secret}, "a")`, { $sensitive: "pw" }],
    ["join of a list holding a sensitive element is sensitive", `join(",", [var.secret, "x"])`, { $sensitive: "pw,x" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["length of a number", `length(5)`, /argument must be a string, a collection type, or a structural type/],
    ["merge of a list", `merge({}, ["a"])`, /arguments must be maps or objects, got "tuple"/],
    ["lookup of a missing key without default", `lookup({a = 1}, "b")`, /lookup failed to find key "b"/],
    ["element of an empty list", `element([], 0)`, /cannot use element function with an empty list/],
    ["element with a negative index", `element(["a"], -1)`, /negative index/],
    ["index of a missing value", `index(["a"], "z")`, /item not found/],
    ["range with step zero", `range(0, 5, 0)`, /step must not be zero/],
    ["range in the wrong direction", `range(5, 0, 1)`, /step must be negative when start is greater than limit/],
    ["zipmap with different lengths", `zipmap(["a"], [1, 2])`, /number of keys \(1\) does not match number of values \(2\)/],
    ["coalesce with nothing usable", `coalesce(null, "")`, /no non-null, non-empty-string arguments/],
    ["one of two elements", `one(["a", "b"])`, /either zero or one elements/],
    ["slice past the end", `slice(["a"], 0, 2)`, /end index must not be greater than the length of the list/],
    ["sum of an empty list", `sum([])`, /cannot sum an empty list/],
    ["sum of words", `sum(["a"])`, /list, set, or tuple of number values/],
    ["tolist of a string", `tolist("a")`, /Invalid value for "v" parameter in call to tolist\(\): cannot convert string to list/],
    ["tomap of mixed nested values", `tomap({a = "x", b = ["y"]})`, /all map elements must have the same type/],
    ["concat of a map", `concat({a = 1})`, /a list, set or tuple is required, got object/],
    ["chunklist with a negative size", `chunklist(["a"], -1)`, /the size argument must be positive/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
