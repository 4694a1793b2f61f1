import type { Expression, TraversalStep } from "../config/hcl/ast.js";
import type { Config, ModuleCall, Resource } from "../config/model.js";
import { resourceKey } from "../config/model.js";
import { bodyReferences, expressionReferences, type Reference } from "../config/references.js";
import type { Plan } from "../plan/plan.js";
import type { ProviderRegistry } from "../plan/providers.js";
import { declaredContent, resourceSchema } from "./config-schema.js";
import { stepsText } from "./config-json.js";
import { compareStrings } from "./encoding.js";
import type { RelevantAttribute } from "./plan-json.js";

/**
 * Terraform's `relevant_attributes`: the resource attributes that can contribute to what this plan changes.
 * Starting from the configuration of every resource instance and root output the plan does not leave alone
 * (action other than no-op), references are followed transitively through locals, input variables (into the
 * calling module's arguments), module outputs, `count.index`/`each.*` (into the enclosing `count`/`for_each`) and
 * other resources' configured arguments; every reference to a resource on the way is one entry, with the
 * attribute path written after it. Reviewers' tools use it to tell drift that matters from drift that does not.
 *
 * Terraform lists the entries in no fixed order; this lists them sorted by resource, then path.
 */

/** A reference found in some module: `module` is its instance address ("" for the root), `chain` its configs. */
interface Found {
  module: string;
  chain: Config[];
  ref: Reference;
  /** The resource or module call whose `count`/`for_each` `count.*`/`each.*` refer to. */
  container?: Resource | ModuleCall;
}

interface ModulePos {
  module: string;
  chain: Config[];
}

