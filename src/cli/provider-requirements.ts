import type { Config, RequiredProvider } from "../config/model.js";
import type { SourceRange } from "../config/source.js";
import { formatProviderConstraints, parseProviderConstraints, type ProviderConstraint } from "../config/version-constraint.js";
import { IMPLIED_SOURCES } from "../plan/providers.js";
import { registryAddress } from "../sdk/schema-json.js";

/** What the whole configuration asks of one provider: its version constraints from every module. */
export interface ProviderRequirement {
  /** `registry.terraform.io/backplan/zstack`. */
  address: string;
  constraints: ProviderConstraint[];
  /** Terraform's printed form of `constraints` (what the lock file records); "" when there are none. */
  constraintsText: string;
  /** The `required_providers` entries that gave a version, for messages. */
  declared: { range: SourceRange; version: string }[];
}

/** Terraform's built-in provider: never installed, never locked. */
const BUILTIN_HOST = "terraform.io/builtin/";

function sourceOf(cfg: Config, ancestors: readonly Config[], name: string): string {
  for (const c of [cfg, ...ancestors]) {
    const rp = c.terraform.requiredProviders.get(name);
    if (rp?.source) return rp.source;
  }
  return IMPLIED_SOURCES[name] ?? `hashicorp/${name}`;
}

/**
 * Every provider the configuration needs (by `required_providers`, provider blocks and resources in any module),
 * with the version constraints of all modules merged as Terraform merges them. Constraint strings that do not
 * parse are skipped here (the loader reports them). Local names resolve as `backplan providers` shows them.
 */
export function providerRequirements(root: Config): Map<string, ProviderRequirement> {
  const out = new Map<string, ProviderRequirement>();
  const add = (address: string, rp: RequiredProvider | undefined) => {
    if (address.startsWith(BUILTIN_HOST)) return;
    let req = out.get(address);
    if (!req) out.set(address, (req = { address, constraints: [], constraintsText: "", declared: [] }));
    if (rp?.version === undefined) return;
    const parsed = parseProviderConstraints(rp.version);
    if (!parsed.ok) return;
    req.declared.push({ range: rp.range, version: rp.version });
    for (const c of parsed.constraints) {
      const text = formatProviderConstraints([c]);
      if (!req.constraints.some((x) => formatProviderConstraints([x]) === text)) req.constraints.push(c);
    }
    req.constraintsText = formatProviderConstraints(req.constraints);
  };
  const walk = (cfg: Config, ancestors: readonly Config[]) => {
    const names = new Set<string>(cfg.terraform.requiredProviders.keys());
    for (const p of cfg.providers.values()) names.add(p.name);
    for (const r of [...cfg.managedResources.values(), ...cfg.dataResources.values()]) names.add(r.provider?.name ?? r.providerName);
    for (const n of [...names].sort()) add(registryAddress(sourceOf(cfg, ancestors, n)), cfg.terraform.requiredProviders.get(n));
    for (const [, child] of [...cfg.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) walk(child, [cfg, ...ancestors]);
  };
  walk(root, []);
  return out;
}
