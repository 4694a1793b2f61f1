import { describe, expect, it } from "vitest";
import { parseResourceInstance, parseTarget } from "./parse.js";
import { formatResourceInstance, formatTarget } from "./resource.js";

describe("parseTarget / formatTarget round trip", () => {
  const good: [string, string][] = [
    ["zstack_cdp_task.web", "resource"],
    ["data.zstack_vm.db", "resource"],
    ["aws_x.y[0]", "instance"],
    ['aws_x.y["k"]', "instance"],
    ['module.a.csbs_backup_policy_checkpoint.x["k"]', "instance"],
    ['module.a[0].module.b["x"].t.n', "resource"],
    ["module.net", "module"],
    ['module.net["a b"]', "module"],
    ['x.y["quote \\" inside"]', "instance"],
  ];
  for (const [text, kind] of good) {
    it(`${text} is a ${kind} address and formats back identically`, () => {
      const r = parseTarget(text);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.kind).toBe(kind);
      expect(formatTarget(r.value)).toBe(text);
    });
  }

  it("splits modules, mode, type, name and key", () => {
    const r = parseResourceInstance('module.a.data.zstack_vm.db["k"]');
    expect(r).toEqual({ ok: true, value: { module: [{ name: "a" }], resource: { mode: "data", type: "zstack_vm", name: "db" }, key: "k" } });
    expect(formatResourceInstance(r.ok ? r.value : (undefined as never))).toBe('module.a.data.zstack_vm.db["k"]');
  });
});

describe("bad addresses say where and what was expected", () => {
  const bad: [string, number, RegExp][] = [
    ["", 1, /empty/],
    ["zstack_cdp_task", 16, /resource name after "zstack_cdp_task\."/],
    ["x.y[", 5, /instance key/],
    ["x.y[0", 6, /"\]"/],
    ['x.y["k]', 5, /closing quote/],
    ["x.y[0].z", 8, /Unexpected text after the instance key/],
    ["x.y.z", 5, /ends with its name or an instance key/],
    ["x.y[0][1]", 7, /Unexpected text after the instance key/],
    ["module.", 8, /name after "\."/],
    ["data.x", 7, /resource name/],
    ["x..y", 3, /Expected a name at column 3/],
    ["x.y z", 4, /Expected "\." or "\["/],
    [" x.y", 1, /spaces/],
    ["1x.y", 1, /Expected a name/],
  ];
  for (const [text, column, msg] of bad) {
    it(JSON.stringify(text), () => {
      const r = parseTarget(text);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatch(msg);
      expect(r.column).toBe(column);
    });
  }

  it("a module address is not a resource instance", () => {
    expect(parseResourceInstance("module.a")).toMatchObject({ ok: false, error: /names a module/ });
  });
});
