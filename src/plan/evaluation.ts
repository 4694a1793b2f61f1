import { relative } from "node:path";
import { formatKey, formatModulePath, type ModuleStep, type TargetAddr } from "../addrs/resource.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Body, Expression } from "../config/hcl/ast.js";
import type { Config, ModuleCall, Output, ProviderConfig, Resource as ConfigResource, Variable } from "../config/model.js";
import { resourceKey } from "../config/model.js";
import { Graph } from "../graph/graph.js";
import { evaluate, type Scope } from "../lang/evaluate.js";
import { functionContext, type FunctionContext } from "../lang/functions/index.js";
import { references, type Reference } from "../lang/reference.js";
import { parseProviderConfig } from "../state/provider-config.js";
import { problem, type Problem } from "../lang/traverse.js";
import { newObject, UNKNOWN, type Value } from "../lang/value.js";
import { parseInstanceAddress } from "../state/address.js";
import type { InstanceKeyInfo } from "./instance.js";
import { IMPLIED_SOURCES, providerConfigAddress, type ConfiguredProvider, type ProviderRegistry } from "./providers.js";

/**
 * The evaluation machinery plan and apply share: one scope per module (values of its variables, locals,
 * resources, module calls), and the dependency graph of configuration objects across the module tree, with
 * edges found from the references in every expression.
 */

/**
 * One module instance. The scopes built with the graph are the module tree's templates (no instance keys); a
 * template stands for itself when neither it nor an ancestor is called with count/for_each, and otherwise the
 * walk creates one instance per key as it visits the module calls (`instances`).
 */
export class ModuleScope {
  readonly vars = new Map<string, Value>();
  readonly locals = new Map<string, Value>();
  /** Resource values by `type.name` / `data.type.name`: an object, a tuple (count) or an object by key (for_each). */
  readonly resources = new Map<string, Value>();
  readonly outputs = new Map<string, Value>();
  /** The instances of each child module call of this module instance, by call name, once the call is expanded. */
  readonly calls = new Map<string, CallInstances>();
  /** Template children, by call name (the static tree the graph is built from). */
  readonly children = new Map<string, ModuleScope>();
  /** For a template: the module instances it stands for, filled as the walk expands the calls above it. */
  instances: ModuleScope[] = [];
  readonly functions: FunctionContext;
  /** The module instance path from the root (`module.a[0].module.b`); the same names as `path`. */
  readonly steps: readonly ModuleStep[];

  constructor(
    readonly config: Config,
    /** Module call names from the root (no instance keys). */
    readonly path: string[],
    readonly parent: ModuleScope | undefined,
    readonly rootDir: string,
    readonly planning: boolean,
    /** `count.index` / `each` of this instance in its call's arguments (none for an unrepeated call). */
    readonly repetition: InstanceKeyInfo = {},
  ) {
    this.functions = functionContext({ baseDir: config.dir, planning });
    const key = repetition.key;
    this.steps = parent ? [...parent.steps, key === undefined ? { name: path[path.length - 1]! } : { name: path[path.length - 1]!, key }] : [];
  }

  /** `terraform.workspace`: the selected workspace, set on the root scope (Terraform's is per run). */
  workspace = "default";

  root(): ModuleScope {
    return this.parent ? this.parent.root() : this;
  }

  // The three below are asked for per resource instance: made once, since steps and path never change.
  private prefixText: string | undefined;
  private nodePrefixText: string | undefined;
  private addressText: string | undefined;

  /** `module.a["k"].module.b.` — the prefix of the addresses of this module instance's objects. */
  get prefix(): string {
    return (this.prefixText ??= this.steps.map((s) => `module.${s.name}${formatKey(s.key)}.`).join(""));
  }

  /** `module.a.module.b.` — the prefix of graph node names (configuration addresses) in this module. */
  get nodePrefix(): string {
    return (this.nodePrefixText ??= this.path.map((p) => `module.${p}.`).join(""));
  }

