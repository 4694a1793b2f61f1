import { describe, expect, it } from "vitest";
import { newestMatching, parseConstraints } from "./versions.js";

const pick = (avail: string[], constraint: string) => {
  const c = parseConstraints(constraint);
  if (!c.ok) throw new Error(c.error);
  return newestMatching(avail, c.conditions);
};

describe("module version constraints (go-version rules, as Terraform's module installer applies them)", () => {
  const avail = ["0.9.0", "1.0.0", "1.2.0", "1.2.5", "1.3.0-beta1", "1.10.0", "2.0.0", "2.1.0-rc1"];
  const cases: [string, string | undefined][] = [
    ["1.2.0", "1.2.0"],
    ["= 1.2.5", "1.2.5"],
    [">= 1.0, < 2.0", "1.10.0"],
    ["~> 1.2", "1.10.0"],
    ["~> 1.2.0", "1.2.5"],
    ["~> 1", "1.10.0"],
    ["!= 2.0.0", "1.10.0"],
    ["> 2.0.0", undefined],
    ["< 1", "0.9.0"],
    ["1.3.0-beta1", "1.3.0-beta1"],
    ["~> 2.1.0-rc1", undefined],
    ["v1.0.0", "1.0.0"],
  ];
  for (const [constraint, want] of cases) {
    it(`${constraint} picks ${want ?? "nothing"}`, () => expect(pick(avail, constraint)).toBe(want));
  }
  it("no constraint: newest release, never a pre-release", () => expect(newestMatching(avail, [])).toBe("2.0.0"));
  it("rejects malformed constraints with a sentence", () => {
    const c = parseConstraints(">= one");
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error).toMatch(/not a valid version constraint/);
  });
});
