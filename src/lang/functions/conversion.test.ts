import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";
import { markSensitive, UNKNOWN } from "../value.js";

const fixedClock = functionContext({
  now: () => new Date("2026-11-25T16:30:00.123Z"),
  randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
});

function value(src: string, scope: Scope = { functions: fixedClock }): Shown {
  const r = evalHcl(src, { variables: { var: { secret: markSensitive("pw"), pending: UNKNOWN } }, ...scope });
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("type conversion functions", () => {
  it.each<[string, string, Shown]>([
    ["tostring of a number", `tostring(12)`, "12"],
    ["tostring of a large integer has no exponent", `tostring(100000000000000000000000)`, "100000000000000000000000"],
    ["tostring of null is null", `tostring(null)`, null],
    ["tonumber of numeric text", `tonumber("3.25")`, 3.25],
    ["tobool of text", `tobool("true")`, true],
    ["tostring of an unknown is an unknown string", `tostring(var.pending)`, { $unknown: "string" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it.each<[string, string, RegExp]>([
    ["tostring of a list", `tostring(["a"])`, /cannot convert tuple to string/],
    ["tonumber of a word", `tonumber("ten")`, /a number is required/],
    ["tobool of a number", `tobool(1)`, /cannot convert number to bool/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
