import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parse } from "./validate.js";

const schema = z.strictObject({ policy: z.strictObject({ name: z.string(), ops: z.array(z.strictObject({ enabled: z.boolean() })) }) });

describe("parse", () => {
  it.each([
    [{}, "policy", /policy: required field is missing/],
    [{ policy: { name: "n", ops: [{ enabled: "yes" }] } }, "policy.ops[0].enabled", /policy\.ops\[0\]\.enabled: .*boolean/],
    [{ policy: { name: "n", ops: [], colour: 1 } }, "policy.colour", /policy\.colour: unknown field/],
    [{ policy: { name: null, ops: [] } }, "policy.name", /policy\.name: .*string/],
  ])("names the field of %j", (value, field, message) => {
    expect(() => parse(schema, value)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }) as Error);
  });
});