  /** `module.a["k"]` (empty for the root), as plan JSON's `module_address`. */
  get address(): string {
    return (this.addressText ??= formatModulePath(this.steps));
  }

  /** A new instance of this template's module under `parent` (an instance of this template's parent). */
  instantiate(parent: ModuleScope, repetition: InstanceKeyInfo): ModuleScope {
    return new ModuleScope(this.config, this.path, parent, this.rootDir, this.planning, repetition);
  }

  /** Resolves a reference subject in this module; `each`/`count`/`self` come from the caller's instance scope. */
  resolve(ref: Reference): Value | Problem {
    const s = ref.subject;
    switch (s.kind) {
      case "var":
        return evaluated(this.vars, s.name);
      case "local":
        return evaluated(this.locals, s.name);
      case "resource":
        // A resource's value is an object, tuple or map when it has one; null marks an instance with no object
        // (a destroy or refresh-only plan of something never created), which references see as unknown.
        return this.resources.get(resourceKey(s.mode, s.type, s.name)) ?? UNKNOWN;
      case "module":
        return callValue(this.calls.get(s.name));
      case "path":
        return s.attr === "module" ? relOrAbs(this.config.dir) : s.attr === "root" ? relOrAbs(this.rootDir) : process.cwd();
      case "terraform":
        return s.attr === "workspace" ? this.root().workspace : problem("Invalid \"terraform\" attribute", `The "terraform" object has no attribute "${s.attr}".`);
      case "each":
        return problem('Reference to "each" in context without for_each', 'The "each" object can be used only in "module" or "resource" blocks, and only when the "for_each" argument is set.');
      case "count":
        return problem('Reference to "count" in non-counted context', 'The "count" object can only be used in "module", "resource", and "data" blocks, and only when the "count" argument is set.');
      case "self":
        return problem('Invalid "self" reference', 'The "self" object is not available in this context.');
    }
  }

  private moduleScope: Scope | undefined;

  /** A scope for expressions of this module; `instance` supplies `each`/`count` for one resource instance. */
  scope(instance?: { each?: { key: Value; value: Value }; count?: number; self?: Value }): Scope {
    // One scope serves every expression without each / count / self (a new one per instance was pure garbage).
    if (!instance || (instance.each === undefined && instance.count === undefined && instance.self === undefined)) {
      return (this.moduleScope ??= { functions: this.functions, resolve: (ref) => this.resolve(ref) });
    }
    return {
      functions: this.functions,
      resolve: (ref) => {
        const s = ref.subject;
        if (instance?.each && s.kind === "each") return s.attr === "key" ? instance.each.key : instance.each.value;
        if (instance?.count !== undefined && s.kind === "count") return instance.count;
        if (instance?.self !== undefined && s.kind === "self") return instance.self;
        return this.resolve(ref);
      },
    };
  }

  evaluate(expr: Expression, diags: Diagnostic[], scope: Scope = this.scope()): Value {
    const r = evaluate(expr, scope);
    diags.push(...r.diagnostics);
    return r.value;
  }
}

/** The instances of one module call in one parent instance. */
export interface CallInstances {
  repetition: "single" | "count" | "for_each";
  instances: ModuleScope[];
  /** The last value built, with the number of outputs evaluated then (outputs are only ever added). */
  cache?: { outputs: number; value: Value };
}

/**
 * What `module.NAME` evaluates to: the object of the instance's outputs, a tuple of them (count) or an object
 * of them by key (for_each); unknown while the call is not expanded (unknown count / for_each).
 */
function callValue(c: CallInstances | undefined): Value {
  if (!c) return UNKNOWN;
  // A reference from each of n instances to a call of n instances would otherwise build n² objects.
  let outputs = 0;
  for (const m of c.instances) outputs += m.outputs.size;
  if (c.cache?.outputs !== outputs) c.cache = { outputs, value: buildCallValue(c) };
  return c.cache.value;
}

