import { describe, expect, it } from "vitest";
import type { ProtectionFact } from "../sdk/protection.js";
import { computeCoverage, type Protector } from "./coverage.js";

const NOW = new Date("2026-12-07T12:00:00Z");

function cdp(vm: string, rpo: number | null, opts: { enabled?: boolean; policy?: string; address?: string | null; id?: string } = {}): Protector {
  const fact: ProtectionFact = { kind: "covers", vm, vmName: null, method: "continuous", rpoSeconds: rpo, retentionDays: null, storage: "bs-1", enabled: opts.enabled ?? true, ...(opts.policy ? { termsOf: opts.policy } : {}) };
  return { type: "zstack_cdp_task", id: opts.id ?? `task-${vm}`, address: opts.address === undefined ? `zstack_cdp_task.${vm}` : opts.address, facts: [fact] };
}

describe("computeCoverage", () => {
  it("a VM the survey lists but nothing covers is unprotected", () => {
    const [v] = computeCoverage([], [{ uuid: "vm-1", name: "web-1", tags: ["tier=web"] }], NOW);
    expect(v).toMatchObject({ vm: "vm-1", name: "web-1", tags: ["tier=web"], protected: false, rpoSeconds: null, retentionDays: null, by: [] });
  });

  it("a policy's terms fill the RPO and retention a task leaves open", () => {
    const policy: Protector = { type: "zstack_cdp_policy", id: "pol", address: "zstack_cdp_policy.p", facts: [{ kind: "terms", id: "pol", rpoSeconds: 60, retentionDays: 7 }] };
    const [v] = computeCoverage([cdp("vm-1", null, { policy: "pol" }), policy], [], NOW);
    expect(v).toMatchObject({ protected: true, rpoSeconds: 60, retentionDays: 7, storages: ["bs-1"] });
  });

  it("the task's own latency wins over the policy's interval", () => {
    const policy: Protector = { type: "zstack_cdp_policy", id: "pol", address: null, facts: [{ kind: "terms", id: "pol", rpoSeconds: 60, retentionDays: 7 }] };
    expect(computeCoverage([cdp("vm-1", 600, { policy: "pol" }), policy], [], NOW)[0]!.rpoSeconds).toBe(600);
  });

  it("best RPO is the smallest of enabled objects; a disabled one does not count", () => {
    const [v] = computeCoverage([cdp("vm-1", 600, { id: "a" }), cdp("vm-1", 30, { id: "b", enabled: false, address: null })], [], NOW);
    expect(v!.rpoSeconds).toBe(600);
    expect(v!.by.map((b) => [b.managed, b.enabled])).toEqual([[true, true], [false, false]]);
  });

  it("only disabled protection leaves the VM unprotected", () => {
    expect(computeCoverage([cdp("vm-1", 600, { enabled: false })], [], NOW)[0]!.protected).toBe(false);
  });

  it("a one-off backup protects with no RPO and keeps data forever", () => {
    const backup: Protector = { type: "zstack_vm_backup", id: "g", address: "zstack_vm_backup.b", facts: [{ kind: "covers", vm: "vm-1", vmName: null, method: "one-off", rpoSeconds: null, retentionDays: Infinity, storage: "bs-2", enabled: true }] };
    expect(computeCoverage([backup, cdp("vm-1", 600)], [], NOW)[0]).toMatchObject({ rpoSeconds: 600, retentionDays: Infinity, storages: ["bs-1", "bs-2"] });
  });

  it("the newest recovery point and its age come from the data read", () => {
    const p = { ...cdp("vm-1", 600), data: [
      { vm: "vm-1", kind: "recovery-point" as const, count: 3, bytes: 10, oldest: "2026-12-07T10:00:00Z", newest: "2026-12-07T11:50:00Z" },
      { vm: "vm-1", kind: "recovery-point" as const, count: 0, bytes: 0, oldest: null, newest: "2026-12-07T11:59:00Z" },
    ] };
    expect(computeCoverage([p], [], NOW)[0]).toMatchObject({ newestPoint: "2026-12-07T11:50:00Z", newestAgeSeconds: 600 });
  });

  it("names come from the survey or from facts; VMs sort by name", () => {
    const csbs: Protector = { type: "csbs_backup_policy", id: "p", address: null, facts: [{ kind: "covers", vm: "vm-b", vmName: "alpha", method: "scheduled", rpoSeconds: 86400, retentionDays: 3, storage: null, enabled: true }] };
    const out = computeCoverage([csbs], [{ uuid: "vm-a", name: "beta", tags: [] }], NOW);
    expect(out.map((v) => [v.vm, v.name])).toEqual([["vm-b", "alpha"], ["vm-a", "beta"]]);
  });
});
