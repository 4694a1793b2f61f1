import type { TargetAddr } from "../addrs/resource.js";
import { formatKey, formatModulePath, type ModuleStep } from "../addrs/resource.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Config, Resource as ConfigResource } from "../config/model.js";
import type { GivenVariable } from "../lang/variable.js";
import { walk } from "../graph/walk.js";
import { typeOf } from "../lang/types.js";
import { isWhollyKnown, markSensitive, unmark, UNKNOWN as LANG_UNKNOWN, type Value } from "../lang/value.js";
import { references } from "../lang/reference.js";
import { AttributeError } from "../sdk/attribute-error.js";
import type { DataSource, Resource } from "../sdk/define.js";
import { planResourceChange, sameValue } from "../sdk/plan-change.js";
import { valuesEqual, type SdkObject } from "../sdk/value.js";
import type { PendingCreate } from "../state/journal-format.js";
import { parseProviderConfig } from "../state/provider-config.js";
import type { InstanceObject, JsonValue, ResourceState, State } from "../state/state.js";
import type { ActionReason } from "./action.js";
import { addOrphanProviders, buildEvaluationGraph, configAddressOf, matchesTarget, matchesTargetKeys, ModuleScope, ProviderClients, providerAddressOf, type EvaluationGraph, type NodeInfo } from "./evaluation.js";
import { aggregateValue, applyIgnoreChanges, argumentRange, checkConditions, evaluateInstanceConfig, expandInstances, fillUnstoredArguments, type InstanceKeyInfo } from "./instance.js";
import type { OutputChange, Plan, PlanDiagnostic, PlanMode, ResourceChange } from "./plan.js";
import { opContext, type ConfiguredProvider, type ProviderRegistry } from "./providers.js";
import { RunBase } from "./run-base.js";
import { blockObjectType, objectSchemaOf, typeJson } from "./schema.js";
import { fromStatePaths, sdkToState, stateToSdk, toStatePaths } from "./state-values.js";
import { fromSdk, toJson, toPlanValue, toSdk } from "./values.js";
import { applyMoved } from "./moved.js";

export interface PlanRequest {
  root: Config;
  /** The prior state (not modified). */
  state: State;
  /** Creates recorded as about to happen by a run that did not finish (adopted when the object exists). */
  pending: readonly PendingCreate[];
  registry: ProviderRegistry;
  variables: ReadonlyMap<string, GivenVariable>;
  /** The selected workspace (`terraform.workspace`); default "default". */
  workspace?: string;
  mode: PlanMode;
  refresh: boolean;
  targets: readonly TargetAddr[];
  excludes: readonly TargetAddr[];
  /** The -target/-exclude/-replace flags as typed, recorded in the plan for reviewers. */
  targetTexts?: string[];
  /** `-replace=ADDR` instance addresses. */
  replace: readonly string[];
  parallelism: number;
  signal: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  configHash: string;
  /** Lineage and serial of the state file of record (lineage "" when there is none yet). */
  stamp: { lineage: string; serial: number };
}

export interface PlanOutcome {
  plan: Plan;
  diagnostics: Diagnostic[];
  /**
   * The prior state after refresh (and after `moved`, imports and adoptions): what apply starts from. Copied
   * from the prior state on first access when the plan wrote nothing to it.
   */
  readonly refreshed: State;
  /** The same state without the copy, for callers that only read it (a copy of 100,000 instances costs seconds). */
  readonly refreshedView: State;
  /** Configured providers, for apply to reuse; the caller closes them. */
  providers: ProviderClients;
}

/**
 * Makes a plan: refreshes the prior state through the providers, evaluates the configuration instance by
 * instance, and classifies each instance's change (see `classify` for the rules). Never throws for bad
 * configuration or provider errors: they are diagnostics and the plan is marked errored.
 */
export async function makePlan(req: PlanRequest): Promise<PlanOutcome> {
  const diags: Diagnostic[] = [];
  const eg = buildEvaluationGraph(req.root, req.registry, true, req.workspace);
  diags.push(...eg.diagnostics);
  // Only `moved` blocks rewrite the prior state; without them the (unmodified) request state serves as is.
  const prior = hasMoved(req.root) ? req.state.clone() : req.state;
  const moves = applyMoved(req.root, prior, diags);
  // Copied on first write: a no-op plan of n instances then never copies the whole state.
  const refreshed = new CopyOnWrite(prior);
  const providers = new ProviderClients();
  const planner = new Planner(req, eg, prior, refreshed, providers, moves, diags);
  if (!diags.some((d) => d.severity === "error")) await planner.run();
  const errored = diags.some((d) => d.severity === "error");
  const plan: Plan = {
    formatVersion: 1,
    timestamp: new Date().toISOString(),
    mode: req.mode,
    changes: planner.changes,
    drift: planner.drift,
    outputs: planner.outputChanges,
    variables: planner.variableRecord,
    prior: { ...req.stamp },
    configHash: req.configHash,
    targets: req.targetTexts ?? [],
    complete: req.targets.length === 0 && req.excludes.length === 0 && !errored,
    errored,
    diagnostics: diags.map(toPlanDiagnostic),
  };
  return {
    plan,
    diagnostics: diags,
    get refreshed() {
      return refreshed.get();
    },
    get refreshedView() {
      return refreshed.peek();
    },
    providers,
  };
}

