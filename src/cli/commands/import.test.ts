import { describe, expect, it } from "vitest";
import { keyProblem } from "./import.js";

describe("keyProblem (does an import address's key fit the resource's repetition?)", () => {
  const expr = {} as never;
  it("count needs a number, for_each a string, neither none", () => {
    expect(keyProblem({ count: expr }, 0, "t.a")).toBeUndefined();
    expect(keyProblem({ count: expr }, undefined, "t.a")).toContain("t.a uses count");
    expect(keyProblem({ count: expr }, "k", "t.a")).toContain("t.a uses count");
    expect(keyProblem({ forEach: expr }, "k", "t.a")).toBeUndefined();
    expect(keyProblem({ forEach: expr }, 1, "t.a")).toContain('e.g. t.a["key"]');
    expect(keyProblem({}, undefined, "t.a")).toBeUndefined();
    expect(keyProblem({}, 0, "t.a")).toContain("uses neither count nor for_each");
  });
});
