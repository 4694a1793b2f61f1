import { describe, expect, it } from "vitest";
import { backupData, backupFacts, backupPolicyFacts, checkpointData, checkpointFacts, rruleGapSeconds } from "./protection.js";

const cal = (rule: string) => `BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:${rule}\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n`;

describe("rruleGapSeconds", () => {
  it.each([
    ["FREQ=DAILY;BYHOUR=2;BYMINUTE=0", 86_400],
    ["FREQ=HOURLY;INTERVAL=6", 21_600],
    ["FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27", 604_800],
    ["FREQ=WEEKLY;BYDAY=MO,TH", 4 * 86_400],
    ["FREQ=DAILY;BYHOUR=0,6,12", 12 * 3600],
  ])("%s → %d s", (rule, want) => expect(rruleGapSeconds(cal(rule))).toBe(want));
  it("is null without a rule it understands", () => {
    expect(rruleGapSeconds("0 2 * * *")).toBeNull();
    expect(rruleGapSeconds(cal("FREQ=FORTNIGHTLY"))).toBeNull();
  });
});

describe("backupPolicyFacts", () => {
  const op = { enabled: null, trigger_pattern: cal("FREQ=DAILY;BYHOUR=2"), max_backups: 3, retention_duration_days: null, permanent: null, day_backups: null, week_backups: null, month_backups: null, year_backups: null };
  it("covers each server on the schedule's period, kept for max_backups runs", () => {
    expect(backupPolicyFacts({ provider_id: "p", resource: [{ id: "vm-1", name: "web-1" }], scheduled_operation: [op] })).toEqual([
      { kind: "covers", vm: "vm-1", vmName: "web-1", method: "scheduled", rpoSeconds: 86_400, retentionDays: 3, storage: "p", enabled: true },
    ]);
  });
  it.each([
    [{ retention_duration_days: 30, max_backups: null }, 30],
    [{ permanent: true }, Infinity],
    [{ max_backups: -1 }, Infinity],
    [{ week_backups: 4 }, 28],
  ])("retention %j → %d days", (over, days) => {
    expect(backupPolicyFacts({ provider_id: "p", resource: [{ id: "v", name: "n" }], scheduled_operation: [{ ...op, ...over }] })[0]).toMatchObject({ retentionDays: days });
  });
  it("a suspended policy or disabled schedule protects nothing", () => {
    expect(backupPolicyFacts({ provider_id: "p", resource: [{ id: "v", name: "n" }], scheduled_operation: [{ ...op, enabled: false }] })[0]).toMatchObject({ enabled: false });
    expect(backupPolicyFacts({ provider_id: "p", resource: [{ id: "v", name: "n" }], scheduled_operation: [op], status: "suspended" })[0]).toMatchObject({ enabled: false });
  });
});

describe("checkpoints", () => {
  const cp = {
    provider_id: "prov",
    status: "available",
    created_at: "2026-12-07T10:00:00Z",
    checkpoint_items: [
      { resource_id: "vm-1", resource_name: "web-1", size_mb: 1.5, created_at: "2026-12-07T10:00:05Z", status: "available" },
      { resource_id: "vm-2", resource_name: "db-1", size_mb: null, created_at: null, status: "available" },
    ],
  };
  it("a checkpoint covers each server it backed up, once, until deleted", () => {
    expect(checkpointFacts(cp).map((f) => f.kind === "covers" && [f.vm, f.vmName, f.method, f.retentionDays])).toEqual([
      ["vm-1", "web-1", "one-off", Infinity],
      ["vm-2", "db-1", "one-off", Infinity],
    ]);
  });
  it("deleting it removes one backup per server, with its size when reported", () => {
    expect(checkpointData(cp)).toEqual([
      { vm: "vm-1", kind: "checkpoint", count: 1, bytes: 1572864, oldest: "2026-12-07T10:00:05.000Z", newest: "2026-12-07T10:00:05.000Z" },
      { vm: "vm-2", kind: "checkpoint", count: 1, bytes: null, oldest: "2026-12-07T10:00:00.000Z", newest: "2026-12-07T10:00:00.000Z" },
    ]);
  });
});

describe("per-server backups (csbs_backup)", () => {
  const b = { resource_id: "vm-1", status: "available", created_at: "2026-12-07T10:00:00", vm_metadata: [{ name: "web-1" }], volume_backups: [{ size: 2 }, { size: 1 }, { size: null }] };
  it("a backup covers its server once, until deleted; a failed one does not protect", () => {
    expect(backupFacts(b)).toEqual([{ kind: "covers", vm: "vm-1", vmName: "web-1", method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: "fc4d5750-22e7-4798-8a46-f48f62c4c1da", enabled: true }]);
    expect(backupFacts({ ...b, status: "error" })[0]).toMatchObject({ enabled: false });
    expect(backupFacts({ ...b, resource_id: null })).toEqual([]);
  });
  it("deleting it removes one backup of the server, its size the sum of its volume copies", () => {
    expect(backupData(b)).toEqual([{ vm: "vm-1", kind: "backup", count: 1, bytes: 3 * 1024 * 1024, oldest: expect.stringMatching(/^2026-12-07T/), newest: expect.stringMatching(/^2026-12-07T/) }]);
    expect(backupData({ ...b, volume_backups: null, created_at: null })).toEqual([{ vm: "vm-1", kind: "backup", count: 1, bytes: null, oldest: null, newest: null }]);
  });
});