/** A state copied from `base` the first time it is asked for (`base` must not change meanwhile). */
class CopyOnWrite {
  private copy: State | undefined;

  constructor(private readonly base: State) {}

  get(): State {
    return (this.copy ??= this.base.clone());
  }

  /** The copy if one was made, else the base itself: for reading only. */
  peek(): State {
    return this.copy ?? this.base;
  }
}

function hasMoved(cfg: Config): boolean {
  if (cfg.moved.length > 0) return true;
  for (const child of cfg.children.values()) if (hasMoved(child)) return true;
  return false;
}

function toPlanDiagnostic(d: Diagnostic): PlanDiagnostic {
  const where = d.subject ? `${d.subject.filename}:${d.subject.start.line}:${d.subject.start.column}: ` : "";
  return { severity: d.severity, summary: d.summary, detail: `${where}${d.detail}` };
}

class Planner extends RunBase {
  readonly changes: ResourceChange[] = [];
  readonly drift: ResourceChange[] = [];
  readonly outputChanges: OutputChange[] = [];
  /**
   * Per prior-state object (the state's own, as `viewInstance` and `resourcesView` give it): the batch read that
   * refreshes it and its place in the answer (null there: gone). Keyed by the object, not by an address string:
   * one string and one promise per instance were a large part of a no-op plan's garbage.
   */
  private readonly refreshes = new Map<InstanceObject, { batch: Promise<(SdkObject | null)[]>; index: number }>();
  private readonly included: Set<string> | undefined;

  constructor(
    private readonly req: PlanRequest,
    eg: EvaluationGraph,
    private readonly prior: State,
    private readonly refreshed: CopyOnWrite,
    providers: ProviderClients,
    private readonly moves: Map<string, string>,
    diags: Diagnostic[],
  ) {
    super(req, eg, providers, diags);
    this.included = selectedNodes(eg, req.targets, req.excludes);
  }

  async run(): Promise<void> {
    addOrphanProviders(this.eg, this.priorView().map((rs) => rs.provider), this.req.registry);
    const result = await walk(this.eg.graph, {
      parallelism: this.req.parallelism,
      signal: this.req.signal,
      visit: (node) => this.visit(node),
    });
    for (const [node, outcome] of result.outcomes) {
      if (outcome.status === "failed") {
        const e = outcome.error;
        this.diags.push({ severity: "error", summary: `Error planning ${node}`, detail: e instanceof Error ? e.message : String(e) });
      }
    }
    if (result.cancelled.length) this.diags.push({ severity: "error", summary: "Plan interrupted", detail: `${result.cancelled.length} objects were not planned.` });
    await this.planOrphans();
    for (const mod of this.eg.modules.values()) {
      for (const check of mod.config.checks.values()) checkConditions(check.asserts, mod, mod.scope(), this.diags, `check "${check.name}"`, "warning");
    }
  }

  /** Under -target, a module call nothing selected needs is not expanded: its count may be what the target is for. */
  protected override visitCall(info: Extract<NodeInfo, { kind: "call" }>): void {
    if (!this.included || this.req.targets.length === 0 || this.included.has(`${info.mod.nodePrefix}module.${info.call.name}`)) super.visitCall(info);
  }

  /** Refreshes every state instance managed through this provider configuration, batched per resource type. */
  protected override providerConfigured(configured: ConfiguredProvider): void {
    if (!this.req.refresh) return;
    const address = configured.address;
    const byType = new Map<string, InstanceObject[]>();
    for (const rs of this.priorView()) {
      if (rs.provider !== address || rs.address.mode !== "managed") continue;
      let list = byType.get(rs.address.type);
      if (!list) byType.set(rs.address.type, (list = []));
      for (const inst of rs.instances) if (inst.current) list.push(inst.current);
    }
    const limit = semaphore(this.req.parallelism);
    for (const [type, items] of byType) {
      const resource = configured.provider.resources.get(type);
      if (!resource) continue;
      const schema = objectSchemaOf(resource);
      for (let i = 0; i < items.length; i += 100) {
        const batch = items.slice(i, i + 100);
        const run = limit(async () => {
          const ctx = opContext(configured, resource, "read", this.req.signal);
          const states = batch.map((obj) => upgrade(resource, obj, stateToSdk(obj.attributes, schema)));
          return resource.readMany(ctx, states);
        });
        // Each instance that awaits it reports a failure; one never planned (-target) must not crash the process.
        run.catch(() => undefined);
        batch.forEach((obj, index) => this.refreshes.set(obj, { batch: run, index }));
      }
    }
  }

