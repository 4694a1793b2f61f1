import type { CoverageFact, ProtectionFact, RecoveryData, SurveyedVm, TermsFact } from "../sdk/protection.js";

/** One remote object that may protect VMs, with what its provider says about it. */
export interface Protector {
  type: string;
  /** Its id (uuid), or null when not yet known (a planned create). */
  id: string | null;
  /** Its address when a state manages it, else null (an unmanaged object found by a survey). */
  address: string | null;
  facts: readonly ProtectionFact[];
  /** The recovery data it holds, when it was read. */
  data?: readonly RecoveryData[];
}

/** How one object protects one VM, its terms resolved. */
export interface ProtectionBy {
  type: string;
  id: string | null;
  address: string | null;
  managed: boolean;
  method: CoverageFact["method"];
  enabled: boolean;
  rpoSeconds: number | null;
  /** Infinity: kept until deleted. */
  retentionDays: number | null;
  storage: string | null;
}

/** What protects one VM, and how well. */
export interface VmProtection {
  vm: string;
  name: string | null;
  tags: string[];
  /** At least one enabled object protects the VM. */
  protected: boolean;
  /** Smallest RPO among enabled continuous or scheduled protection; null when none states one. */
  rpoSeconds: number | null;
  /** Longest retention among enabled protection (Infinity: kept until deleted). */
  retentionDays: number | null;
  /** Storages written to by enabled protection, sorted. */
  storages: string[];
  /** Newest recovery point, backup or checkpoint of the VM among the data read, RFC 3339. */
  newestPoint: string | null;
  /** Seconds from `newestPoint` to the evaluation time; null without one. */
  newestAgeSeconds: number | null;
  /** Every object that names the VM, enabled or not, managed ones first. */
  by: ProtectionBy[];
}

/** Smallest non-null number, or null. */
function least(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
}

function most(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

/**
 * Per-VM protection from a set of objects and the VMs a survey listed. Pure.
 *
 * In: protectors (managed and unmanaged, each object once), every VM known to exist (may be empty: VMs named by
 * coverage facts are then the universe), and `now` for ages. Terms (`kind: "terms"`) fill a coverage fact's null
 * RPO or retention when the fact names their id in `termsOf`. Out: one entry per VM, sorted by name then uuid;
 * a VM no object covers is present with `protected: false` when the survey listed it.
 */
export function computeCoverage(protectors: readonly Protector[], vms: readonly SurveyedVm[], now: Date): VmProtection[] {
  const terms = new Map<string, TermsFact>();
  for (const p of protectors) for (const f of p.facts) if (f.kind === "terms") terms.set(f.id, f);

  const out = new Map<string, VmProtection>();
  const entry = (vm: string, name: string | null): VmProtection => {
    let e = out.get(vm);
    if (!e) {
      e = { vm, name, tags: [], protected: false, rpoSeconds: null, retentionDays: null, storages: [], newestPoint: null, newestAgeSeconds: null, by: [] };
      out.set(vm, e);
    }
    if (e.name === null && name !== null) e.name = name;
    return e;
  };
  for (const v of vms) Object.assign(entry(v.uuid, v.name), { tags: [...v.tags] });

  for (const p of protectors) {
    for (const f of p.facts) {
      if (f.kind !== "covers") continue;
      const t = f.termsOf !== undefined ? terms.get(f.termsOf) : undefined;
      entry(f.vm, f.vmName).by.push({
        type: p.type,
        id: p.id,
        address: p.address,
        managed: p.address !== null,
        method: f.method,
        enabled: f.enabled,
        rpoSeconds: f.rpoSeconds ?? t?.rpoSeconds ?? null,
        retentionDays: f.retentionDays ?? t?.retentionDays ?? null,
        storage: f.storage,
      });
    }
    for (const d of p.data ?? []) {
      if (d.vm === null || d.newest === null || d.count === 0) continue;
      const e = entry(d.vm, null);
      if (e.newestPoint === null || Date.parse(d.newest) > Date.parse(e.newestPoint)) e.newestPoint = d.newest;
    }
  }

  for (const e of out.values()) {
    const live = e.by.filter((b) => b.enabled);
    e.protected = live.length > 0;
    e.rpoSeconds = least(live.filter((b) => b.method !== "one-off").map((b) => b.rpoSeconds));
    e.retentionDays = most(live.map((b) => b.retentionDays));
    e.storages = [...new Set(live.map((b) => b.storage).filter((s): s is string => s !== null))].sort();
    e.newestAgeSeconds = e.newestPoint === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(e.newestPoint)) / 1000));
    e.by.sort((a, b) => Number(b.managed) - Number(a.managed) || (a.address ?? a.id ?? "").localeCompare(b.address ?? b.id ?? ""));
  }
  return [...out.values()].sort((a, b) => (a.name ?? "\uffff").localeCompare(b.name ?? "\uffff") || a.vm.localeCompare(b.vm));
}
