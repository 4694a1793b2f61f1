import { describe, expect, it } from "vitest";
import {
  compareLooseVersions,
  coreConstraintsAllow,
  formatProviderConstraints,
  moduleVersionAcceptable,
  newestModuleVersion,
  parseCoreConstraints,
  parseLooseVersion,
  parseModuleConstraints,
  parseProviderConstraints,
  providerConstraintsAllow,
} from "./version-constraint.js";

function core(constraint: string, version: string): boolean | "invalid" {
  const cs = parseCoreConstraints(constraint);
  if (!cs) return "invalid";
  return coreConstraintsAllow(cs, parseLooseVersion(version)!);
}

describe("required_version constraints (go-version)", () => {
  // Each row was checked against Terraform 1.11.4 (`terraform validate`), see core-version.e2e.test.ts.
  it.each([
    ["< 1.0", "1.11.4", false],
    ["~> 1.11", "1.11.4", true],
    ["~> 1.10.0", "1.11.4", false],
    ["~> 1.11.0", "1.11.4", true],
    ["~> 1.12.0", "1.11.4", false],
    ["~>1", "1.11.4", true],
    ["~> 1", "2.0.0", true],
    ["1.11.4", "1.11.4", true],
    ["v1.11.4", "1.11.4", true],
    ["= 1.11", "1.11.4", false],
    ["=1.11.4.0", "1.11.4", true],
    ["!= 1.11.4", "1.11.4", false],
    [">1.11.3, <1.12", "1.11.4", true],
    [" >= 1.2 , < 2 ", "1.11.4", true],
    [">= 1.11.4+abc", "1.11.4", true],
    [">= 1.12", "1.11.4", false],
    ["<= 1.11.4", "1.11.4", true],
  ] as const)("%j against %s: %s", (c, v, want) => {
    expect(core(c, v)).toBe(want);
  });

  it.each(["", "1.x", ">=1.11.4,", ">= ", "=> 1.0", "1.0 || 2.0", "^1.0"])("%j is not a constraint", (c) => {
    expect(parseCoreConstraints(c)).toBeUndefined();
  });

  it("a prerelease version only meets a prerelease constraint of the same segments", () => {
    expect(core(">= 1.11.0-beta1", "1.11.0-rc1")).toBe(true);
    expect(core(">= 1.10.0-beta1", "1.11.0-rc1")).toBe(false);
    expect(core(">= 1.10.0", "1.11.0-rc1")).toBe(false);
    expect(core(">= 1.11.0-beta1", "1.11.4")).toBe(true);
    expect(core("~> 1.11.0-beta1", "1.11.4")).toBe(false);
  });

  it("orders versions as go-version does", () => {
    const cmp = (a: string, b: string) => compareLooseVersions(parseLooseVersion(a)!, parseLooseVersion(b)!);
    expect(cmp("1.11", "1.11.0")).toBe(0);
    expect(cmp("1.11.0.1", "1.11.0")).toBe(1);
    expect(cmp("1.0.0-alpha", "1.0.0")).toBe(-1);
    expect(cmp("1.0.0-alpha.2", "1.0.0-alpha.10")).toBe(-1);
    expect(cmp("1.0.0-alpha", "1.0.0-alpha.1")).toBe(-1);
    expect(cmp("1.0.0-1", "1.0.0-alpha")).toBe(-1);
    expect(cmp("1.0.0+a", "1.0.0+b")).toBe(0);
  });
});