  protected async visitResource(node: string, info: Extract<NodeInfo, { kind: "resource" }>): Promise<void> {
    const r = info.resource;
    const mod = info.mod;
    const configured = this.providers.get(info.providerNode);
    if (!configured) {
      mod.resources.set(resourceKeyOf(r), LANG_UNKNOWN);
      return;
    }
    const providerSchema = r.mode === "managed" ? configured.provider.resources.get(r.type) : configured.provider.dataSources.get(r.type);
    if (!providerSchema) {
      this.diags.push({
        severity: "error",
        summary: r.mode === "managed" ? "Invalid resource type" : "Invalid data source",
        detail: `The provider ${configured.provider.source} does not support ${r.mode === "managed" ? "resource type" : "data source"} "${r.type}".`,
        subject: r.declRange,
      });
      mod.resources.set(resourceKeyOf(r), LANG_UNKNOWN);
      return;
    }
    const selected = !this.included || (this.included.has(node) && instanceSelected(this.eg, node, mod, this.req.targets, this.req.excludes));
    const keys = this.req.mode === "destroy" ? this.stateKeys(mod, r) : expandInstances(r, mod, this.diags);
    if (!keys) {
      mod.resources.set(resourceKeyOf(r), LANG_UNKNOWN);
      return;
    }
    const rk = resourceKeyOf(r);
    // The resource in the prior state, found once for all its instances (by address per instance was a tenth of
    // planning one).
    const prior = r.mode === "managed" ? this.priorResource(mod.prefix, "managed", r.type, r.name) : undefined;
    const values: { key?: number | string; value: Value }[] = [];
    for (const inst of keys) {
      const address = `${mod.prefix}${rk}${formatKey(inst.key)}`;
      const value =
        r.mode === "data"
          ? await this.planData(node, address, r, providerSchema as DataSource<unknown>, configured, mod, inst)
          : await this.planManaged(address, r, providerSchema as Resource<unknown>, configured, mod, inst, selected, this.currentObject(prior, inst.key));
      values.push(inst.key !== undefined ? { key: inst.key, value } : { value });
    }
    mod.resources.set(rk, aggregateValue(values, r));
    if (prior && this.req.mode !== "destroy") this.planStrayInstances(mod, r, keys, prior, providerSchema as Resource<unknown>, configured.provider.source);
  }

  /** Instances of prior resources with many of them, by key (made once per resource, when first asked). */
  private readonly instancesByKey = new WeakMap<Readonly<ResourceState>, Map<number | string | undefined, InstanceObject | undefined>>();

  /** The current object of the instance of prior resource `rs` with `key`, if there is one. */
  private currentObject(rs: Readonly<ResourceState> | undefined, key: number | string | undefined): InstanceObject | undefined {
    if (!rs) return undefined;
    if (rs.instances.length <= 8) {
      for (const i of rs.instances) if (i.key === key) return i.current;
      return undefined;
    }
    let byKey = this.instancesByKey.get(rs);
    if (!byKey) this.instancesByKey.set(rs, (byKey = new Map(rs.instances.map((i) => [i.key, i.current]))));
    return byKey.get(key);
  }

  private priorViewCache: ReadonlyArray<Readonly<ResourceState>> | undefined;

  /** The prior state's resources, sorted once per plan (the prior state does not change while planning). */
  private priorView(): ReadonlyArray<Readonly<ResourceState>> {
    return (this.priorViewCache ??= this.prior.resourcesView());
  }

  /**
   * Prior-state resources by module instance prefix (`module.a["k"].`), mode, type and name, indexed once
   * (per-resource scans were O(n²)). Nested maps of the strings the state and configuration already hold: a
   * key string made per resource, and hashed for every lookup, cost more than the lookups.
   */
  private priorIndex: Map<string, Record<ResourceState["address"]["mode"], Map<string, Map<string, Readonly<ResourceState>>>>> | undefined;

  private priorResource(prefix: string, mode: ResourceState["address"]["mode"], type: string, name: string): Readonly<ResourceState> | undefined {
    if (!this.priorIndex) {
      this.priorIndex = new Map();
      for (const rs of this.priorView()) {
        const a = rs.address;
        const p = instancePrefix(a.module);
        let modes = this.priorIndex.get(p);
        if (!modes) this.priorIndex.set(p, (modes = { managed: new Map(), data: new Map() }));
        let names = modes[a.mode].get(a.type);
        if (!names) modes[a.mode].set(a.type, (names = new Map()));
        names.set(a.name, rs);
      }
    }
    return this.priorIndex.get(prefix)?.[mode].get(type)?.get(name);
  }

  /** The instance keys recorded in state for a resource (destroy mode plans what exists, not what is declared). */
  private stateKeys(mod: ModuleScope, r: ConfigResource): InstanceKeyInfo[] {
    const rs = this.priorResource(mod.prefix, r.mode, r.type, r.name);
    return (rs?.instances ?? []).filter((i) => i.current).map((i) => (i.key === undefined ? {} : { key: i.key }));
  }

  /**
   * The object refreshed from `obj` (its prior state), null when the refresh found it gone. Without a refresh (or
   * when it failed) the prior state's object itself: `stateView` when the caller has it, else made from `obj`.
   */
  private async refreshedObject(address: string, resource: Resource<unknown>, obj: InstanceObject | undefined, stateView?: SdkObject): Promise<SdkObject | null> {
    if (!obj) return null;
    const unrefreshed = () => stateView ?? upgrade(resource, obj, stateToSdk(obj.attributes, objectSchemaOf(resource)));
    const pending = this.req.refresh ? this.refreshes.get(obj) : undefined;
    if (!pending) return unrefreshed();
    try {
      return (await pending.batch)[pending.index] ?? null;
    } catch (e) {
      this.diags.push({ severity: "error", summary: `Error refreshing ${address}`, detail: e instanceof Error ? e.message : String(e) });
      return unrefreshed();
    }
  }

