import { describe, expect, it } from "vitest";
import { formatAttributePath, formatIndexKey, moduleAncestry } from "./paths.js";

describe("formatAttributePath", () => {
  it.each([
    [["policy_uuid"], "policy_uuid"],
    [["disks", 0, "size"], "disks[0].size"],
    [["tags", "cost center"], 'tags["cost center"]'],
    [[0], "[0]"],
  ] as const)("%j → %s", (path, text) => expect(formatAttributePath(path)).toBe(text));
});

describe("formatIndexKey", () => {
  it("quotes string keys and leaves numbers bare", () => {
    expect([formatIndexKey(3), formatIndexKey("eu"), formatIndexKey(undefined)]).toEqual(["[3]", '["eu"]', ""]);
  });
});

describe("moduleAncestry", () => {
  it.each([
    [undefined, []],
    ["", []],
    ["module.a", ["module.a"]],
    ['module.a["x.module.y"].module.b[0]', ['module.a["x.module.y"]', 'module.a["x.module.y"].module.b[0]']],
    ['module.a["q\\"].module."]', ['module.a["q\\"].module."]']],
  ] as const)("%j", (addr, chain) => expect(moduleAncestry(addr)).toEqual(chain));
});
