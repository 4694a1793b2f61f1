import { isUnknown, planResourceChange, type Provider, type Resource, type SdkObject, type SdkValue } from "../../src/sdk/index.js";

/**
 * Drives provider resources directly, as the plan engine does: what `create` and `update` are handed and the
 * operation context. For e2e tests that talk to a real engine without going through the CLI.
 */

export function resourceOf(provider: Provider, type: string): Resource<unknown> {
  const r = provider.resources.get(type);
  if (!r) throw new Error(`no resource ${type}`);
  return r;
}

export function opContext(client: unknown, timeoutMs = 60_000) {
  return { client, timeoutMs, signal: new AbortController().signal };
}

/** What the plan engine hands `create`: planned values, unknowns as null, the client id filled in. */
export function plannedCreate(r: Resource<unknown>, config: SdkObject): SdkObject {
  const { planned } = planResourceChange(r.attributes, null, config);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(planned)) out[k] = isUnknown(v) ? null : (v as SdkValue);
  if (r.clientId && r.newClientId) out[r.clientId] = r.newClientId();
  return out;
}

/** What the plan engine hands `update`: the prior state with the new configuration applied, and what forces a replace. */
export function plannedUpdate(r: Resource<unknown>, prior: SdkObject, config: SdkObject): { planned: SdkObject; requiresReplace: string[][] } {
  const { planned, requiresReplace } = planResourceChange(r.attributes, prior, config);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(planned)) out[k] = isUnknown(v) ? null : (v as SdkValue);
  return { planned: out, requiresReplace };
}