/** Splits `module.a["k"].module.b` into its steps (name and instance key text). */
function moduleSteps(address: string | undefined): { name: string; text: string }[] {
  if (!address) return [];
  const out: { name: string; text: string }[] = [];
  const re = /module\.([A-Za-z0-9_-]+)((?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?)/g;
  for (const m of address.matchAll(re)) out.push({ name: m[1]!, text: `module.${m[1]}${m[2] ?? ""}` });
  return out;
}

function positionOf(root: Config, moduleAddress: string | undefined): ModulePos | undefined {
  const chain = [root];
  for (const step of moduleSteps(moduleAddress)) {
    const child = chain[chain.length - 1]!.children.get(step.name);
    if (!child) return undefined;
    chain.push(child);
  }
  return { module: moduleAddress ?? "", chain };
}

function exprRefs(pos: ModulePos, expr: Expression | undefined, container?: Resource | ModuleCall): Found[] {
  if (!expr) return [];
  return expressionReferences(expr).refs.map((ref) => ({ ...pos, ref, ...(container ? { container } : {}) }));
}

/** References in a resource's schema-declared arguments and nested blocks, optionally narrowed to one of them. */
function resourceBodyRefs(pos: ModulePos, r: Resource, registry: ProviderRegistry, only?: string): Found[] {
  const schema = resourceSchema(registry, pos.chain, r);
  if (!schema) return [];
  const content = declaredContent(r.config, schema.attributes);
  const out: Found[] = [];
  for (const [name, attr] of content.attributes) if (only === undefined || only === name) out.push(...exprRefs(pos, attr.expr, r));
  for (const block of content.blocks) {
    if (only !== undefined && only !== block.type) continue;
    out.push(...bodyReferences(block.body).refs.map((ref) => ({ ...pos, ref, container: r })));
  }
  return out;
}

function child(pos: ModulePos, name: string, keyStep: TraversalStep | undefined): ModulePos | undefined {
  const config = pos.chain[pos.chain.length - 1]!.children.get(name);
  if (!config) return undefined;
  const text = `module.${name}${keyStep ? stepsText([keyStep]) : ""}`;
  return { module: pos.module ? `${pos.module}.${text}` : text, chain: [...pos.chain, config] };
}

/** The references the object a reference points at is made from (Terraform's "meta-references"). */
function metaReferences(f: Found, registry: ProviderRegistry): Found[] {
  const config = f.chain[f.chain.length - 1]!;
  const s = f.ref.subject;
  const rest = f.ref.rest;
  switch (s.kind) {
    case "local":
      return exprRefs(f, config.locals.get(s.name)?.expr);
    case "var": {
      if (f.chain.length === 1) return []; // root variables come from outside
      const steps = moduleSteps(f.module);
      const parent: ModulePos = { module: steps.slice(0, -1).map((x) => x.text).join("."), chain: f.chain.slice(0, -1) };
      const call = parent.chain[parent.chain.length - 1]!.moduleCalls.get(config.path[config.path.length - 1]!);
      return call ? exprRefs(parent, call.inputs.get(s.name)?.expr, call) : [];
    }
    case "module": {
      const keyStep = rest[0]?.kind === "index" ? rest[0] : undefined;
      const inner = child(f, s.name, keyStep);
      if (!inner) return [];
      const childConfig = inner.chain[inner.chain.length - 1]!;
      const out = rest[keyStep ? 1 : 0];
      if (out?.kind === "attr") return exprRefs(inner, childConfig.outputs.get(out.name)?.value);
      return [...childConfig.outputs.values()].flatMap((o) => exprRefs(inner, o.value));
    }
    case "count":
    case "each":
      return f.container ? exprRefs(f, s.kind === "count" ? f.container.count : f.container.forEach) : [];
    case "resource": {
      const r = (s.mode === "data" ? config.dataResources : config.managedResources).get(resourceKey(s.mode, s.type, s.name));
      if (!r) return [];
      const attrStep = rest[0]?.kind === "index" ? rest[1] : rest[0];
      if (attrStep?.kind === "index") return [];
      return resourceBodyRefs(f, r, registry, attrStep?.name);
    }
    default:
      return [];
  }
}

function foundKey(f: Found): string {
  const s = f.ref.subject;
  const subject = s.kind === "resource" ? `${s.mode}.${s.type}.${s.name}` : s.kind === "self" ? "self" : `${s.kind}.${"name" in s ? s.name : s.attr}`;
  // count.* and each.* mean something different in every resource, so their container is part of the key.
  const container = (s.kind === "count" || s.kind === "each") && f.container ? `@${f.container.range.filename}:${f.container.range.start.byte}` : "";
  return `${f.module}\0${subject}${stepsText(f.ref.rest)}${container}`;
}

function attributeOf(f: Found): RelevantAttribute | undefined {
  const s = f.ref.subject;
  if (s.kind !== "resource") return undefined;
  let rest = f.ref.rest;
  let key = "";
  if (rest[0]?.kind === "index") {
    key = stepsText([rest[0]]);
    rest = rest.slice(1);
  }
  const resource = `${f.module ? `${f.module}.` : ""}${s.mode === "data" ? "data." : ""}${s.type}.${s.name}${key}`;
  return { resource, attribute: rest.map((step) => (step.kind === "attr" ? step.name : step.key)) };
}

/** The plan's relevant attributes, given the configuration it was made from. */
export function relevantAttributes(root: Config, plan: Plan, registry: ProviderRegistry): RelevantAttribute[] {
  const pending: Found[] = [];
  // Every instance of a resource has the same configuration: read it once (a count of 10,000 is one body).
  const started = new Set<string>();
  for (const c of plan.changes) {
    if (c.action === "no-op" || c.deposed) continue;
    const once = `${c.moduleAddress ?? ""}\0${c.mode}.${c.type}.${c.name}`;
    if (started.has(once)) continue;
    started.add(once);
    const pos = positionOf(root, c.moduleAddress);
    const r = pos && (c.mode === "data" ? pos.chain[pos.chain.length - 1]!.dataResources : pos.chain[pos.chain.length - 1]!.managedResources).get(resourceKey(c.mode, c.type, c.name));
    if (pos && r) pending.push(...resourceBodyRefs(pos, r, registry));
  }
  for (const o of plan.outputs) {
    if (o.action === "no-op") continue;
    pending.push(...exprRefs({ module: "", chain: [root] }, root.outputs.get(o.name)?.value));
  }
  const seen = new Map<string, Found>();
  for (const f of pending) if (!seen.has(foundKey(f))) seen.set(foundKey(f), f);
  const queue = [...seen.values()];
  for (let i = 0; i < queue.length; i++) {
    for (const next of metaReferences(queue[i]!, registry)) {
      const k = foundKey(next);
      if (seen.has(k)) continue;
      seen.set(k, next);
      queue.push(next);
    }
  }
  const unique = new Map<string, RelevantAttribute>();
  for (const f of seen.values()) {
    const a = attributeOf(f);
    if (a) unique.set(`${a.resource}\0${JSON.stringify(a.attribute)}`, a);
  }
  return [...unique.values()].sort((a, b) => compareStrings(a.resource, b.resource) || compareStrings(JSON.stringify(a.attribute), JSON.stringify(b.attribute)));
}
