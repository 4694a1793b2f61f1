import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "./args.js";

const specs = {
  var: { type: "string", multiple: true },
  out: { type: "string" },
  "auto-approve": { type: "boolean" },
} as const;

describe("parseArgs", () => {
  it("accepts one or two dashes, inline and separate values, and repeated flags", () => {
    const a = parseArgs(["-var", "a=1", "--var=b=2", "-out=plan.bin", "-auto-approve", "dir"], specs);
    expect(a.flags).toEqual({ var: ["a=1", "b=2"], out: "plan.bin", "auto-approve": true });
    expect(a.positionals).toEqual(["dir"]);
  });

  it("names the unknown or incomplete flag", () => {
    expect(() => parseArgs(["-nope"], specs)).toThrow(new UsageError("unknown flag: -nope"));
    expect(() => parseArgs(["-out"], specs)).toThrow(/-out needs a value/);
    expect(() => parseArgs(["-auto-approve=maybe"], specs)).toThrow(/true or false/);
  });
});
