import { describe, expect, it } from "vitest";
import { z, ZodError } from "zod";
import { parseParams, unwrap } from "./envelope.js";
import { describeZodError, RequestError } from "./errors.js";

const schema = z.strictObject({ name: z.string(), n: z.number().int().optional() });

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZodError) return describeZodError(e);
    if (e instanceof RequestError) return e.message;
    throw e;
  }
  throw new Error("did not throw");
}

describe("unwrap and parseParams", () => {
  it.each([
    ["params", { params: { name: "a" }, systemTags: ["x"], userTags: [] }, "params"],
    ["the action key", { updateThing: { name: "a" } }, "updateThing"],
  ])("accepts parameters wrapped in %s with tags beside them", (_n, body, key) => {
    const env = unwrap(body, "updateThing");
    expect(env.key).toBe(key);
    expect(parseParams(env, schema)).toEqual({ name: "a" });
  });

  it.each([
    ["an unknown top-level key", () => unwrap({ params: {}, nope: 1 }), "nope: unknown field"],
    ["both wrappers", () => unwrap({ params: {}, act: {} }, "act"), "not both"],
    ["a non-object wrapper", () => unwrap({ params: "x" }), "params: must be a JSON object"],
    ["bad tags", () => unwrap({ params: {}, userTags: "x" }), "userTags: must be a list of strings"],
    ["a missing field, named from the wrapper", () => parseParams(unwrap({}), schema), "params.name: required field is missing"],
    ["an unknown field", () => parseParams(unwrap({ params: { name: "a", x: 1 } }), schema), "params.x: unknown field"],
    ["a wrong type", () => parseParams(unwrap({ act: { name: "a", n: "1" } }, "act"), schema), "act.n:"],
  ])("reports %s naming the field", (_n, fn, text) => {
    expect(message(fn)).toContain(text);
  });
});