  private async planManaged(
    address: string,
    r: ConfigResource,
    resource: Resource<unknown>,
    configured: { provider: { source: string }; client: unknown; address: string },
    mod: ModuleScope,
    inst: InstanceKeyInfo,
    selected: boolean,
    /** The instance's current object in the prior state. */
    stateObj: InstanceObject | undefined,
  ): Promise<Value> {
    const schema = objectSchemaOf(resource);
    const stateView = stateObj ? upgrade(resource, stateObj, stateToSdk(stateObj.attributes, schema)) : null;
    let priorObj = await this.refreshedObject(address, resource, stateObj, stateView ?? undefined);
    const priorSensitive = stateObj ? fromStatePaths(stateObj.sensitiveAttributes) : [];
    // Whether the refresh found the object as the state has it (drift and the refreshed state both ask).
    const refreshedSame = priorObj !== null && stateView !== null && (priorObj === stateView || objectsEqual(resource, stateView, priorObj));
    this.recordDrift(address, r, configured.provider.source, stateView, priorObj, refreshedSame, priorSensitive);
    if (stateObj) {
      // The refreshed state starts as a copy of the prior one: write only what the refresh (or an upgrade) changed.
      const unchanged = refreshedSame && stateObj.schemaVersion === resource.schemaVersion;
      if (priorObj && !unchanged) this.refreshed.get().setInstance(address, { ...stateObj, attributes: sdkToState(priorObj, schema) }, { provider: configured.address });
      else if (!priorObj) this.refreshed.get().removeInstance(address);
    }
    let importing: { id: string } | undefined;
    if (!priorObj && this.req.mode === "normal") {
      const adopted = await this.adoptOrImport(address, r, resource, configured, mod);
      if (adopted) {
        priorObj = adopted.pending ? this.withConfiguredValues(adopted.obj, resource, r, mod, inst, address) : adopted.obj;
        importing = { id: adopted.id };
        this.refreshed.get().setInstance(address, { schemaVersion: resource.schemaVersion, attributes: sdkToState(priorObj, schema), sensitiveAttributes: [], dependencies: [] }, { provider: configured.address });
      }
    }

    const base = this.changeBase(address, r, mod, configured.provider.source, inst);
    if (this.req.mode === "destroy" || this.req.mode === "refresh-only" || !selected) {
      const value = priorObj ? fromSdk(priorObj, priorSensitive) : null;
      if (this.req.mode === "destroy" && priorObj && selected) {
        this.addChange(completeChange(base, "delete", undefined, toPlanValue(priorObj, priorSensitive), null, []));
      }
      return value;
    }

    const ic = evaluateInstanceConfig(r, resource, mod, inst, this.diags, address);
    // Scope and message only for a resource that has conditions (most have none; this runs per instance).
    if (r.lifecycle.preconditions.length > 0) checkConditions(r.lifecycle.preconditions, mod, mod.scope(inst), this.diags, `precondition of ${address}`);
    const config = priorObj ? applyIgnoreChanges(ic.config, priorObj, r, resource.attributes) : ic.config;
    const { planned, requiresReplace } = planResourceChange(resource.attributes, priorObj, config);
    const tainted = stateObj?.status === "tainted";
    let action: ResourceChange["action"] = "no-op";
    let reason: ActionReason | undefined;
    let replacePaths: (string | number)[][] = requiresReplace;
    if (!priorObj) action = "create";
    else if (tainted) {
      action = "replace";
      reason = "replace_because_tainted";
    } else if (this.req.replace.includes(address)) {
      action = "replace";
      reason = "replace_by_request";
    } else if (requiresReplace.length > 0) {
      action = "replace";
      reason = "replace_because_cannot_update";
    } else if (this.triggered(r, mod)) {
      action = "replace";
      reason = "replace_by_triggers";
    } else if (!objectsEqual(resource, priorObj, planned)) {
      if (resource.canUpdate) action = "update";
      else {
        action = "replace";
        reason = "replace_because_cannot_update";
        replacePaths = changedPaths(resource, priorObj, planned);
      }
    }
    let after = planned;
    // A replacement is planned as the new object Terraform plans for it: from no prior object at all.
    if (action === "replace") after = planResourceChange(resource.attributes, null, config).planned;
    if (action === "replace" && r.lifecycle.preventDestroy) {
      this.diags.push({
        severity: "error",
        summary: "Instance cannot be destroyed",
        detail: `Resource ${address} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option.`,
        subject: r.declRange,
      });
    }
    const sensitive = mergePaths(ic.sensitivePaths, priorSensitive);
    const change = completeChange(
      base,
      action,
      reason,
      priorObj ? toPlanValue(priorObj, priorSensitive) : null,
      toPlanValue(after, sensitive),
      action === "replace" ? replacePaths : NO_PATHS,
      action === "replace" && r.lifecycle.createBeforeDestroy,
    );
    if (importing) change.importing = importing;
    this.addChange(change);
    const value = fromSdk(after, sensitive);
    if (r.lifecycle.postconditions.length > 0) checkConditions(r.lifecycle.postconditions, mod, mod.scope({ ...inst, self: value }), this.diags, `postcondition of ${address}`);
    return value;
  }

