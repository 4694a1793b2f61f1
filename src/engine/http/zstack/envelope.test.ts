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
    ["params", { params: { name: "a" }, systemTags: ["x"], userTags: [] }, "params", "params"],
    ["the action key", { updateThing: { name: "a" } }, "updateThing", "updateThing"],
  ])("accepts parameters wrapped in %s with tags beside them", (_n, body, key, want) => {
    const env = unwrap(body, key);
    expect(env.key).toBe(want);
    expect(parseParams(env, schema)).toEqual({ name: "a" });
  });

  it("honours tags inside the wrapper, as the Java SDK sends them, and drops requestIp", () => {
    const env = unwrap({ updateThing: { name: "a", systemTags: ["s1"], userTags: ["u1"], requestIp: "10.0.0.1" }, systemTags: ["s0"] }, "updateThing");
    expect(env.systemTags).toEqual(["s0", "s1"]);
    expect(env.userTags).toEqual(["u1"]);
    expect(parseParams(env, schema)).toEqual({ name: "a" });
  });

  it("ignores fields the API does not know, at any depth, as ZStack's Gson mapping does", () => {
    const nested = z.strictObject({ name: z.string(), inner: z.strictObject({ n: z.number() }).optional() });
    expect(parseParams(unwrap({ params: { name: "a", colour: "red", inner: { n: 1, extra: true } } }), nested)).toEqual({ name: "a", inner: { n: 1 } });
  });

  it.each([
    ["an unknown top-level key", () => unwrap({ params: {}, nope: 1 }), "nope: unknown field"],
    ["params given to a PUT action", () => unwrap({ params: { name: "a" } }, "act"), "go in 'act', not 'params'"],
    ["an action key given to a POST API", () => unwrap({ createThing: { name: "a" } }), "go in 'params', not 'createThing'"],
    ["a non-object wrapper", () => unwrap({ params: "x" }), "params: must be a JSON object"],
    ["bad tags", () => unwrap({ params: {}, userTags: "x" }), "userTags: must be a list of strings"],
    ["bad tags inside the wrapper", () => unwrap({ params: { systemTags: [1] } }), "params.systemTags: must be a list of strings"],
    ["a missing field, named from the wrapper", () => parseParams(unwrap({}), schema), "params.name: required field is missing"],
    ["a wrong type beside an unknown field", () => parseParams(unwrap({ act: { name: "a", n: "1", x: 1 } }, "act"), schema), "act.n:"],
  ])("reports %s naming the field", (_n, fn, text) => {
    expect(message(fn)).toContain(text);
  });
});
