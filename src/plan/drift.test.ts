import { describe, expect, it } from "vitest";
import type { ListedObject } from "../sdk/define.js";
import { attributeChanges, buildDriftReport, type DriftInput, type DriftSourceInput } from "./drift.js";
import { parseIgnoreFile } from "./drift-ignore.js";
import type { Json, PlanValue, ResourceChange } from "./plan.js";

const pv = (value: Json, sensitive: Json = false, unknown: Json = false): PlanValue => ({ value, sensitive, unknown });

function change(address: string, action: ResourceChange["action"], before: PlanValue | null, after: PlanValue | null): ResourceChange {
  const [type, name] = address.split(".") as [string, string];
  return { address, mode: "managed", type, name, providerName: "registry.terraform.io/backplan/zstack", action, before, after, replacePaths: [] };
}

function source(over: Partial<DriftSourceInput> = {}): DriftSourceInput {
  return { name: "infra", kind: "config", statePath: "infra/terraform.tfstate", stamp: { lineage: "l", serial: 3 }, mode: "normal", drift: [], changes: [], managed: [], rules: [], errors: [], ...over };
}

function input(over: Partial<DriftInput> = {}): DriftInput {
  return { sources: [source()], inventory: new Map(), inventoryRules: [], runtimeAttributes: new Map(), errors: [], version: "0.1.0", checkedAt: "2026-11-25T18:00:00Z", ...over };
}

describe("attributeChanges", () => {
  it("descends into objects and same-length lists, masks sensitive values and marks unknown ones", () => {
    const before = pv({ name: "a", backups: [{ size: 1 }, { size: 2 }], password: "old", tags: ["x"], gone: 1 }, { password: true });
    const after = pv({ name: "a", backups: [{ size: 1 }, { size: 3 }], password: "new", tags: ["x", "y"], status: null }, { password: true }, { status: true });
    expect(attributeChanges(before, after).map(({ steps: _s, ...c }) => c)).toEqual([
      { path: "backups[1].size", before: 2, after: 3 },
      { path: "gone", before: 1, after: null },
      { path: "password", before: "(sensitive value)", after: "(sensitive value)", sensitive: true },
      { path: "status", before: null, after: null, unknown: true },
      { path: "tags", before: ["x"], after: ["x", "y"] },
    ]);
  });

  it("reports nothing for equal values, and never a sensitive value in clear", () => {
    expect(attributeChanges(pv({ a: 1, s: "x" }, { s: true }), pv({ a: 1, s: "x" }, { s: true }))).toEqual([]);
    const c = attributeChanges(pv({ s: "secret-1" }, { s: true }), pv({ s: "secret-2" }, { s: true }));
    expect(JSON.stringify(c)).not.toContain("secret");
  });
});