  private async adoptOrImport(
    address: string,
    r: ConfigResource,
    resource: Resource<unknown>,
    configured: { client: unknown; address: string; provider: { source: string } },
    mod: ModuleScope,
  ): Promise<{ obj: SdkObject; id: string; pending: boolean } | undefined> {
    const cp = this.providers.byAddress(configured.address)!;
    const pending = this.req.pending.find((p) => p.address === address);
    if (pending && resource.findPending) {
      // A create cut off by a crash: the object it made is found by its client id or its unique name.
      const found = await resource.findPending(opContext(cp, resource, "read", this.req.signal), pending.id);
      if (found) return { obj: found, id: pending.id, pending: true };
    }
    if (mod.path.length === 0) {
      for (const imp of this.req.root.imports) {
        const t = imp.to;
        if (t.kind === "module" || t.resource.mode !== "managed" || t.resource.type !== r.type || t.resource.name !== r.name) continue;
        const key = t.kind === "instance" ? t.key : undefined;
        if (`${r.type}.${r.name}${formatKey(key)}` !== address) continue;
        const [id] = unmark(mod.evaluate(imp.id, this.diags));
        if (typeof id !== "string") {
          this.diags.push({ severity: "error", summary: "Invalid import id", detail: "The import block's id must be a known string.", subject: imp.id.range });
          return undefined;
        }
        if (!resource.canImport) {
          this.diags.push({ severity: "error", summary: "Resource type does not support import", detail: `${r.type} cannot be imported.`, subject: imp.range });
          return undefined;
        }
        const obj = await resource.import(opContext(cp, resource, "read", this.req.signal), id);
        if (!obj) {
          this.diags.push({ severity: "error", summary: "Cannot import non-existent remote object", detail: `While attempting to import an existing object to "${address}", the provider detected that no object exists with the given id "${id}".`, subject: imp.range });
          return undefined;
        }
        return { obj, id, pending: false };
      }
    }
    return undefined;
  }

  private withConfiguredValues(obj: SdkObject, resource: Resource<unknown>, r: ConfigResource, mod: ModuleScope, inst: InstanceKeyInfo, address: string): SdkObject {
    return fillUnstoredArguments(obj, resource.attributes, evaluateInstanceConfig(r, resource, mod, inst, [], address).config);
  }

  /** True when a `replace_triggered_by` reference points at a resource planned for update or replacement. */
  private triggered(r: ConfigResource, mod: ModuleScope): boolean {
    for (const e of r.lifecycle.replaceTriggeredBy) {
      for (const ref of references(e)) {
        if (ref.subject.kind !== "resource") continue;
        const prefix = `${mod.prefix}${ref.subject.mode === "data" ? "data." : ""}${ref.subject.type}.${ref.subject.name}`;
        for (const p of this.changes) {
          const addr = p.address;
          if ((addr === prefix || addr.startsWith(prefix + "[")) && (p.action === "update" || p.action === "replace" || p.action === "create")) return true;
        }
      }
    }
    return false;
  }

  private async planData(
    node: string,
    address: string,
    r: ConfigResource,
    ds: DataSource<unknown>,
    configured: { client: unknown; address: string; provider: { source: string } },
    mod: ModuleScope,
    inst: InstanceKeyInfo,
  ): Promise<Value> {
    if (this.req.mode === "destroy") return LANG_UNKNOWN;
    const ic = evaluateInstanceConfig(r, ds, mod, inst, this.diags, address);
    const cp = this.providers.byAddress(configured.address)!;
    const pending = this.pendingDependency(node);
    if (ic.wholyKnown && !pending) {
      try {
        const result = await ds.read(opContext(cp, ds, "read", this.req.signal, ic.timeouts), ic.config);
        const schema = objectSchemaOf(ds);
        this.refreshed.get().setInstance(address, { schemaVersion: 0, attributes: sdkToState(result, schema), sensitiveAttributes: toStatePaths(ic.sensitivePaths), dependencies: [] }, { provider: configured.address });
        const value = fromSdk(result, ic.sensitivePaths);
        checkConditions(r.lifecycle.postconditions, mod, mod.scope({ ...inst, self: value }), this.diags, `postcondition of ${address}`);
        return value;
      } catch (e) {
        this.diags.push(
          e instanceof AttributeError
            ? { severity: "error", summary: e.summary, detail: e.detail, subject: argumentRange(r, e.attribute) }
            : { severity: "error", summary: `Error reading ${address}`, detail: e instanceof Error ? e.message : String(e), subject: r.declRange },
        );
        return LANG_UNKNOWN;
      }
    }
    const planned = planResourceChange(ds.attributes, null, ic.config).planned;
    this.addChange(
      completeChange(this.changeBase(address, r, mod, configured.provider.source, inst), "read", pending ? "read_because_dependency_pending" : "read_because_config_unknown", null, toPlanValue(planned, ic.sensitivePaths), []),
    );
    return fromSdk(planned, ic.sensitivePaths);
  }

  /**
   * Whether a resource this data source depends on (directly, or through `depends_on`) has a planned change:
   * then the read waits for apply, as Terraform's read_because_dependency_pending.
   */
  private pendingDependency(node: string): boolean {
    for (const dep of this.eg.graph.dependenciesOf(node)) {
      const info = this.eg.nodes.get(dep);
      if (info?.kind !== "resource" || info.resource.mode !== "managed") continue;
      for (const p of this.changes) {
        const addr = p.address;
        // Addresses in repeated modules carry module keys the (configuration address) node name has not.
        const ofDep = addr === dep || addr.startsWith(dep + "[") || (dep.startsWith("module.") && addr.startsWith("module.") && configAddressOf(addr) === dep);
        if (ofDep && p.action !== "no-op") return true;
      }
    }
    return false;
  }