describe("provider version constraints (Ruby style)", () => {
  const allow = (c: string, v: string) => {
    const p = parseProviderConstraints(c);
    if (!p.ok) throw new Error(p.detail);
    return providerConstraintsAllow(p.constraints, v);
  };
  // Rows checked against `terraform init` with a filesystem mirror holding backplan/zstack 0.1.0.
  it.each([
    ["~> 2.0", false, "~> 2.0"],
    ["0.1", true, "0.1.0"],
    ["= 0.1", true, "0.1.0"],
    ["~> 0", true, "~> 0.0"],
    ["~> 0.1", true, "~> 0.1"],
    ["~> 0.1.1", false, "~> 0.1.1"],
    ["> 0.1", false, "> 0.1.0"],
    ["0.1.0-beta", false, "0.1.0-beta"],
    [">= 0.1.0-beta", true, ">= 0.1.0-beta"],
    ["!= 0.1.0", false, "!= 0.1.0"],
    [">= 0.0.1, < 0.1.0", false, ">= 0.0.1, < 0.1.0"],
    ["1", false, "1.0.0"],
  ] as const)("%j against 0.1.0: %s, printed %j", (c, want, printed) => {
    expect(allow(c, "0.1.0")).toBe(want);
    const p = parseProviderConstraints(c);
    expect(p.ok && formatProviderConstraints(p.constraints)).toBe(printed);
  });

  it("~> with three segments fixes the minor, with fewer the major", () => {
    expect(allow("~> 1.2.3", "1.2.9")).toBe(true);
    expect(allow("~> 1.2.3", "1.3.0")).toBe(false);
    expect(allow("~> 1.2", "1.9.0")).toBe(true);
    expect(allow("~> 1.2", "2.0.0")).toBe(false);
  });

  it("selects a prerelease release only when an exact constraint names it", () => {
    expect(allow("1.0.0-beta", "1.0.0-beta")).toBe(true);
    expect(allow(">= 0.9", "1.0.0-beta")).toBe(false);
  });

  it("refuses what Terraform refuses, with its words", () => {
    expect(parseProviderConstraints("v0.1.0")).toEqual({ ok: false, detail: 'Incorrect version constraint syntax: a "v" prefix should not be used.' });
    expect(parseProviderConstraints("0.1.x")).toEqual({ ok: false, detail: "This string does not use correct version constraint syntax." });
    expect(parseProviderConstraints("1.0.0.0").ok).toBe(false);
  });
});

describe("module version constraints (go-version, pre-releases gated by go-versions, as Terraform's installer)", () => {
  const avail = ["0.9.0", "1.0.0", "1.2.0", "1.2.5", "1.3.0-beta1", "1.10.0", "2.0.0", "2.1.0-rc1"];
  const cases: [string, string | undefined][] = [
    ["1.2.0", "1.2.0"],
    ["= 1.2.5", "1.2.5"],
    [">= 1.0, < 2.0", "1.10.0"],
    ["~> 1.2", "1.10.0"],
    ["~> 1.2.0", "1.2.5"],
    // go-version pads "1" to 1.0.0 and fixes no segment: "~> 1" is ">= 1.0.0" (Terraform 1.11 accepts
    // required_version = "~> 0" for the same reason), so the installer picks 2.0.0.
    ["~> 1", "2.0.0"],
    ["!= 2.0.0", "1.10.0"],
    ["> 2.0.0", undefined],
    ["< 1", "0.9.0"],
    ["1.3.0-beta1", "1.3.0-beta1"],
    ["~> 2.1.0-rc1", undefined],
    [">= 2.1.0-rc1", undefined],
    ["v1.0.0", "1.0.0"],
  ];
  for (const [constraint, want] of cases) {
    it(`${constraint} picks ${want ?? "nothing"}`, () => expect(newestModuleVersion(avail, constraint)).toBe(want));
  }
  it("no constraint: newest release, never a pre-release", () => expect(newestModuleVersion(avail, undefined)).toBe("2.0.0"));
  it("returns the version as the registry listed it", () => expect(newestModuleVersion(["v1.0.0", "0.9"], ">= 0.9")).toBe("v1.0.0"));
  it("rejects malformed constraints with a sentence", () => {
    const c = parseModuleConstraints(">= one");
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error).toMatch(/not a valid version constraint/);
  });
  it("an installed version is checked by go-version alone (a recorded pre-release stays acceptable)", () => {
    expect(moduleVersionAcceptable("~> 1.2", "1.9.0")).toBe(true);
    expect(moduleVersionAcceptable("~> 1.2", "2.0.0")).toBe(false);
    expect(moduleVersionAcceptable(undefined, "3.0.0-rc1")).toBe(true);
    expect(moduleVersionAcceptable(">= 1.0.0-rc1", "1.0.0-rc2")).toBe(true);
  });
});
