import { formatTarget } from "../addrs/resource.js";
import type { Body, Expression, TraversalStep } from "../config/hcl/ast.js";
import type { Config, DependsOn, ModuleCall, ProviderRef, Resource } from "../config/model.js";
import { expressionReferences, type Reference } from "../config/references.js";
import { convert } from "../lang/convert.js";
import { evaluate } from "../lang/evaluate.js";
import { parseTypeConstraint } from "../lang/typeexpr.js";
import { isWhollyKnown, type Value } from "../lang/value.js";
import type { Json } from "../plan/plan.js";
import type { ProviderRegistry } from "../plan/providers.js";
import { toJson } from "../plan/values.js";
import type { Attribute } from "../sdk/attribute.js";
import { registryAddress } from "../sdk/schema-json.js";
import { providerSource, resourceSchema, declaredContent } from "./config-schema.js";
import { compareStrings } from "./encoding.js";

/**
 * The `configuration` object of Terraform's plan JSON: the configuration as written, not evaluated. Each
 * expression becomes `constant_value` (when it needs no variables and no functions) and/or `references` (every
 * reference, each followed by its shorter prefixes down to the referenced object, as Terraform lists them);
 * resources carry their provider config key, schema version and meta-arguments; module calls nest the child
 * module. Object keys come sorted where Terraform writes a Go map; fields in Terraform's struct order.
 */

type JsonObject = { [key: string]: Json };

/** Steps written as Terraform writes a remaining traversal: `.name`, `[0]`, `["key"]`. */
export function stepsText(steps: readonly TraversalStep[]): string {
  return steps.map((s) => (s.kind === "attr" ? `.${s.name}` : typeof s.key === "number" ? `[${s.key}]` : `[${JSON.stringify(s.key)}]`)).join("");
}

/**
 * One reference as Terraform's `references` list spells it: the whole traversal, then each shorter prefix down to
 * the referenced object, then the resource or module call without its instance key when the object had one.
 */
export function referenceTexts(ref: Reference): string[] {
  const s = ref.subject;
  let subject: string;
  let rest = ref.rest;
  let collection: string | undefined;
  switch (s.kind) {
    case "resource": {
      const base = `${s.mode === "data" ? "data." : ""}${s.type}.${s.name}`;
      const first = rest[0];
      if (first?.kind === "index") {
        subject = base + stepsText([first]);
        collection = base;
        rest = rest.slice(1);
      } else subject = base;
      break;
    }
    case "module": {
      // module.NAME, module.NAME[KEY], module.NAME.OUTPUT and module.NAME[KEY].OUTPUT are the objects here.
      const base = `module.${s.name}`;
      let i = 0;
      let call = base;
      if (rest[0]?.kind === "index") {
        call = base + stepsText([rest[0]]);
        i = 1;
      }
      const out = rest[i];
      if (out?.kind === "attr") {
        subject = `${call}.${out.name}`;
        collection = call;
        rest = rest.slice(i + 1);
      } else {
        subject = call;
        if (call !== base) collection = base;
        rest = rest.slice(i);
      }
      break;
    }
    case "var":
    case "local":
      subject = `${s.kind}.${s.name}`;
      break;
    case "self":
      subject = "self";
      break;
    default:
      subject = `${s.kind}.${s.attr}`;
  }
  const out: string[] = [];
  for (let n = rest.length; n > 0; n--) out.push(subject + stepsText(rest.slice(0, n)));
  out.push(subject);
  if (collection !== undefined) out.push(collection);
  return out;
}

/** The value of an expression that needs no scope and no functions, or undefined when it is not constant. */
function constantValue(expr: Expression): Json | undefined {
  const refs = expressionReferences(expr);
  if (refs.refs.length > 0 || refs.calls.length > 0 || refs.bad.length > 0) return undefined;
  const r = evaluate(expr, { functionTable: new Map() });
  if (r.diagnostics.length > 0 || !isWhollyKnown(r.value)) return undefined;
  return toJson(r.value);
}