  private changeBase(address: string, r: ConfigResource, mod: ModuleScope, source: string, inst: InstanceKeyInfo): ChangeBase {
    // Fields assigned in order rather than spread in: a spread per optional field made temporary objects for
    // every planned instance. The order is the saved plan's (its JSON keeps insertion order).
    const base: Partial<ChangeBase> = { address };
    const prev = this.moves.get(address);
    if (prev) base.previousAddress = prev;
    if (mod.path.length) base.moduleAddress = mod.address;
    base.mode = r.mode;
    base.type = r.type;
    base.name = r.name;
    if (inst.key !== undefined) base.index = inst.key;
    base.providerName = registryName(source);
    return base as ChangeBase;
  }

  private addChange(change: ResourceChange): void {
    this.changes.push(change);
  }

  /** `same`: the refresh found the object as the prior state has it (`after` equals `before`). */
  private recordDrift(address: string, r: ConfigResource, source: string, before: SdkObject | null, after: SdkObject | null, same: boolean, sensitive: (string | number)[][]): void {
    if (!before || !this.req.refresh || same) return;
    this.drift.push({
      address,
      mode: r.mode,
      type: r.type,
      name: r.name,
      providerName: registryName(source),
      action: after ? "update" : "delete",
      before: toPlanValue(before, sensitive),
      after: after ? toPlanValue(after, sensitive) : null,
      replacePaths: [],
    });
  }

  /** Instances in state under this resource whose key the configuration no longer produces. */
  private planStrayInstances(mod: ModuleScope, r: ConfigResource, keys: InstanceKeyInfo[], rs: Readonly<ResourceState>, resource: Resource<unknown>, source: string): void {
    // The usual case, one instance planned under the key it has in state, needs no set of keys.
    if (keys.length === 1 && rs.instances.length === 1 && keys[0]!.key === rs.instances[0]!.key) return;
    const wanted = new Set(keys.map((k) => String(k.key)));
    for (const inst of rs.instances) {
      if (!inst.current || wanted.has(String(inst.key))) continue;
      const address = `${mod.prefix}${r.type}.${r.name}${formatKey(inst.key)}`;
      const reason: ActionReason =
        (inst.key === undefined) !== (!r.count && !r.forEach)
          ? "delete_because_wrong_repetition"
          : typeof inst.key === "number"
            ? "delete_because_count_index"
            : "delete_because_each_key";
      this.planDelete(address, mod.steps, r.type, r.name, inst.key, inst.current, resource, source, reason, r.lifecycle.preventDestroy ? r : undefined);
    }
  }

  private planDelete(
    address: string,
    modulePath: readonly ModuleStep[],
    type: string,
    name: string,
    key: number | string | undefined,
    obj: InstanceObject,
    resource: Resource<unknown> | undefined,
    source: string,
    reason: ActionReason | undefined,
    preventDestroy: ConfigResource | undefined,
  ): void {
    if (this.req.mode === "refresh-only") return;
    const schema = resource ? objectSchemaOf(resource) : { attributes: {}, shape: {} };
    const before = resource ? stateToSdk(obj.attributes, schema) : (obj.attributes as SdkObject);
    if (preventDestroy) {
      this.diags.push({ severity: "error", summary: "Instance cannot be destroyed", detail: `Resource ${address} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed.`, subject: preventDestroy.declRange });
    }
    const sensitive = fromStatePaths(obj.sensitiveAttributes);
    const removed = this.removedFor(address);
    const change: ResourceChange = {
      address,
      ...(modulePath.length ? { moduleAddress: formatModulePath(modulePath) } : {}),
      mode: "managed",
      type,
      name,
      ...(key !== undefined ? { index: key } : {}),
      providerName: registryName(source),
      action: removed === "forget" ? "forget" : "delete",
      ...(reason && removed !== "forget" ? { reason } : {}),
      before: toPlanValue(before, sensitive),
      after: null,
      replacePaths: [],
    };
    this.addChange(change);
  }

  private removedFor(instanceAddress: string): "forget" | "destroy" | undefined {
    // `removed` names configuration addresses (no instance keys), which cover every instance.
    const address = configAddressOf(instanceAddress);
    for (const rm of this.req.root.removed) {
      const t = rm.from;
      const prefix = t.kind === "module" ? t.module.map((m) => `module.${m.name}`).join(".") : `${t.module.map((m) => `module.${m.name}.`).join("")}${t.resource.type}.${t.resource.name}`;
      if (address === prefix || address.startsWith(prefix + "[") || address.startsWith(prefix + ".")) return rm.destroy ? "destroy" : "forget";
    }
    return undefined;
  }

