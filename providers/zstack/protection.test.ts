import { describe, expect, it } from "vitest";
import { backupGroupData, cdpPolicyFacts, cdpTaskFacts, parsePoints, summarizePoints, vmBackupFacts } from "./protection.js";

describe("zstack protection facts", () => {
  it("a CDP task covers each VM continuously at max_latency, its retention lent by the policy", () => {
    expect(cdpTaskFacts({ resource_uuids: ["a", "b"], max_latency: 600_000, backup_storage_uuid: "bs", policy_uuid: "p", enabled: true })).toEqual([
      { kind: "covers", vm: "a", vmName: null, method: "continuous", rpoSeconds: 600, retentionDays: null, storage: "bs", enabled: true, termsOf: "p" },
      { kind: "covers", vm: "b", vmName: null, method: "continuous", rpoSeconds: 600, retentionDays: null, storage: "bs", enabled: true, termsOf: "p" },
    ]);
  });
  it("an unknown latency (null) leaves the RPO to the policy; a disabled task is marked so", () => {
    expect(cdpTaskFacts({ resource_uuids: ["a"], max_latency: null, backup_storage_uuid: null, policy_uuid: null, enabled: false })[0]).toMatchObject({ rpoSeconds: null, enabled: false, storage: null });
  });
  it("a policy lends its interval and its longest retention tier", () => {
    expect(cdpPolicyFacts({ uuid: "p", recovery_point_per_second: 30, retention_time_per_day: 3, hourly_rp_since_day: 7, daily_rp_since_day: 14, expire_time_in_day: 0 })).toEqual([{ kind: "terms", id: "p", rpoSeconds: 30, retentionDays: 14 }]);
    expect(cdpPolicyFacts({ uuid: null, recovery_point_per_second: 30, retention_time_per_day: 3, hourly_rp_since_day: null, daily_rp_since_day: null, expire_time_in_day: null })).toEqual([]);
  });
  it("a VM backup is one-off and kept until deleted", () => {
    expect(vmBackupFacts({ vm_instance_uuid: "vm", backup_storage_uuid: "bs" })).toEqual([{ kind: "covers", vm: "vm", vmName: null, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: "bs", enabled: true }]);
    expect(vmBackupFacts({ vm_instance_uuid: null, backup_storage_uuid: "bs" })).toEqual([]);
  });
  it("recovery points fold into count, bytes and time span per task", () => {
    const points = parsePoints({ "1": { cdpTaskUuid: "t", timestamp: Date.parse("2026-12-07T10:00:00Z"), size: 10 }, "2": { cdpTaskUuid: "t", timestamp: Date.parse("2026-12-07T11:00:00Z"), size: 5 }, "3": { cdpTaskUuid: "u", timestamp: 0, size: 1 } });
    expect(summarizePoints("vm", points.filter((p) => p.task === "t"))).toEqual([{ vm: "vm", kind: "recovery-point", count: 2, bytes: 15, oldest: "2026-12-07T10:00:00.000Z", newest: "2026-12-07T11:00:00.000Z" }]);
    expect(summarizePoints("vm", [])).toEqual([]);
  });
  it("recovery points in the SDK's shape: one point per groupId, its volumes' sizes summed, its earliest volume time", () => {
    const entry = (grp: number, vol: string, size: number, ts: string, task = "t") => ({ id: grp, grpId: grp, size, volId: vol, ts, desc: "", cdpTaskUuid: task });
    const points = parsePoints({
      "1": [entry(1, "root", 10, "2026-12-07T10:00:01Z"), entry(1, "data", 4, "2026-12-07T10:00:00Z")],
      "2": [entry(2, "root", 5, "2026-12-07T19:00:00+08:00")],
      "3": [entry(3, "root", 1, "2026-12-07T12:00:00Z", "u")],
    });
    expect(summarizePoints("vm", points.filter((p) => p.task === "t"))).toEqual([{ vm: "vm", kind: "recovery-point", count: 2, bytes: 19, oldest: "2026-12-07T10:00:00.000Z", newest: "2026-12-07T11:00:00.000Z" }]);
  });
  it("a backup group's data is its volume backups' count and sizes", () => {
    expect(backupGroupData("vm", [{ size: 100, createDate: "2026-12-07T10:00:00Z" }, { size: 50, createDate: "2026-12-07T10:00:01Z" }])).toEqual([
      { vm: "vm", kind: "backup", count: 2, bytes: 150, oldest: "2026-12-07T10:00:00.000Z", newest: "2026-12-07T10:00:01.000Z" },
    ]);
  });
});
