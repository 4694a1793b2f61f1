import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";
import { markSensitive } from "../value.js";

const fixedClock = functionContext({
  now: () => new Date("2026-11-25T16:30:00.123Z"),
  randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
});

function value(src: string, scope: Scope = { functions: fixedClock }): Shown {
  const r = evalHcl(src, { variables: { var: { secret: markSensitive("pw") } }, ...scope });
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}


describe("sensitivity functions", () => {
  it.each<[string, string, Shown]>([
    ["sensitive marks a value", `sensitive("x")`, { $sensitive: "x" }],
    ["nonsensitive removes the mark", `nonsensitive(var.secret)`, "pw"],
    ["issensitive tells whether a value is marked", `[issensitive(var.secret), issensitive("x")]`, [true, false]],
    ["hashing a sensitive value gives a sensitive hash", `sha256(var.secret)`, { $sensitive: "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4" }],
    ["jsonencode of an object holding a sensitive attribute is sensitive", `jsonencode({ password = var.secret })`, { $sensitive: '{"password":"pw"}' }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
});
