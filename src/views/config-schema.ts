import type { Attribute as AstAttribute, Block, Body } from "../config/hcl/ast.js";
import { bodyContent } from "../config/hcl/body.js";
import type { Config, Resource } from "../config/model.js";
import { IMPLIED_SOURCES, type ProviderRegistry } from "../plan/providers.js";
import type { Attribute } from "../sdk/attribute.js";
import type { Provider } from "../sdk/define.js";

/**
 * Reading a configuration body the way Terraform's configuration JSON and its reference analysis read it: only
 * the arguments and nested blocks the resource's (or provider's) schema declares, without evaluating anything.
 * Pure over the Config model and provider schemas.
 */

/** A resource's schema as these views need it: declared attributes (nested blocks included) and its version. */
export interface BodySchemaInfo {
  attributes: Readonly<Record<string, Attribute>>;
  schemaVersion: number;
}

/** The source address a provider local name stands for in `config` (its own or an ancestor's required_providers). */
export function providerSource(chain: readonly Config[], name: string): string {
  for (let i = chain.length - 1; i >= 0; i--) {
    const rp = chain[i]!.terraform.requiredProviders.get(name);
    if (rp?.source) return rp.source;
  }
  return IMPLIED_SOURCES[name] ?? `hashicorp/${name}`;
}

/** The provider serving a resource declared in the last module of `chain` (root first), if the registry has it. */
export function providerOf(registry: ProviderRegistry, chain: readonly Config[], r: Resource): Provider | undefined {
  return registry.bySource(providerSource(chain, r.provider?.name ?? r.providerName));
}

/** The schema of a resource or data source, or undefined when its provider or type is unknown. */
export function resourceSchema(registry: ProviderRegistry, chain: readonly Config[], r: Resource): BodySchemaInfo | undefined {
  const p = providerOf(registry, chain, r);
  const def = r.mode === "data" ? p?.dataSources.get(r.type) : p?.resources.get(r.type);
  if (!def) return undefined;
  return { attributes: def.attributes, schemaVersion: "schemaVersion" in def ? def.schemaVersion : 0 };
}

/** The arguments and nested blocks of `body` that `attributes` declares; everything else (meta-arguments, `dynamic`) is skipped. */
export function declaredContent(body: Body, attributes: Readonly<Record<string, Attribute>>): { attributes: Map<string, AstAttribute>; blocks: Block[] } {
  const attrs = [];
  const blocks = [];
  for (const [name, a] of Object.entries(attributes)) {
    if (a.block) blocks.push({ type: name, labels: [] as string[] });
    else attrs.push({ name });
  }
  const content = bodyContent(body, { attributes: attrs, blocks }, [], { partial: true });
  return { attributes: content.attributes, blocks: content.blocks };
}