/** A value evaluated so far, or unknown when it is not (yet): `?? UNKNOWN` would turn a null value unknown. */
function evaluated(values: ReadonlyMap<string, Value>, name: string): Value {
  const v = values.get(name);
  return v === undefined && !values.has(name) ? UNKNOWN : (v as Value);
}

function buildCallValue(c: CallInstances): Value {
  const outputsOf = (m: ModuleScope): Value => {
    const o = newObject();
    // An output not evaluated (an error in it) is unknown rather than missing, so references report it once.
    for (const name of m.config.outputs.keys()) o[name] = evaluated(m.outputs, name);
    return o;
  };
  switch (c.repetition) {
    case "single":
      return c.instances[0] ? outputsOf(c.instances[0]) : UNKNOWN;
    case "count":
      return c.instances.map(outputsOf);
    case "for_each": {
      const o = newObject();
      for (const m of c.instances) o[String(m.repetition.key)] = outputsOf(m);
      return o;
    }
  }
}

/**
 * The configuration address of a resource instance address: module instance keys and the instance key
 * dropped (`module.a["k"].x.y[0]` → `module.a.x.y`), as graph nodes and state `dependencies` name resources.
 */
export function configAddressOf(address: string): string {
  const a = parseInstanceAddress(address);
  return `${a.module.map((m) => `module.${m.name}.`).join("")}${a.mode === "data" ? "data." : ""}${a.type}.${a.name}`;
}

function relOrAbs(dir: string): string {
  const r = relative(process.cwd(), dir);
  return r === "" ? "." : r.startsWith("..") ? dir : r;
}

/** What a graph node stands for. */
export type NodeInfo =
  | { kind: "var"; mod: ModuleScope; variable: Variable; call?: ModuleCall }
  | { kind: "local"; mod: ModuleScope; name: string; expr: Expression }
  | { kind: "output"; mod: ModuleScope; output: Output }
  | { kind: "resource"; mod: ModuleScope; resource: ConfigResource; providerNode: string }
  | { kind: "provider"; mod: ModuleScope; key: string; name: string; alias?: string; source: string; config?: ProviderConfig }
  /** A module call in `mod`: expands into the instances of `child` (count / for_each) per instance of `mod`. */
  | { kind: "call"; mod: ModuleScope; call: ModuleCall; child: ModuleScope };

export interface EvaluationGraph {
  graph: Graph;
  nodes: Map<string, NodeInfo>;
  root: ModuleScope;
  /** Every module instance by address prefix (`""` for the root), filled in as the walk expands module calls. */
  modules: Map<string, ModuleScope>;
  diagnostics: Diagnostic[];
}

/**
 * Builds the module templates and the dependency graph of the whole configuration. Node names are
 * configuration addresses: `var.x`, `local.y`, `output.z`, `zstack_cdp_task.web`, `data.t.n`, `provider.zstack`,
 * `module.NAME` (the call, which expands count / for_each), each prefixed with `module.NAME.` inside modules;
 * every node inside a module depends on its call. A node's visit covers every instance of its module. Errors
 * (unknown providers, provider blocks in repeated modules) are diagnostics.
 */