  /** Resources in state with no configuration at all: delete them (or forget, per `removed` blocks). */
  private async planOrphans(): Promise<void> {
    // The prior resources some module instance declares: the rest are orphans.
    const declared = new Set<Readonly<ResourceState>>();
    for (const mod of this.eg.modules.values()) {
      for (const rm of [mod.config.managedResources, mod.config.dataResources]) {
        for (const r of rm.values()) {
          const rs = this.priorResource(mod.prefix, r.mode, r.type, r.name);
          if (rs) declared.add(rs);
        }
      }
    }
    for (const rs of this.priorView()) {
      if (declared.has(rs)) continue;
      const prefix = instancePrefix(rs.address.module);
      const key = `${prefix}${rs.address.mode === "data" ? "data." : ""}${rs.address.type}.${rs.address.name}`;
      if (rs.address.mode === "data") {
        this.refreshed.get().removeInstance(key);
        continue;
      }
      const cp = this.providers.byAddress(rs.provider);
      const resource = cp?.provider.resources.get(rs.address.type);
      const source = parseProviderConfig(rs.provider)?.source ?? rs.provider;
      const modulePath = rs.address.module;
      const node = `${instancePrefix(modulePath.map((m) => ({ name: m.name })))}${rs.address.type}.${rs.address.name}`;
      // Under a call whose count / for_each could not be decided, which instances remain is not known either.
      if ([...this.unexpandedCalls].some((c) => node.startsWith(`${c}.`))) continue;
      for (const inst of rs.instances) {
        if (!inst.current) continue;
        const address = `${key}${formatKey(inst.key)}`;
        if (this.included && !this.included.has(node)) continue;
        let obj = inst.current;
        if (resource && this.req.refresh) {
          const fresh = await this.refreshedObject(address, resource, obj);
          if (!fresh) {
            this.refreshed.get().removeInstance(address);
            continue;
          }
          obj = { ...obj, attributes: sdkToState(fresh, objectSchemaOf(resource)) };
        }
        this.planDelete(address, modulePath, rs.address.type, rs.address.name, inst.key, obj, resource, source, modulePath.length && !this.eg.modules.has(prefix) ? "delete_because_no_module" : "delete_because_no_resource_config", undefined);
      }
    }
    for (const rs of this.priorView()) {
      for (const inst of rs.instances) {
        for (const [dk, obj] of Object.entries(inst.deposed)) {
          const address = `${instancePrefix(rs.address.module)}${rs.address.type}.${rs.address.name}${formatKey(inst.key)}`;
          const cp = this.providers.byAddress(rs.provider);
          const resource = cp?.provider.resources.get(rs.address.type);
          const schema = resource ? objectSchemaOf(resource) : { attributes: {}, shape: {} };
          this.addChange(
            {
              address,
              mode: "managed",
              type: rs.address.type,
              name: rs.address.name,
              ...(inst.key !== undefined ? { index: inst.key } : {}),
              providerName: registryName(parseProviderConfig(rs.provider)?.source ?? rs.provider),
              action: "delete",
              deposed: dk,
              before: toPlanValue(stateToSdk(obj.attributes, schema), fromStatePaths(obj.sensitiveAttributes)),
              after: null,
              replacePaths: [],
            },
          );
        }
      }
    }
  }

  protected visitOutput(info: Extract<NodeInfo, { kind: "output" }>): void {
    const o = info.output;
    let value = info.mod.evaluate(o.value, this.diags);
    if (o.sensitive) value = markSensitive(value);
    else if (!info.mod.parent && containsSensitive(value)) {
      this.diags.push({ severity: "error", summary: "Output refers to sensitive values", detail: `To reduce the risk of accidentally exporting sensitive data, an output value that refers to sensitive values must set "sensitive = true". Output "${o.name}" does not.`, subject: o.declRange });
    }
    info.mod.outputs.set(o.name, value);
    // A module's outputs reach its caller through `module.NAME` (see ModuleScope.calls).
    if (info.mod.parent) return;
    const prior = this.prior.getOutput(o.name);
    const [plain, sensitive] = unmark(value);
    const afterSdk = toSdk(plain);
    const after = this.req.mode === "destroy" ? null : toPlanValue(afterSdk, sensitive || o.sensitive ? [[]] : []);
    const before = prior ? toPlanValue(prior.value as SdkObject, prior.sensitive ? [[]] : []) : null;
    let action: OutputChange["action"] = "no-op";
    if (this.req.mode === "destroy") action = prior ? "delete" : "no-op";
    else if (!prior) action = "create";
    else if (!isWhollyKnown(plain) || !valuesEqual(prior.value as SdkObject, afterSdk)) action = "update";
    this.outputChanges.push({ name: o.name, action, before, after, sensitive: o.sensitive || sensitive });
    if (this.req.mode === "refresh-only" && isWhollyKnown(plain)) {
      this.refreshed.get().setOutput(o.name, { value: toJson(plain) as JsonValue, type: typeJson(typeOf(plain)) as JsonValue, sensitive: o.sensitive || sensitive });
    }
  }
}

/** `replacePaths` of every change that is not a replacement (shared: a plan's changes are read, never changed). */
const NO_PATHS: (string | number)[][] = Object.freeze([]) as unknown as (string | number)[][];

/** A change's fields up to its action (see `changeBase`). */
type ChangeBase = Pick<ResourceChange, "address" | "previousAddress" | "moduleAddress" | "mode" | "type" | "name" | "index" | "providerName">;

/** `base` (made for this change alone) completed into the change, fields in the saved plan's order. */
function completeChange(
  base: ChangeBase,
  action: ResourceChange["action"],
  reason: ActionReason | undefined,
  before: ResourceChange["before"],
  after: ResourceChange["after"],
  replacePaths: ResourceChange["replacePaths"],
  createBeforeDestroy = false,
): ResourceChange {
  const change = base as ResourceChange;
  change.action = action;
  if (createBeforeDestroy) change.createBeforeDestroy = true;
  if (reason) change.reason = reason;
  change.before = before;
  change.after = after;
  change.replacePaths = replacePaths;
  return change;
}