/**
 * Where an expression came from the JSON syntax, its JSON exactly as written: Terraform evaluates a JSON expression
 * without a scope, where strings are not templates, so every JSON expression has that literal as its constant.
 */
export type RawJson = (expr: Expression) => Json | undefined;

/** A `RawJson` over the JSON-syntax files of a module tree (their text is kept with the parsed files). */
export function rawJsonOf(root: Config): RawJson {
  // Ranges count UTF-8 bytes: keep each file's bytes (once; a cdk.tf.json can be large).
  const sources = new Map<string, Buffer>();
  const visit = (c: Config): void => {
    for (const f of c.files) if (f.body.syntax === "json") sources.set(f.filename, Buffer.from(f.source, "utf8"));
    for (const child of c.children.values()) visit(child);
  };
  visit(root);
  return (expr) => {
    const bytes = sources.get(expr.range.filename);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(bytes.subarray(expr.range.start.byte, expr.range.end.byte).toString("utf8")) as Json;
    } catch {
      return undefined;
    }
  };
}

/** `{constant_value}` and/or `{references}` for one expression (`{}` when it is neither, e.g. a function of constants). */
export function expressionJson(expr: Expression, raw?: RawJson): JsonObject {
  const out: JsonObject = {};
  const constant = raw?.(expr) ?? constantValue(expr);
  if (constant !== undefined) out.constant_value = constant;
  const refs = expressionReferences(expr).refs.flatMap(referenceTexts);
  if (refs.length > 0) out.references = refs;
  return out;
}

/** The expressions of a body against its schema: arguments by name, nested blocks as lists of expression maps. */
export function bodyExpressionsJson(body: Body, attributes: Readonly<Record<string, Attribute>>, raw?: RawJson): JsonObject {
  const content = declaredContent(body, attributes);
  const out: JsonObject = {};
  for (const [name, attr] of content.attributes) out[name] = expressionJson(attr.expr, raw);
  for (const block of content.blocks) {
    const nested = attributes[block.type]?.block;
    if (!nested) continue;
    const item = bodyExpressionsJson(block.body, nested.attributes, raw);
    if (nested.nesting === "single") out[block.type] = item;
    else out[block.type] = [...((out[block.type] as Json[] | undefined) ?? []), item];
  }
  return sortedObject(out);
}

function sortedObject(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort(compareStrings)) out[k] = o[k]!;
  return out;
}

function dependsOnJson(list: readonly DependsOn[]): string[] {
  return list.map((d) => formatTarget(d.target));
}

/** What building the representation needs besides the configuration. */
interface Ctx {
  registry: ProviderRegistry;
  raw: RawJson;
}

/** Where a module sits: the chain of configs from the root, and its address (`module.a.module.b`, "" for the root). */
interface ModuleAt {
  chain: Config[];
  address: string;
}

/** The provider config key Terraform writes: `name[.alias]`, prefixed `module.x:` when a child module declares it. */
function providerKey(at: ModuleAt, ref: { name: string; alias?: string }): string {
  const local = ref.alias ? `${ref.name}.${ref.alias}` : ref.name;
  // Walk up while the module only passes the provider down (no provider block of its own for this key).
  let name = ref.name;
  let alias = ref.alias;
  for (let depth = at.chain.length - 1; depth > 0; depth--) {
    const mod = at.chain[depth]!;
    const key = alias ? `${name}.${alias}` : name;
    if (mod.providers.has(key)) return `${moduleAddressOf(at.chain, depth)}:${key}`;
    const parent = at.chain[depth - 1]!;
    const call = parent.moduleCalls.get(mod.path[mod.path.length - 1]!);
    const passed = call?.providers.find((p) => p.inChild.name === name && (p.inChild.alias ?? "") === (alias ?? ""));
    if (passed) {
      name = passed.inParent.name;
      alias = passed.inParent.alias;
    } else if (alias) {
      // An aliased configuration is never inherited implicitly: it must come from this module.
      return `${moduleAddressOf(at.chain, depth)}:${local}`;
    }
  }
  return alias ? `${name}.${alias}` : name;
}