export function buildEvaluationGraph(root: Config, registry: ProviderRegistry, planning: boolean, workspace = "default"): EvaluationGraph {
  const graph = new Graph();
  const nodes = new Map<string, NodeInfo>();
  const modules = new Map<string, ModuleScope>();
  const diagnostics: Diagnostic[] = [];
  const rootScope = new ModuleScope(root, [], undefined, root.dir, planning);
  rootScope.workspace = workspace;
  rootScope.instances = [rootScope];
  modules.set("", rootScope);
  /** The call node of each module template but the root. */
  const callNodes = new Map<ModuleScope, string>();
  const deferredEdges: [string, ModuleScope, Expression[]][] = [];

  const add = (name: string, info: NodeInfo) => {
    graph.addNode(name);
    nodes.set(name, info);
  };

  const visitModule = (mod: ModuleScope) => {
    const cfg = mod.config;
    const p = mod.nodePrefix;
    for (const v of cfg.variables.values()) {
      const call = mod.parent?.config.moduleCalls.get(mod.path[mod.path.length - 1]!);
      add(`${p}var.${v.name}`, { kind: "var", mod, variable: v, ...(call ? { call } : {}) });
      if (call && mod.parent) {
        const input = call.inputs.get(v.name);
        const exprs = input ? [input.expr] : [];
        deferredEdges.push([`${p}var.${v.name}`, mod.parent, exprs]);
        for (const d of call.dependsOn) deferredEdges.push([`${p}var.${v.name}`, mod.parent, [d.expr]]);
      }
    }
    for (const l of cfg.locals.values()) {
      add(`${p}local.${l.name}`, { kind: "local", mod, name: l.name, expr: l.expr });
      deferredEdges.push([`${p}local.${l.name}`, mod, [l.expr]]);
    }
    for (const o of cfg.outputs.values()) {
      add(`${p}output.${o.name}`, { kind: "output", mod, output: o });
      deferredEdges.push([`${p}output.${o.name}`, mod, [o.value, ...o.dependsOn.map((d) => d.expr), ...o.preconditions.flatMap((c) => [c.condition, c.errorMessage])]]);
    }
    for (const r of [...cfg.managedResources.values(), ...cfg.dataResources.values()]) {
      const providerNode = providerNodeFor(mod, r);
      const name = `${p}${resourceKey(r.mode, r.type, r.name)}`;
      add(name, { kind: "resource", mod, resource: r, providerNode });
      const exprs: Expression[] = bodyExpressionList(r.config);
      if (r.count) exprs.push(r.count);
      if (r.forEach) exprs.push(r.forEach);
      for (const d of r.dependsOn) exprs.push(d.expr);
      for (const e of r.lifecycle.replaceTriggeredBy) exprs.push(e);
      for (const c of r.lifecycle.preconditions) exprs.push(c.condition, c.errorMessage);
      for (const c of r.lifecycle.postconditions) exprs.push(c.condition, c.errorMessage);
      for (const t of r.timeouts.values()) exprs.push(t.expr);
      deferredEdges.push([name, mod, exprs]);
    }
    for (const call of cfg.moduleCalls.values()) {
      const child = cfg.children.get(call.name);
      if (!child) continue;
      // A provider block would be configured once per instance; Terraform refuses it (depends_on aside).
      if (call.count || call.forEach) {
        const withProviders = moduleWithProviders(child, [...mod.path, call.name]);
        if (withProviders) {
          diagnostics.push({
            severity: "error",
            summary: "Module is incompatible with count, for_each, and depends_on",
            detail: `The module at module.${[...mod.path, call.name].join(".module.")} contains its own provider configurations (in ${withProviders}), so calls to it may not use the count or for_each arguments. Pass provider configurations in with the "providers" argument instead.`,
            subject: (call.count ?? call.forEach)!.range,
          });
        }
      }
      const scope = new ModuleScope(child, [...mod.path, call.name], mod, root.dir, planning);
      mod.children.set(call.name, scope);
      const callNode = `${p}module.${call.name}`;
      add(callNode, { kind: "call", mod, call, child: scope });
      callNodes.set(scope, callNode);
      const exprs: Expression[] = [...(call.count ? [call.count] : []), ...(call.forEach ? [call.forEach] : []), ...call.dependsOn.map((d) => d.expr)];
      deferredEdges.push([callNode, mod, exprs]);
      visitModule(scope);
    }
  };

  /** Finds (creating when implied) the provider node a resource uses: the nearest module declaring it. */
  const providerNodeFor = (mod: ModuleScope, r: ConfigResource): string => {
    const key = r.provider ? (r.provider.alias ? `${r.provider.name}.${r.provider.alias}` : r.provider.name) : r.providerName;
    for (let m: ModuleScope | undefined = mod; m; m = m.parent) {
      const pc = m.config.providers.get(key);
      if (pc) return ensureProvider(m, key, pc.name, pc.alias, pc);
    }
    const name = r.provider?.name ?? r.providerName;
    if (r.provider?.alias) {
      diagnostics.push({
        severity: "error",
        summary: "Provider configuration not present",
        detail: `To work with ${r.type}.${r.name} its original provider configuration at provider["${name}"].${r.provider.alias} is required, but no such provider block exists.`,
        subject: r.provider.range,
      });
    }
    return ensureProvider(rootScope, name, name, undefined, undefined);
  };

  const ensureProvider = (mod: ModuleScope, key: string, name: string, alias: string | undefined, pc: ProviderConfig | undefined): string => {
    const nodeName = `${mod.nodePrefix}provider.${key}`;
    if (nodes.has(nodeName)) return nodeName;
    const source = sourceFor(mod, name);
    if (!registry.bySource(source)) {
      diagnostics.push({
        severity: "error",
        summary: "Provider not available",
        detail: `backplan has no provider "${source}" (local name "${name}"). Available: ${registry.all().map((p) => p.source).join(", ")}.`,
        ...(pc ? { subject: pc.declRange } : {}),
      });
    }
    add(nodeName, { kind: "provider", mod, key, name, ...(alias ? { alias } : {}), source, ...(pc ? { config: pc } : {}) });
    if (pc) deferredEdges.push([nodeName, mod, [...bodyExpressions(pc.config)]]);
    return nodeName;
  };

  const sourceFor = (mod: ModuleScope, name: string): string => {
    for (let m: ModuleScope | undefined = mod; m; m = m.parent) {
      const rp = m.config.terraform.requiredProviders.get(name);
      if (rp?.source) return rp.source;
    }
    return IMPLIED_SOURCES[name] ?? `hashicorp/${name}`;
  };

  visitModule(rootScope);

  for (const [node, mod, exprs] of deferredEdges) {
    for (const e of exprs) {
      for (const ref of references(e)) for (const dep of dependencyNodes(ref, mod, nodes)) if (dep !== node) graph.addDependency(node, dep);
    }
  }
  for (const [name, info] of nodes) {
    if (info.kind === "resource") graph.addDependency(name, info.providerNode);
    // Every object of a module is evaluated per instance, so after the call that decides the instances.
    const call = callNodes.get(info.mod);
    if (call) graph.addDependency(name, call);
  }
  return { graph, nodes, root: rootScope, modules, diagnostics };
}

