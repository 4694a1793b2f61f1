import type { Json, Plan, PlanValue, ResourceChange } from "../plan/plan.js";
import type { ProviderRegistry } from "../plan/providers.js";
import type { Attribute } from "../sdk/attribute.js";
import type { V4StateJson } from "./state-json.js";

/**
 * Objects as Terraform encodes them in plan and state JSON, where backplan's own model is sparser: a list- or
 * set-nested block written no times is `[]` (backplan holds null), and a resource or data source whose schema has
 * a `timeouts` block carries `timeouts` (null when not configured; the plan does not keep a configured one, so it
 * is null here too). Values of resources whose provider or type the registry does not know are left alone.
 */

interface Shape {
  attributes: Readonly<Record<string, Attribute>>;
  timeouts: boolean;
}

function shapeOf(registry: ProviderRegistry, provider: string, mode: "managed" | "data", type: string): Shape | undefined {
  const p = registry.bySource(provider);
  const r = mode === "managed" ? p?.resources.get(type) : p?.dataSources.get(type);
  return r ? { attributes: r.attributes, timeouts: Object.keys(r.timeouts).length > 0 } : undefined;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

function shapeBlock(value: Json, attributes: Readonly<Record<string, Attribute>>, timeouts: boolean): Json {
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = { ...value };
  for (const [name, a] of Object.entries(attributes)) {
    if (!a.block || !(name in out)) continue;
    const v = out[name]!;
    if (a.block.nesting === "single") out[name] = shapeBlock(v, a.block.attributes, false);
    else if (v === null) out[name] = [];
    else if (Array.isArray(v)) out[name] = v.map((item) => shapeBlock(item, a.block!.attributes, false));
  }
  if (timeouts && !("timeouts" in out)) out.timeouts = null;
  return out;
}

function shapeValue(pv: PlanValue | null, shape: Shape): PlanValue | null {
  if (pv === null) return null;
  // The mark trees need no change: a known empty list has no marks, and the encoding writes it as `[]` anyway.
  return { ...pv, value: shapeBlock(pv.value, shape.attributes, shape.timeouts) };
}

function shapeChange(rc: ResourceChange, registry: ProviderRegistry): ResourceChange {
  const shape = shapeOf(registry, rc.providerName, rc.mode, rc.type);
  if (!shape) return rc;
  return { ...rc, before: shapeValue(rc.before, shape), after: shapeValue(rc.after, shape) };
}

/** The plan with every change's and drift's values in Terraform's encoding (see above); for the plan JSON only. */
export function terraformShapedPlan(plan: Plan, registry: ProviderRegistry): Plan {
  return { ...plan, changes: plan.changes.map((c) => shapeChange(c, registry)), drift: plan.drift.map((d) => shapeChange(d, registry)) };
}

/**
 * A state in provider-facing v4 JSON (see `viewStateJson`) with its instances' attributes in Terraform's encoding;
 * `providerSource` turns a resource's `provider` field into its source address. Changes `doc` in place.
 */
export function terraformShapedState(doc: V4StateJson, registry: ProviderRegistry, providerSource: (provider: string) => string | undefined): V4StateJson {
  for (const r of doc.resources ?? []) {
    const source = providerSource(r.provider);
    const shape = source === undefined ? undefined : shapeOf(registry, source, r.mode === "data" ? "data" : "managed", r.type);
    if (!shape) continue;
    for (const inst of r.instances) if (inst.attributes) inst.attributes = shapeBlock(inst.attributes, shape.attributes, shape.timeouts) as { [key: string]: Json };
  }
  return doc;
}