function moduleAddressOf(chain: readonly Config[], depth: number): string {
  return chain[depth]!.path.slice(0, depth).map((n) => `module.${n}`).join(".");
}

function resourceJson(at: ModuleAt, r: Resource, ctx: Ctx): JsonObject {
  const ref: ProviderRef | { name: string } = r.provider ?? { name: r.providerName };
  const schema = resourceSchema(ctx.registry, at.chain, r);
  const out: JsonObject = {
    address: `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`,
    mode: r.mode,
    type: r.type,
    name: r.name,
    provider_config_key: providerKey(at, ref),
  };
  const expressions = schema ? bodyExpressionsJson(r.config, schema.attributes, ctx.raw) : {};
  if (Object.keys(expressions).length > 0) out.expressions = expressions;
  out.schema_version = schema?.schemaVersion ?? 0;
  if (r.count) out.count_expression = expressionJson(r.count, ctx.raw);
  if (r.forEach) out.for_each_expression = expressionJson(r.forEach, ctx.raw);
  if (r.dependsOn.length > 0) out.depends_on = dependsOnJson(r.dependsOn);
  return out;
}

/** A variable's default as Terraform records it: converted to the declared type when that works. */
function variableDefault(config: Config, name: string): Json | undefined {
  const v = config.variables.get(name)!;
  if (!v.default) return undefined;
  const r = evaluate(v.default, { functionTable: new Map() });
  if (r.diagnostics.length > 0 || !isWhollyKnown(r.value)) return undefined;
  let value: Value = r.value;
  if (v.type) {
    const t = parseTypeConstraint(v.type);
    if (t.diagnostics.length === 0) {
      const c = convert(value, t.type);
      if (c.ok) value = c.value;
    }
  }
  return toJson(value);
}

function moduleJson(at: ModuleAt, ctx: Ctx): JsonObject {
  const config = at.chain[at.chain.length - 1]!;
  const out: JsonObject = {};
  const outputs: JsonObject = {};
  for (const name of [...config.outputs.keys()].sort(compareStrings)) {
    const o = config.outputs.get(name)!;
    const entry: JsonObject = {};
    if (o.sensitive) entry.sensitive = true;
    entry.expression = expressionJson(o.value, ctx.raw);
    if (o.dependsOn.length > 0) entry.depends_on = dependsOnJson(o.dependsOn);
    if (o.description) entry.description = o.description;
    outputs[name] = entry;
  }
  if (Object.keys(outputs).length > 0) out.outputs = outputs;

  const byAddress = (rs: Iterable<Resource>) => [...rs].map((r) => resourceJson(at, r, ctx)).sort((a, b) => compareStrings(a.address as string, b.address as string));
  const resources = [...byAddress(config.managedResources.values()), ...byAddress(config.dataResources.values())];
  if (resources.length > 0) out.resources = resources;

  const calls: JsonObject = {};
  for (const name of [...config.moduleCalls.keys()].sort(compareStrings)) {
    calls[name] = moduleCallJson(at, config.moduleCalls.get(name)!, ctx);
  }
  if (Object.keys(calls).length > 0) out.module_calls = calls;

  const variables: JsonObject = {};
  for (const name of [...config.variables.keys()].sort(compareStrings)) {
    const v = config.variables.get(name)!;
    const entry: JsonObject = {};
    const def = variableDefault(config, name);
    if (def !== undefined) entry.default = def;
    if (v.description) entry.description = v.description;
    if (v.sensitive) entry.sensitive = true;
    variables[name] = entry;
  }
  if (Object.keys(variables).length > 0) out.variables = variables;
  return out;
}

