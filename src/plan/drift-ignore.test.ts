import { describe, expect, it } from "vitest";
import { candidatesOfAttribute, candidatesOfInstance, candidatesOfUnmanaged, formatPath, ignoringRule, parseIgnoreFile } from "./drift-ignore.js";

const rules = (text: string) => {
  const r = parseIgnoreFile(text, ".backplanignore");
  expect(r.errors).toEqual([]);
  return r.rules;
};

describe("parseIgnoreFile", () => {
  it("skips comments and blank lines and records where each rule came from", () => {
    const r = rules("# noise\n\n  zstack_cdp_task.*.used_capacity  \n!zstack_cdp_task.db.used_capacity\n");
    expect(r.map((x) => [x.pattern, x.negate, x.origin])).toEqual([
      ["zstack_cdp_task.*.used_capacity", false, ".backplanignore:3"],
      ["zstack_cdp_task.db.used_capacity", true, ".backplanignore:4"],
    ]);
  });

  it("names file and line of bad patterns and keeps the good ones", () => {
    const r = parseIgnoreFile("ok_type\n!\nzstack_cdp_task.web name\na[0\n.leading\n", "infra/.backplanignore");
    expect(r.rules.map((x) => x.pattern)).toEqual(["ok_type"]);
    expect(r.errors).toEqual([
      { file: "infra/.backplanignore", line: 2, message: 'invalid pattern "!": nothing after "!"' },
      { file: "infra/.backplanignore", line: 3, message: 'invalid pattern "zstack_cdp_task.web name": patterns cannot contain spaces (a trailing comment needs its own line)' },
      { file: "infra/.backplanignore", line: 4, message: 'invalid pattern "a[0": "[" without "]"' },
      { file: "infra/.backplanignore", line: 5, message: 'invalid pattern ".leading": a pattern cannot start or end with "."' },
    ]);
  });
});

describe("ignoringRule", () => {
  it("matches a type, an address, or an attribute path below an address; * spans dots and brackets", () => {
    const r = rules("zstack_vm_backup\nzstack_cdp_task.*.used_capacity\n*.last_latency\nmodule.*.csbs_backup_policy.daily\n");
    expect(ignoringRule(r, candidatesOfInstance("zstack_vm_backup", "zstack_vm_backup.app"))?.origin).toBe(".backplanignore:1");
    expect(ignoringRule(r, candidatesOfAttribute("zstack_cdp_task", "zstack_cdp_task.web", ["used_capacity"]))?.origin).toBe(".backplanignore:2");
    expect(ignoringRule(r, candidatesOfAttribute("zstack_cdp_task", 'module.a.zstack_cdp_task.web["x"]', ["last_latency"]))?.origin).toBe(".backplanignore:3");
    expect(ignoringRule(r, candidatesOfInstance("csbs_backup_policy", 'module.site["eu"].csbs_backup_policy.daily'))?.origin).toBe(".backplanignore:4");
    expect(ignoringRule(r, candidatesOfAttribute("zstack_cdp_task", "zstack_cdp_task.web", ["max_latency"]))).toBeUndefined();
    expect(ignoringRule(r, candidatesOfInstance("zstack_cdp_task", "zstack_cdp_task.web"))).toBeUndefined();
  });

  it("covers everything below a named path", () => {
    const r = rules("zstack_vm_backup.app.backups\n");
    expect(ignoringRule(r, candidatesOfAttribute("zstack_vm_backup", "zstack_vm_backup.app", ["backups", 1, "size"]))).toBeDefined();
    expect(ignoringRule(r, candidatesOfAttribute("zstack_vm_backup", "zstack_vm_backup.app", ["total_size"]))).toBeUndefined();
  });

  it("lets the last matching rule decide, so ! re-includes", () => {
    const r = rules("zstack_cdp_task.*\n!zstack_cdp_task.*.max_latency\n");
    expect(ignoringRule(r, candidatesOfAttribute("zstack_cdp_task", "zstack_cdp_task.web", ["name"]))).toBeDefined();
    expect(ignoringRule(r, candidatesOfAttribute("zstack_cdp_task", "zstack_cdp_task.web", ["max_latency"]))).toBeUndefined();
    expect(ignoringRule(r, candidatesOfInstance("zstack_cdp_task", "zstack_cdp_task.web"))).toBeDefined();
  });

  it("matches unmanaged objects by type, type.id and type.name", () => {
    const r = rules("zstack_cdp_task.rogue\ncsbs_backup_policy_checkpoint.*\n");
    expect(ignoringRule(r, candidatesOfUnmanaged("zstack_cdp_task", "5f3e", "rogue"))).toBeDefined();
    expect(ignoringRule(r, candidatesOfUnmanaged("zstack_cdp_task", "5f3e", "other"))).toBeUndefined();
    expect(ignoringRule(r, candidatesOfUnmanaged("csbs_backup_policy_checkpoint", "c1", null))).toBeDefined();
  });

  it("treats regular-expression characters literally", () => {
    const r = rules('x.y["a+b"]\n');
    expect(ignoringRule(r, ['x.y["a+b"]'])).toBeDefined();
    expect(ignoringRule(r, ['x.y["aab"]'])).toBeUndefined();
  });
});

describe("formatPath", () => {
  it("writes identifiers with dots, indexes and other keys in brackets", () => {
    expect(formatPath(["backups", 0, "size"])).toBe("backups[0].size");
    expect(formatPath(["triggers", "week of year"])).toBe('triggers["week of year"]');
  });
});