/**
 * Adds a root-module provider node after the graph was built, for a provider only orphaned state still needs
 * (its resources left the configuration). The root module's `provider` block for `key`, when there is one, is
 * its configuration, with edges to what the block refers to — without it the provider would be configured empty.
 */
function addRootProvider(eg: EvaluationGraph, key: string, name: string, alias: string | undefined, source: string): void {
  const node = `provider.${key}`;
  if (eg.nodes.has(node)) return;
  const pc = eg.root.config.providers.get(key);
  eg.graph.addNode(node);
  eg.nodes.set(node, { kind: "provider", mod: eg.root, key, name, ...(alias ? { alias } : {}), source, ...(pc ? { config: pc } : {}) });
  if (!pc) return;
  for (const e of bodyExpressions(pc.config)) {
    for (const ref of references(e)) for (const dep of dependencyNodes(ref, eg.root, eg.nodes)) if (dep !== node) eg.graph.addDependency(node, dep);
  }
}

/**
 * Adds root provider nodes for providers that only orphaned objects still use (`providers`: the provider
 * configuration addresses of the state's or the plan's objects), so their deletes can run.
 */
export function addOrphanProviders(eg: EvaluationGraph, providers: Iterable<string>, registry: ProviderRegistry): void {
  const known = new Set<string>();
  for (const info of eg.nodes.values()) if (info.kind === "provider") known.add(providerAddressOf(info));
  for (const address of providers) {
    if (known.has(address)) continue;
    const pc = parseProviderConfig(address);
    if (!pc || pc.module || !registry.bySource(pc.source)) continue;
    const name = pc.source.split("/").pop()!;
    addRootProvider(eg, pc.alias ? `${name}.${pc.alias}` : name, name, pc.alias, pc.source);
    known.add(address);
  }
}

