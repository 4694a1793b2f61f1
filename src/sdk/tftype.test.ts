import { z } from "zod";
import { describe, expect, it } from "vitest";
import { tfTypeOf } from "./tftype.js";

describe("tfTypeOf", () => {
  it("maps zod shapes to Terraform types, an unordered top-level array to a set", () => {
    const uuids = z.array(z.string()).min(1);
    expect(tfTypeOf(uuids)).toEqual(["list", "string"]);
    expect(tfTypeOf(uuids, true)).toEqual(["set", "string"]);
    expect(tfTypeOf(z.number().int().nullable())).toBe("number");
    expect(tfTypeOf(z.object({ a: z.boolean(), b: z.record(z.string(), z.number()) }))).toEqual(["object", { a: "bool", b: ["map", "number"] }]);
    expect(tfTypeOf(z.union([z.string(), z.number()]))).toBe("dynamic");
  });

  it("derives each schema's type once and hands out the same frozen value", () => {
    const s = z.object({ xs: z.array(z.string()) });
    const t = tfTypeOf(s);
    expect(tfTypeOf(s)).toBe(t);
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen((t as readonly [string, Record<string, unknown>])[1]["xs"])).toBe(true);
    // The list flag is part of the key: the set form is a different value.
    const list = z.array(z.string());
    expect(tfTypeOf(list, true)).not.toBe(tfTypeOf(list));
  });
});
