import { formatKey } from "../addrs/resource.js";
import type { Resource } from "../sdk/define.js";
import { sameValue } from "../sdk/plan-change.js";
import type { SdkObject } from "../sdk/value.js";
import { parseProviderConfig } from "../state/provider-config.js";
import type { InstanceObject, State } from "../state/state.js";
import type { ResourceChange } from "./plan.js";
import { instancePrefix, registryName } from "./planner.js";
import { opContext, type ConfiguredProvider, type ProviderRegistry } from "./providers.js";
import { fromStatePaths, stateToSdk } from "./state-values.js";
import { toPlanValue } from "./values.js";

/** Instances refreshed per provider call (readMany batch). */
const BATCH = 100;

export interface StateRefreshResult {
  /** What changed outside backplan, as `Plan.drift` carries it (`update` or `delete`). */
  drift: ResourceChange[];
  /** One line per provider that could not be configured or resource that could not be read. */
  errors: string[];
  /** The providers configured for the refresh, by state provider address; the caller closes them. */
  providers: Map<string, ConfiguredProvider>;
}

/**
 * Refreshes every managed instance of a state with no configuration at hand (`backplan drift STATEFILE`): each
 * provider named in the state is configured from the environment alone (`ZSTACK_*`, `OS_*`), each instance is
 * read through it, and instances whose live object differs from the state (or is gone) become drift entries.
 * Reads only: nothing is created, changed or written.
 */
export async function refreshStateDrift(state: State, registry: ProviderRegistry, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal): Promise<StateRefreshResult> {
  const errors: string[] = [];
  const providers = new Map<string, ConfiguredProvider>();
  const drift: ResourceChange[] = [];
  for (const rs of state.resources()) {
    if (rs.address.mode !== "managed") continue;
    const configured = await providerFor(rs.provider, registry, env, providers, errors);
    if (!configured) continue;
    const resource = configured.provider.resources.get(rs.address.type);
    if (!resource) {
      errors.push(`${rs.address.type}: the provider ${configured.provider.source} does not support this resource type`);
      continue;
    }
    const items = rs.instances.flatMap((inst) => (inst.current ? [{ address: `${instancePrefix(rs.address.module)}${rs.address.type}.${rs.address.name}${formatKey(inst.key)}`, obj: inst.current, key: inst.key }] : []));
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      const schema = { attributes: resource.attributes, shape: resource.schema.shape };
      const before = batch.map((b) => upgrade(resource, b.obj, stateToSdk(b.obj.attributes, schema)));
      let after: (SdkObject | null)[];
      try {
        after = await resource.readMany(opContext(configured, resource, "read", signal), before);
      } catch (e) {
        errors.push(`reading ${batch.map((b) => b.address).join(", ")}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      batch.forEach((b, j) => {
        const prior = before[j]!;
        const live = after[j] ?? null;
        if (live && equalObjects(resource, prior, live)) return;
        const sensitive = [...fromStatePaths(b.obj.sensitiveAttributes), ...Object.entries(resource.attributes).filter(([, a]) => a.sensitive).map(([k]) => [k])];
        drift.push({
          address: b.address,
          ...(rs.address.module.length ? { moduleAddress: rs.address.module.map((m) => `module.${m.name}${formatKey(m.key)}`).join(".") } : {}),
          mode: "managed",
          type: rs.address.type,
          name: rs.address.name,
          ...(b.key !== undefined ? { index: b.key } : {}),
          providerName: registryName(configured.provider.source),
          action: live ? "update" : "delete",
          before: toPlanValue(prior, sensitive),
          after: live ? toPlanValue(live, sensitive) : null,
          replacePaths: [],
        });
      });
    }
  }
  return { drift, errors, providers };
}

async function providerFor(
  address: string,
  registry: ProviderRegistry,
  env: Readonly<Record<string, string | undefined>>,
  providers: Map<string, ConfiguredProvider>,
  errors: string[],
): Promise<ConfiguredProvider | undefined> {
  const known = providers.get(address);
  if (known) return known;
  const pc = parseProviderConfig(address);
  const provider = pc ? registry.bySource(pc.source) : undefined;
  if (!provider) {
    if (!errors.some((e) => e.startsWith(`${address}:`))) errors.push(`${address}: no such provider in this backplan`);
    return undefined;
  }
  const config: SdkObject = Object.fromEntries(Object.keys(provider.attributes).map((k) => [k, null]));
  try {
    const client = await provider.configure(config, env);
    const configured = { provider, client, address };
    providers.set(address, configured);
    return configured;
  } catch (e) {
    if (!errors.some((x) => x.startsWith(`${address}:`))) {
      errors.push(`${address}: cannot configure the provider from the environment (a bare state has no provider block): ${e instanceof Error ? e.message : String(e)}`);
    }
    return undefined;
  }
}

function upgrade(resource: Resource<unknown>, obj: InstanceObject, attrs: SdkObject): SdkObject {
  return obj.schemaVersion !== resource.schemaVersion && resource.upgradeState ? resource.upgradeState(obj.schemaVersion, attrs) : attrs;
}

function equalObjects(resource: Resource<unknown>, a: SdkObject, b: SdkObject): boolean {
  return Object.entries(resource.attributes).every(([k, attr]) => sameValue(attr, a[k] ?? null, b[k] ?? null));
}