/** `module.a.module.b` naming the module in `cfg`'s subtree that has provider blocks, if any. */
function moduleWithProviders(cfg: Config, path: string[]): string | undefined {
  if (cfg.providers.size > 0) return `module.${path.join(".module.")}`;
  for (const [name, child] of cfg.children) {
    const found = moduleWithProviders(child, [...path, name]);
    if (found) return found;
  }
  return undefined;
}

/** The graph nodes a reference in module `mod` depends on. */
function dependencyNodes(ref: Reference, mod: ModuleScope, nodes: Map<string, NodeInfo>): string[] {
  const s = ref.subject;
  const p = mod.nodePrefix;
  switch (s.kind) {
    case "var":
      return present(nodes, `${p}var.${s.name}`);
    case "local":
      return present(nodes, `${p}local.${s.name}`);
    case "resource":
      return present(nodes, `${p}${resourceKey(s.mode, s.type, s.name)}`);
    case "module": {
      const child = mod.children.get(s.name);
      if (!child) return [];
      return [`${p}module.${s.name}`, ...[...child.config.outputs.keys()].map((o) => `${child.nodePrefix}output.${o}`)];
    }
    default:
      return [];
  }
}

function present(nodes: Map<string, NodeInfo>, name: string): string[] {
  return nodes.has(name) ? [name] : [];
}

/** Every expression in a body, nested blocks included (for dependency discovery). */
/** `bodyExpressions` as a list, without a generator per body (this runs once per resource of a configuration). */
function bodyExpressionList(body: Body, out: Expression[] = []): Expression[] {
  for (const a of body.attributes) out.push(a.expr);
  for (const b of body.blocks) bodyExpressionList(b.body, out);
  return out;
}

export function* bodyExpressions(body: Body): Generator<Expression> {
  for (const a of body.attributes) yield a.expr;
  for (const b of body.blocks) yield* bodyExpressions(b.body);
}

/** The configured providers of a run, by provider node name. */
export class ProviderClients {
  private readonly clients = new Map<string, ConfiguredProvider>();

  set(node: string, c: ConfiguredProvider): void {
    this.clients.set(node, c);
  }

  get(node: string): ConfiguredProvider | undefined {
    return this.clients.get(node);
  }

  /** Finds a configured provider by its state address (for orphans whose config is gone). */
  byAddress(address: string): ConfiguredProvider | undefined {
    for (const c of this.clients.values()) if (c.address === address) return c;
    return undefined;
  }

  values(): IterableIterator<ConfiguredProvider> {
    return this.clients.values();
  }

  async closeAll(): Promise<void> {
    for (const c of this.clients.values()) await c.provider.close(c.client);
  }
}

export function providerAddressOf(info: Extract<NodeInfo, { kind: "provider" }>): string {
  return providerConfigAddress(info.source, info.alias, info.mod.nodePrefix);
}

/**
 * Whether the instance keys a target gives for its module steps (`module.a["k"]`) agree with a module
 * instance path of the same names; a step without a key stands for every instance.
 */
export function matchesTargetKeys(t: TargetAddr, steps: readonly ModuleStep[]): boolean {
  return t.module.every((m, i) => m.key === undefined || steps[i]?.key === m.key);
}

/** Whether a resource (in module `prefix`) is selected by the -target / -exclude addresses. */
export function matchesTarget(t: TargetAddr, modulePath: readonly string[], mode: "managed" | "data", type: string, name: string, key?: number | string): boolean {
  const tm = t.module.map((m) => m.name);
  if (t.kind === "module") return tm.length <= modulePath.length && tm.every((n, i) => n === modulePath[i]);
  if (tm.length !== modulePath.length || !tm.every((n, i) => n === modulePath[i])) return false;
  if (t.resource.mode !== mode || t.resource.type !== type || t.resource.name !== name) return false;
  return t.kind === "resource" || key === undefined || t.key === key;
}

