import { describe, expect, it } from "vitest";
import { AddressError, formatInstanceAddress, parseInstanceAddress, parseResourceAddress } from "./address.js";
import { formatProviderConfig, parseProviderConfig } from "./provider-config.js";

describe("instance addresses", () => {
  it.each([
    ["zstack_cdp_task.web", { module: [], mode: "managed", type: "zstack_cdp_task", name: "web" }],
    ["x.y[0]", { module: [], mode: "managed", type: "x", name: "y", key: 0 }],
    ['x.y["k"]', { module: [], mode: "managed", type: "x", name: "y", key: "k" }],
    ["data.zstack_vm.v", { module: [], mode: "data", type: "zstack_vm", name: "v" }],
    ['module.a.x.y["k"]', { module: [{ name: "a" }], mode: "managed", type: "x", name: "y", key: "k" }],
    ['module.a[1].module.b["z"].data.t.n[3]', { module: [{ name: "a", key: 1 }, { name: "b", key: "z" }], mode: "data", type: "t", name: "n", key: 3 }],
  ])("parses %s", (text, addr) => {
    expect(parseInstanceAddress(text)).toEqual(addr);
    expect(formatInstanceAddress(parseInstanceAddress(text))).toBe(text);
  });

  it("round-trips string keys that need escapes", () => {
    const key = 'a "quoted" \\ ${x} key';
    const text = formatInstanceAddress({ module: [], mode: "managed", type: "x", name: "y", key });
    expect(text).toBe('x.y["a \\"quoted\\" \\\\ $${x} key"]');
    expect(parseInstanceAddress(text).key).toBe(key);
  });

  it.each([
    ["x", 'expected "."'],
    ["x.y[", "expected a number or a quoted string"],
    ['x.y["k]', "unterminated string key"],
    ["x.y[01]", 'expected "]"'],
    ["x.y z", "unexpected"],
    ["module.a", 'expected "."'],
    ["1x.y", "expected a resource type"],
  ])("rejects %s saying %s", (text, why) => {
    expect(() => parseInstanceAddress(text)).toThrow(AddressError);
    expect(() => parseInstanceAddress(text)).toThrow(why);
  });

  it("a resource address may not carry an instance key", () => {
    expect(() => parseResourceAddress("x.y[0]")).toThrow("without an instance key");
    expect(parseResourceAddress("module.m[0].x.y")).toEqual({ module: [{ name: "m", key: 0 }], mode: "managed", type: "x", name: "y" });
  });
});

describe("provider configuration strings", () => {
  it("formats with the default registry, an alias and a module", () => {
    expect(formatProviderConfig({ source: "backplan/zstack" })).toBe('provider["registry.terraform.io/backplan/zstack"]');
    expect(formatProviderConfig({ source: "backplan/zstack", alias: "west", module: "module.a" })).toBe(
      'module.a.provider["registry.terraform.io/backplan/zstack"].west',
    );
  });

  it("parses what it formats and rejects other text", () => {
    expect(parseProviderConfig('module.a.provider["registry.terraform.io/backplan/zstack"].west')).toEqual({
      source: "registry.terraform.io/backplan/zstack",
      alias: "west",
      module: "module.a",
    });
    expect(parseProviderConfig("zstack")).toBeUndefined();
  });
});