function moduleCallJson(at: ModuleAt, call: ModuleCall, ctx: Ctx): JsonObject {
  const out: JsonObject = { source: call.source };
  const expressions: JsonObject = {};
  for (const name of [...call.inputs.keys()].sort(compareStrings)) expressions[name] = expressionJson(call.inputs.get(name)!.expr, ctx.raw);
  if (Object.keys(expressions).length > 0) out.expressions = expressions;
  if (call.count) out.count_expression = expressionJson(call.count, ctx.raw);
  if (call.forEach) out.for_each_expression = expressionJson(call.forEach, ctx.raw);
  const child = at.chain[at.chain.length - 1]!.children.get(call.name);
  const address = `${at.address ? `${at.address}.` : ""}module.${call.name}`;
  out.module = child ? moduleJson({ chain: [...at.chain, child], address }, ctx) : {};
  if (call.version) out.version_constraint = call.version;
  if (call.dependsOn.length > 0) out.depends_on = dependsOnJson(call.dependsOn);
  return out;
}

/**
 * `provider_config`: every provider configuration the root declares, requires or implies by use, and every one
 * a child module declares itself (keyed `module.x:name`). Providers a child only inherits are not listed; its
 * resources point at the parent's key.
 */
function providerConfigJson(root: Config, ctx: Ctx): JsonObject {
  const out: JsonObject = {};
  const visit = (chain: Config[]): void => {
    const config = chain[chain.length - 1]!;
    const depth = chain.length - 1;
    const modAddr = depth === 0 ? "" : moduleAddressOf(chain, depth);
    const add = (name: string, alias: string | undefined, body: Body | undefined): void => {
      const local = alias ? `${name}.${alias}` : name;
      const key = depth === 0 ? local : `${modAddr}:${local}`;
      if (out[key] !== undefined) return;
      const source = providerSource(chain, name);
      const entry: JsonObject = { name, full_name: registryAddress(source) };
      if (alias) entry.alias = alias;
      const version = config.terraform.requiredProviders.get(name)?.version;
      if (version) entry.version_constraint = version;
      if (depth > 0) entry.module_address = modAddr;
      const provider = ctx.registry.bySource(source);
      const expressions = body && provider ? bodyExpressionsJson(body, provider.attributes, ctx.raw) : {};
      if (Object.keys(expressions).length > 0) entry.expressions = expressions;
      out[key] = entry;
    };
    for (const pc of config.providers.values()) add(pc.name, pc.alias, pc.config);
    if (depth === 0) {
      for (const rp of config.terraform.requiredProviders.values()) add(rp.name, undefined, undefined);
      for (const r of [...config.managedResources.values(), ...config.dataResources.values()]) if (!r.provider?.alias) add(r.provider?.name ?? r.providerName, undefined, undefined);
    }
    for (const name of config.moduleCalls.keys()) {
      const child = config.children.get(name);
      if (child) visit([...chain, child]);
    }
  };
  visit([root]);
  // Implied root providers used only inside child modules are root configurations too.
  const implied = (chain: Config[]): void => {
    const config = chain[chain.length - 1]!;
    for (const r of [...config.managedResources.values(), ...config.dataResources.values()]) {
      const key = providerKey({ chain, address: "" }, r.provider ?? { name: r.providerName });
      if (!key.includes(":") && out[key] === undefined) {
        const [name, alias] = key.split(".") as [string, string | undefined];
        out[key] = { name, full_name: registryAddress(providerSource([root], name)), ...(alias ? { alias } : {}) };
      }
    }
    for (const name of config.moduleCalls.keys()) {
      const child = config.children.get(name);
      if (child) implied([...chain, child]);
    }
  };
  implied([root]);
  return sortedObject(out);
}

/** Terraform's `configuration` representation of a loaded root module (children included). */
export function configurationJson(root: Config, registry: ProviderRegistry): Json {
  const out: JsonObject = {};
  const ctx: Ctx = { registry, raw: rawJsonOf(root) };
  const providers = providerConfigJson(root, ctx);
  if (Object.keys(providers).length > 0) out.provider_config = providers;
  out.root_module = moduleJson({ chain: [root], address: "" }, ctx);
  return out;
}
