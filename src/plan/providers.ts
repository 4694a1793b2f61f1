import type { Provider, Resource, DataSource, OpContext, TimeoutOp } from "../sdk/define.js";
import { parseDuration } from "../sdk/duration.js";
import { registryAddress } from "../sdk/schema-json.js";

/** The providers a run may use, found by source address (`backplan/zstack`, `terraform.io/builtin/terraform`). */
export interface ProviderRegistry {
  bySource(source: string): Provider | undefined;
  all(): readonly Provider[];
}

export function providerRegistry(providers: readonly Provider[]): ProviderRegistry {
  const map = new Map<string, Provider>();
  for (const p of providers) {
    map.set(registryAddress(p.source), p);
    map.set(p.source, p);
  }
  return { bySource: (s) => map.get(s) ?? map.get(registryAddress(s)), all: () => providers };
}

/** Sources assumed for a provider local name that `required_providers` does not list. */
export const IMPLIED_SOURCES: Readonly<Record<string, string>> = {
  zstack: "backplan/zstack",
  csbs: "backplan/csbs",
  terraform: "terraform.io/builtin/terraform",
};

/** `provider["registry.terraform.io/backplan/zstack"]` or `...].alias`, as state records it. */
export function providerConfigAddress(source: string, alias?: string, modulePrefix = ""): string {
  return `${modulePrefix}provider["${registryAddress(source)}"]${alias ? `.${alias}` : ""}`;
}

/** A provider with its client, ready for operations. */
export interface ConfiguredProvider {
  readonly provider: Provider;
  readonly client: unknown;
  /** The state form of the configuration address. */
  readonly address: string;
}

/**
 * Builds the context of one provider operation: its timeout (the resource's default, overridden by the
 * configuration's `timeouts` block) combined with the run's abort signal.
 */
export function opContext(
  p: ConfiguredProvider,
  r: Resource<unknown> | DataSource<unknown>,
  op: TimeoutOp,
  signal: AbortSignal,
  overrides: ReadonlyMap<string, string> = new Map(),
): OpContext<unknown> {
  const text = overrides.get(op) ?? (r.timeouts as Partial<Record<TimeoutOp, string>>)[op] ?? "20m";
  const timeoutMs = parseDuration(text) ?? 20 * 60_000;
  return { client: p.client, timeoutMs, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) };
}