/** Output for a destroy: outputs are removed. Exported for apply. */
export function registryName(source: string): string {
  // Asked once per planned instance: no split, and one string per provider.
  const slash = source.indexOf("/");
  if (slash < 0 || source.indexOf("/", slash + 1) >= 0) return source;
  let name = registryNames.get(source);
  if (name === undefined) registryNames.set(source, (name = `registry.terraform.io/${source}`));
  return name;
}

const registryNames = new Map<string, string>();

function resourceKeyOf(r: ConfigResource): string {
  return `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`;
}

export function instancePrefix(module: readonly { name: string; key?: number | string }[]): string {
  if (module.length === 0) return "";
  return module.map((m) => `module.${m.name}${formatKey(m.key)}.`).join("");
}

function upgrade(resource: Resource<unknown>, obj: InstanceObject, attrs: SdkObject): SdkObject {
  if (obj.schemaVersion !== resource.schemaVersion && resource.upgradeState) return resource.upgradeState(obj.schemaVersion, attrs);
  return attrs;
}

function objectsEqual(resource: Resource<unknown>, a: SdkObject, b: SdkObject): boolean {
  const attributes = resource.attributes;
  for (const k in attributes) if (!sameValue(attributes[k]!, a[k] ?? null, b[k] ?? null)) return false;
  return true;
}

function changedPaths(resource: Resource<unknown>, a: SdkObject, b: SdkObject): string[][] {
  return Object.entries(resource.attributes)
    .filter(([k, attr]) => attr.kind !== "computed" && !sameValue(attr, a[k] ?? null, b[k] ?? null))
    .map(([k]) => [k]);
}

function mergePaths(a: (string | number)[][], b: (string | number)[][]): (string | number)[][] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const seen = new Set(a.map((p) => JSON.stringify(p)));
  return [...a, ...b.filter((p) => !seen.has(JSON.stringify(p)))];
}

function containsSensitive(v: Value): boolean {
  return unmark(v)[1] || (typeof v === "object" && v !== null && Object.values(v as object).some((x) => containsSensitive(x as Value)));
}

/** Nodes a -target/-exclude selection keeps: targeted resources and everything they depend on. */
function selectedNodes(eg: EvaluationGraph, targets: readonly TargetAddr[], excludes: readonly TargetAddr[]): Set<string> | undefined {
  if (targets.length === 0 && excludes.length === 0) return undefined;
  const resourceNodes = [...eg.nodes].filter(([, i]) => i.kind === "resource") as [string, Extract<NodeInfo, { kind: "resource" }>][];
  const matches = (t: TargetAddr, info: Extract<NodeInfo, { kind: "resource" }>) => matchesTarget(t, info.mod.path, info.resource.mode, info.resource.type, info.resource.name);
  const selected = new Set<string>();
  if (targets.length) {
    const stack = resourceNodes.filter(([, i]) => targets.some((t) => matches(t, i))).map(([n]) => n);
    while (stack.length) {
      const n = stack.pop()!;
      if (selected.has(n)) continue;
      selected.add(n);
      stack.push(...eg.graph.dependenciesOf(n));
    }
  } else for (const [n] of resourceNodes) selected.add(n);
  // An exclude naming module instance keys leaves the other instances: see `instanceSelected`.
  for (const [n, i] of resourceNodes) if (excludes.some((t) => matches(t, i) && t.module.every((m) => m.key === undefined))) selected.delete(n);
  return selected;
}

/**
 * Whether one module instance of a selected resource node is selected: a target or exclude naming module
 * instance keys (`module.m["k"]`) applies only to the instances it names. A node a target only needs (a
 * dependency of a targeted resource) is selected in every instance.
 */
function instanceSelected(eg: EvaluationGraph, node: string, mod: ModuleScope, targets: readonly TargetAddr[], excludes: readonly TargetAddr[]): boolean {
  const info = eg.nodes.get(node) as Extract<NodeInfo, { kind: "resource" }>;
  const matches = (t: TargetAddr) => matchesTarget(t, mod.path, info.resource.mode, info.resource.type, info.resource.name);
  if (excludes.some((t) => matches(t) && matchesTargetKeys(t, mod.steps))) return false;
  const direct = targets.filter(matches);
  if (targets.length === 0 || direct.length === 0 || direct.some((t) => matchesTargetKeys(t, mod.steps))) return true;
  return neededByTarget(eg, node, targets);
}

/** Whether some resource a target names (by names alone) depends on `node`, directly or transitively. */
function neededByTarget(eg: EvaluationGraph, node: string, targets: readonly TargetAddr[]): boolean {
  for (const [n, i] of eg.nodes) {
    if (n === node || i.kind !== "resource" || !targets.some((t) => matchesTarget(t, i.mod.path, i.resource.mode, i.resource.type, i.resource.name))) continue;
    const stack = [...eg.graph.dependenciesOf(n)];
    const seen = new Set<string>();
    while (stack.length) {
      const d = stack.pop()!;
      if (d === node) return true;
      if (seen.has(d)) continue;
      seen.add(d);
      stack.push(...eg.graph.dependenciesOf(d));
    }
  }
  return false;
}


/** Runs at most `n` of the given async functions at once. */
export function semaphore(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= n) return;
    const start = queue.shift();
    if (start) {
      active++;
      start();
    }
  };
  return (fn) =>
    new Promise((resolve, reject) => {
      queue.push(() => {
        fn().then(resolve, reject).finally(() => {
          active--;
          next();
        });
      });
      next();
    });
}

export { blockObjectType };
