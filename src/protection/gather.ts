import type { Json, Plan } from "../plan/plan.js";
import { opContext, type ConfiguredProvider, type ProviderRegistry } from "../plan/providers.js";
import type { RecoveryData, SurveyedVm } from "../sdk/protection.js";
import type { SdkObject } from "../sdk/value.js";
import { formatInstanceAddress } from "../state/address.js";
import type { State } from "../state/state.js";
import type { Control } from "./controls.js";
import type { Protector } from "./coverage.js";
import { planProtection, protectionRelevant, type PlanProtection } from "./plan-report.js";
import { protectionTypes } from "./types.js";

/**
 * The I/O edge of the protection model: it asks providers (through the sdk hook) for surveys and recovery data,
 * and hands the answers to the pure functions. Failures become `errors` entries; the rest of the report stands.
 */

/** The configured providers of a run (PlanOutcome.providers or a drift run's list). */
export interface Providers {
  values(): Iterable<ConfiguredProvider>;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One managed object: its address, type, provider configuration address and attributes. */
export interface ManagedObject {
  address: string;
  type: string;
  provider: string;
  attrs: SdkObject;
}

/** Every current object of a state's managed resources. */
export function managedObjects(state: State): ManagedObject[] {
  const out: ManagedObject[] = [];
  for (const rs of state.resources()) {
    if (rs.address.mode !== "managed") continue;
    for (const inst of rs.instances) {
      if (!inst.current) continue;
      out.push({ address: formatInstanceAddress({ ...rs.address, ...(inst.key !== undefined ? { key: inst.key } : {}) }), type: rs.address.type, provider: rs.provider, attrs: inst.current.attributes as SdkObject });
    }
  }
  return out;
}

/** An object a survey found that no state manages, with what is needed to read its recovery data. */
export interface SurveyedObject extends Protector {
  attrs: SdkObject;
  cp: ConfiguredProvider;
}

/** Surveys every protecting type through each configured provider: unmanaged objects and VMs. */
export async function survey(providers: Providers, registry: ProviderRegistry, managedIds: ReadonlySet<string>, signal: AbortSignal): Promise<{ unmanaged: SurveyedObject[]; vms: SurveyedVm[]; errors: string[] }> {
  const types = protectionTypes(registry);
  const seen = new Set<string>();
  const unmanaged: SurveyedObject[] = [];
  const vms = new Map<string, SurveyedVm>();
  const errors: string[] = [];
  for (const cp of providers.values()) {
    for (const r of cp.provider.resources.values()) {
      if (!r.protection?.survey) continue;
      try {
        const found = await r.protection.survey(opContext(cp, r, "read", signal));
        for (const v of found.vms) if (!vms.has(v.uuid)) vms.set(v.uuid, v);
        for (const o of found.objects) {
          const id = types.idOf(r.type, o as Json);
          const key = `${r.type}\u0000${id}`;
          if (id === null || managedIds.has(key) || seen.has(key)) continue;
          seen.add(key);
          unmanaged.push({ type: r.type, id, address: null, facts: r.protection.facts(o), attrs: o, cp });
        }
      } catch (e) {
        errors.push(`surveying ${r.type} (${cp.address}): ${message(e)}`);
      }
    }
  }
  return { unmanaged, vms: [...vms.values()], errors };
}

/** Recovery data of objects, one batched call per (provider configuration, type). Keys are the objects' keys. */
export async function recoveryDataOf(
  objects: readonly { key: string; type: string; provider: ConfiguredProvider | undefined; attrs: SdkObject }[],
  signal: AbortSignal,
): Promise<{ data: Map<string, RecoveryData[]>; errors: string[] }> {
  const groups = new Map<string, { cp: ConfiguredProvider; type: string; items: { key: string; attrs: SdkObject }[] }>();
  const errors: string[] = [];
  for (const o of objects) {
    if (!o.provider) continue;
    const r = o.provider.provider.resources.get(o.type);
    if (!r?.protection?.recoveryData) continue;
    const g = `${o.provider.address}\u0000${o.type}`;
    if (!groups.has(g)) groups.set(g, { cp: o.provider, type: o.type, items: [] });
    groups.get(g)!.items.push({ key: o.key, attrs: o.attrs });
  }
  const data = new Map<string, RecoveryData[]>();
  for (const { cp, type, items } of groups.values()) {
    const r = cp.provider.resources.get(type)!;
    try {
      const got = await r.protection!.recoveryData!(opContext(cp, r, "read", signal), items.map((i) => i.attrs));
      items.forEach((it, n) => data.set(it.key, got[n] ?? []));
    } catch (e) {
      errors.push(`reading the recovery data of ${items.length} ${type} (${cp.address}): ${message(e)}`);
    }
  }
  return { data, errors };
}

/** The configured provider for a state's provider address, else the first configured one serving `type`. */
export function providerFor(providers: Providers, address: string | undefined, type: string): ConfiguredProvider | undefined {
  const all = [...providers.values()];
  return all.find((p) => p.address === address) ?? all.find((p) => p.provider.resources.has(type));
}

export interface GatherPlanInput {
  plan: Plan;
  /** The refreshed prior state (to find each deleted object's provider configuration). */
  state: State;
  providers: Providers;
  registry: ProviderRegistry;
  controls: readonly Control[];
  allowLoss: boolean;
  signal: AbortSignal;
  now: Date;
}

/**
 * The protection section of a plan, or undefined when the plan touches no protecting object and no controls
 * apply (nothing is read then). Reads: one survey per protecting type, and recovery data only for objects the
 * plan deletes or replaces, batched per type.
 */
export async function gatherPlanProtection(input: GatherPlanInput): Promise<PlanProtection | undefined> {
  const types = protectionTypes(input.registry);
  const { plan } = input;
  if (input.controls.length === 0 && !plan.changes.some((rc) => protectionRelevant(rc, types))) return undefined;
  const managedIds = new Set<string>();
  for (const rc of plan.changes) {
    for (const v of [rc.before, rc.after]) {
      const id = v ? types.idOf(rc.type, v.value) : null;
      if (id !== null) managedIds.add(`${rc.type}\u0000${id}`);
    }
  }
  const providerOf = new Map(managedObjects(input.state).map((m) => [m.address, m.provider]));
  const surveyed = await survey(input.providers, input.registry, managedIds, input.signal);
  const doomed = plan.changes
    .filter((rc) => rc.mode === "managed" && (rc.action === "delete" || rc.action === "replace") && rc.before)
    .map((rc) => ({ key: rc.address, type: rc.type, provider: providerFor(input.providers, providerOf.get(rc.address), rc.type), attrs: rc.before!.value as SdkObject }));
  const read = await recoveryDataOf(doomed, input.signal);
  return planProtection({
    plan,
    types,
    unmanaged: surveyed.unmanaged,
    vms: surveyed.vms,
    data: read.data,
    controls: input.controls,
    allowLoss: input.allowLoss,
    errors: [...surveyed.errors, ...read.errors],
    now: input.now,
  });
}

export interface GatherDriftInput {
  /** The states drift checked, each with the providers configured for it. */
  states: readonly State[];
  providers: Providers;
  registry: ProviderRegistry;
  signal: AbortSignal;
}

/**
 * Every protecting object drift can see, managed (from the states) and unmanaged (from surveys), each with its
 * recovery data (batched per type), and every VM listed. Objects are counted once across states.
 */
export async function gatherLiveProtection(input: GatherDriftInput): Promise<{ protectors: Protector[]; vms: SurveyedVm[]; errors: string[] }> {
  const types = protectionTypes(input.registry);
  const managed: { p: Protector; key: string; provider: ConfiguredProvider | undefined; attrs: SdkObject }[] = [];
  const ids = new Set<string>();
  for (const state of input.states) {
    for (const m of managedObjects(state)) {
      const facts = types.facts(m.type, m.attrs as Json);
      if (!facts) continue;
      const id = types.idOf(m.type, m.attrs as Json);
      const key = `${m.type}\u0000${id ?? m.address}`;
      if (ids.has(key)) continue;
      ids.add(key);
      managed.push({ p: { type: m.type, id, address: m.address, facts }, key, provider: providerFor(input.providers, m.provider, m.type), attrs: m.attrs });
    }
  }
  const surveyed = await survey(input.providers, input.registry, ids, input.signal);
  const all = [
    ...managed,
    ...surveyed.unmanaged.map((u) => ({ p: u as Protector, key: `${u.type}\u0000${u.id}`, provider: u.cp, attrs: u.attrs })),
  ];
  const read = await recoveryDataOf(all.map((a) => ({ key: a.key, type: a.p.type, provider: a.provider, attrs: a.attrs })), input.signal);
  const protectors = all.map((a) => {
    const data = read.data.get(a.key);
    const { type, id, address, facts } = a.p;
    return { type, id, address, facts, ...(data ? { data } : {}) };
  });
  return { protectors, vms: surveyed.vms, errors: [...surveyed.errors, ...read.errors] };
}