describe("buildDriftReport", () => {
  const updated = change("zstack_cdp_task.web", "update", pv({ max_latency: 600000, used_capacity: 1 }), pv({ max_latency: 300000, used_capacity: 9 }));
  const deleted = change("zstack_vm_backup.app", "delete", pv({ name: "app" }), null);

  it("lists drift per source, with runtime attributes counted but left out", () => {
    const r = buildDriftReport(input({ sources: [source({ drift: [updated, deleted] })], runtimeAttributes: new Map([["zstack_cdp_task", new Set(["used_capacity"])]]) }));
    expect(r.drift).toEqual([
      { source: "infra", address: "zstack_cdp_task.web", type: "zstack_cdp_task", action: "update", changes: [{ path: "max_latency", before: 600000, after: 300000 }] },
      { source: "infra", address: "zstack_vm_backup.app", type: "zstack_vm_backup", action: "delete", changes: [] },
    ]);
    expect(r.counts).toEqual({ changed: 1, deleted: 1, pending: 0, unmanaged: 0, ignored: 0, runtime: 1 });
    expect(r.drifted).toBe(true);
    expect(r.sources[0]).toMatchObject({ changed: 1, deleted: 1, serial: 3 });
  });

  it("drops an entry whose only changes are runtime attributes", () => {
    const noisy = change("zstack_cdp_task.web", "update", pv({ used_capacity: 1 }), pv({ used_capacity: 2 }));
    const r = buildDriftReport(input({ sources: [source({ drift: [noisy] })], runtimeAttributes: new Map([["zstack_cdp_task", new Set(["used_capacity"])]]) }));
    expect(r.drift).toEqual([]);
    expect(r.drifted).toBe(false);
  });

  it("reports pending configuration changes in normal mode only, without data reads or no-ops, and without unknown-only noise", () => {
    const changes = [
      change("zstack_cdp_task.web", "update", pv({ max_latency: 300000, status: "Running" }), pv({ max_latency: 600000, status: null }, false, { status: true })),
      change("zstack_vm_backup.app", "create", null, pv({ name: "app" })),
      change("zstack_cdp_policy.gold", "no-op", pv({}), pv({})),
      { ...change("data.zstack_vms.all", "read", null, pv({})), mode: "data" as const },
    ];
    const normal = buildDriftReport(input({ sources: [source({ changes })] }));
    expect(normal.pending).toEqual([
      { source: "infra", address: "zstack_cdp_task.web", type: "zstack_cdp_task", action: "update", changes: [{ path: "max_latency", before: 300000, after: 600000 }] },
      { source: "infra", address: "zstack_vm_backup.app", type: "zstack_vm_backup", action: "create", changes: [] },
    ]);
    expect(buildDriftReport(input({ sources: [source({ changes, mode: "refresh-only" })] })).pending).toEqual([]);
  });

  it("applies ignore rules and says which rule left what out", () => {
    const rules = parseIgnoreFile("zstack_cdp_task.*.max_latency\nzstack_vm_backup.app\n", "infra/.backplanignore").rules;
    const r = buildDriftReport(input({ sources: [source({ drift: [updated, deleted], rules })] }));
    expect(r.drift.map((d) => [d.address, d.changes.map((c) => c.path)])).toEqual([["zstack_cdp_task.web", ["used_capacity"]]]);
    expect(r.ignored).toEqual([
      { kind: "attribute", what: "zstack_cdp_task.web.max_latency", source: "infra", rule: "infra/.backplanignore:1" },
      { kind: "drift", what: "zstack_vm_backup.app", source: "infra", rule: "infra/.backplanignore:2" },
    ]);
    expect(r.counts.ignored).toBe(2);
  });

  it("computes coverage from listings: managed by id, covered through a managed maker, unmanaged, ignored; each object once", () => {
    const inventory = new Map<string, ListedObject[]>([
      ["zstack_cdp_task", [{ id: "t1", name: "web" }, { id: "t2", name: "rogue" }, { id: "t1", name: "web" }]],
      ["csbs_backup_policy", [{ id: "p1", name: "daily" }]],
      [
        "csbs_backup_policy_checkpoint",
        [
          { id: "c1", name: "daily", createdBy: { type: "csbs_backup_policy", id: "p1" } },
          { id: "c2", name: "other", createdBy: { type: "csbs_backup_policy", id: "p9" } },
          { id: "c3", name: null },
        ],
      ],
    ]);
    const managed = [
      { address: "zstack_cdp_task.web", type: "zstack_cdp_task", id: "t1" },
      { address: "csbs_backup_policy.daily", type: "csbs_backup_policy", id: "p1" },
      { address: "zstack_vm_from_cdp_backup.r", type: "zstack_vm_from_cdp_backup", id: null },
    ];
    const r = buildDriftReport(input({ sources: [source({ managed })], inventory, inventoryRules: parseIgnoreFile("csbs_backup_policy_checkpoint.c3\n", ".backplanignore").rules }));
    expect(r.coverage).toEqual({
      percent: 60,
      managed: 3,
      unmanaged: 2,
      managed_by_owner: 1,
      ignored: 1,
      types: {
        csbs_backup_policy: { managed: 1, unmanaged: 0 },
        csbs_backup_policy_checkpoint: { managed: 1, unmanaged: 1 },
        zstack_cdp_task: { managed: 1, unmanaged: 1 },
      },
    });
    expect(r.unmanaged).toEqual([
      { type: "csbs_backup_policy_checkpoint", id: "c2", name: "other", import_command: "backplan import csbs_backup_policy_checkpoint.other c2" },
      { type: "zstack_cdp_task", id: "t2", name: "rogue", import_command: "backplan import zstack_cdp_task.rogue t2" },
    ]);
  });

  it("never rounds a coverage with unmanaged objects up to 100%, and is 100% when nothing was listed", () => {
    const objects: ListedObject[] = Array.from({ length: 2000 }, (_, i) => ({ id: `t${i}`, name: null }));
    const managed = objects.slice(1).map((o) => ({ address: `zstack_cdp_task.x${o.id}`, type: "zstack_cdp_task", id: o.id }));
    expect(buildDriftReport(input({ sources: [source({ managed })], inventory: new Map([["zstack_cdp_task", objects]]) })).coverage.percent).toBe(99.9);
    expect(buildDriftReport(input()).coverage.percent).toBe(100);
  });

  it("derives import names from object names, or from the id when the name is unusable", () => {
    const r = buildDriftReport(input({ inventory: new Map([["zstack_cdp_task", [{ id: "ab-cd-ef-0123456789", name: "9 Web Tier!" }, { id: "ff00ff00ff00", name: null }]]]) }));
    expect(r.unmanaged.map((u) => u.import_command)).toEqual(["backplan import zstack_cdp_task.web_tier ab-cd-ef-0123456789", "backplan import zstack_cdp_task.unmanaged_ff00ff00 ff00ff00ff00"]);
  });

  it("marks the report errored when a source or a listing failed", () => {
    const r = buildDriftReport(input({ sources: [source({ errors: ["the configuration could not be loaded"] })], errors: ["listing zstack_cdp_task: boom"] }));
    expect(r.errored).toBe(true);
    expect(r.errors).toEqual([{ source: "infra", message: "the configuration could not be loaded" }, { message: "listing zstack_cdp_task: boom" }]);
  });
});
