import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";

const fixedClock = functionContext({
  now: () => new Date("2026-11-25T16:30:00.123Z"),
  randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
});

function value(src: string, scope: Scope = { functions: fixedClock }): Shown {
  const r = evalHcl(src, scope);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("numeric functions", () => {
  it.each<[string, string, Shown]>([
    ["abs", `abs(-3.5)`, 3.5],
    ["ceil", `ceil(1.2)`, 2],
    ["floor", `floor(-1.2)`, -2],
    ["max", `max(3, 7, 1)`, 7],
    ["min", `min(3, 7, 1)`, 1],
    ["pow", `pow(2, 10)`, 1024],
    ["signum", `[signum(-4), signum(0), signum(9)]`, [-1, 0, 1]],
    ["parseint in base 16", `parseint("ff", 16)`, 255],
    ["parseint of a negative binary number", `parseint("-101", 2)`, -5],
    ["log", `log(8, 2)`, 3],
    ["numbers convert from numeric strings", `max("3", 2)`, 3],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it.each<[string, string, RegExp]>([
    ["max of nothing", `max()`, /must pass at least one number/],
    ["parseint with a digit outside the base", `parseint("12", 2)`, /cannot parse "12" as a base 2 integer/],
    ["parseint with a bad base", `parseint("1", 1)`, /base must be a whole number between 2 and 62/],
    ["abs of a word", `abs("x")`, /Invalid value for "num" parameter in call to abs\(\): a number is required/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
