import { formatKey } from "../addrs/resource.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Config, Resource as ConfigResource } from "../config/model.js";
import { resourceKey } from "../config/model.js";
import { Graph } from "../graph/graph.js";
import { walk } from "../graph/walk.js";
import { typeOf } from "../lang/types.js";
import { isWhollyKnown, markSensitive, unmark, UNKNOWN as LANG_UNKNOWN, type Value } from "../lang/value.js";
import type { DataSource, Resource } from "../sdk/define.js";
import { planResourceChange } from "../sdk/plan-change.js";
import { PartialCreateError } from "../sdk/partial-create.js";
import { isUnknown, type SdkObject } from "../sdk/value.js";
import type { InstanceObject, OutputValue, RemoveInstanceOptions, SetInstanceOptions } from "../state/state.js";
import type { PendingCreate } from "../state/journal-format.js";
import { parseProviderConfig } from "../state/provider-config.js";
import type { JsonValue } from "../state/state.js";
import { addOrphanProviders, buildEvaluationGraph, configAddressOf, ProviderClients, type EvaluationGraph, type ModuleScope, type NodeInfo } from "../plan/evaluation.js";
import { aggregateValue, applyIgnoreChanges, checkConditions, evaluateInstanceConfig, expandInstances, fillUnstoredArguments, type InstanceKeyInfo } from "../plan/instance.js";
import type { Plan, ResourceChange } from "../plan/plan.js";
import { semaphore } from "../plan/planner.js";
import { opContext, type ConfiguredProvider } from "../plan/providers.js";
import { RunBase, type RunInputs } from "../plan/run-base.js";
import { typeJson } from "../plan/schema.js";
import { fromStatePaths, sdkToState, stateToSdk, toStatePaths } from "../plan/state-values.js";
import { fromSdk, toJson } from "../plan/values.js";

/** The state operations apply needs; the local backend's session provides them, each durable on resolve. */
export interface StateWriter {
  getInstance(addr: string, opts?: RemoveInstanceOptions): InstanceObject | undefined;
  getProvider(addr: string): string | undefined;
  setInstance(addr: string, obj: InstanceObject, opts?: SetInstanceOptions): Promise<void>;
  removeInstance(addr: string, opts?: RemoveInstanceOptions): Promise<void>;
  setOutput(name: string, output: OutputValue): Promise<void>;
  removeOutput(name: string): Promise<void>;
  recordPendingCreate(addr: string, p: { id: string; provider?: string }): Promise<void>;
  clearPending(addr: string): Promise<void>;
  /** The unsettled pending create of an address, if any (O(1)). */
  pendingFor(addr: string): PendingCreate | undefined;
}

export type ApplyOp = "create" | "update" | "delete" | "read";

/** Progress of one instance, for live output. */
export type ApplyEvent =
  | { type: "start"; op: ApplyOp; address: string; deposed?: string }
  | { type: "still"; op: ApplyOp; address: string; elapsedMs: number; deposed?: string }
  | { type: "done"; op: ApplyOp; address: string; elapsedMs: number; id?: { key: string; value: string }; deposed?: string }
  | { type: "failed"; op: ApplyOp; address: string; elapsedMs: number; message: string; deposed?: string };

export interface ApplyRequest extends RunInputs {
  plan: Plan;
  root: Config;
  state: StateWriter;
  parallelism: number;
  /** Aborting stops starting new work; running provider calls finish and are recorded. */
  signal: AbortSignal;
  onEvent?(e: ApplyEvent): void;
  /** How often a running operation reports "Still creating..." (default 10 s). */
  stillEveryMs?: number;
}

export interface ApplyResult {
  counts: { added: number; changed: number; destroyed: number; imported: number; forgotten: number };
  diagnostics: Diagnostic[];
  /** Some instance failed, was skipped because a dependency failed, or the run was interrupted. */
  failed: boolean;
  interrupted: boolean;
}

/**
 * Applies a plan: creates, updates and replacements in dependency order (re-evaluating each instance's
 * configuration now that what it depends on exists), then deletes in reverse dependency order. Every change is
 * written to state before the next one that depends on it starts; a create whose provider accepts a client
 * id is recorded as pending first, so a crash mid-call is healed by the next plan instead of duplicating the
 * object. A failed instance is reported with the provider's message; independent parts still finish.
 */
export async function applyPlan(req: ApplyRequest): Promise<ApplyResult> {
  const diags: Diagnostic[] = [];
  const eg = buildEvaluationGraph(req.root, req.registry, false, req.workspace);
  // Deletes of objects whose provider nothing in the configuration uses any more need that provider too.
  addOrphanProviders(eg, req.plan.changes.filter((c) => c.action === "delete").map((c) => `provider["${c.providerName}"]`), req.registry);
  diags.push(...eg.diagnostics);
  const providers = new ProviderClients();
  const applier = new Applier(req, eg, providers, diags);
  try {
    if (!diags.some((d) => d.severity === "error")) await applier.run();
  } finally {
    await providers.closeAll();
  }
  return {
    counts: applier.counts,
    diagnostics: diags,
    failed: applier.failed || diags.some((d) => d.severity === "error"),
    interrupted: req.signal.aborted,
  };
}

class Applier extends RunBase {
  readonly counts = { added: 0, changed: 0, destroyed: 0, imported: 0, forgotten: 0 };
  failed = false;
  private readonly changes = new Map<string, ResourceChange>();
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  protected override readonly concurrentInstances = true;

  constructor(
    private readonly req: ApplyRequest,
    eg: EvaluationGraph,
    providers: ProviderClients,
    diags: Diagnostic[],
  ) {
    super(req, eg, providers, diags);
    for (const c of req.plan.changes) if (!c.deposed) this.changes.set(c.address, c);
    this.limit = semaphore(req.parallelism);
  }

  async run(): Promise<void> {
    for (const c of this.req.plan.changes) {
      if (!c.previousAddress || this.req.state.getInstance(c.address)) continue;
      const obj = this.req.state.getInstance(c.previousAddress);
      if (!obj) continue;
      const provider = this.req.state.getProvider(c.previousAddress);
      await this.req.state.setInstance(c.address, obj, provider ? { provider } : {});
      await this.req.state.removeInstance(c.previousAddress);
    }
    const result = await walk(this.eg.graph, {
      parallelism: walkWidth(this.req.parallelism),
      signal: this.req.signal,
      visit: (node) => this.visit(node),
    });
    for (const [node, o] of result.outcomes) {
      if (o.status === "failed") {
        this.failed = true;
        if (!(o.error instanceof ReportedError)) {
          this.diags.push({ severity: "error", summary: `Error applying ${node}`, detail: o.error instanceof Error ? o.error.message : String(o.error) });
        }
      } else if (o.status === "skipped" || o.status === "cancelled") this.failed = true;
    }
    if (!this.req.signal.aborted) await this.runDeletes();
  }

  protected async visitResource(node: string, info: Extract<NodeInfo, { kind: "resource" }>): Promise<void> {
    const r = info.resource;
    const mod = info.mod;
    const configured = this.providers.get(info.providerNode);
    const schema = configured ? (r.mode === "managed" ? configured.provider.resources.get(r.type) : configured.provider.dataSources.get(r.type)) : undefined;
    if (!configured || !schema) {
      mod.resources.set(resourceKey(r.mode, r.type, r.name), LANG_UNKNOWN);
      throw new Error(`provider for ${node} is not configured`);
    }
    const keys = this.req.plan.mode === "destroy" ? [] : expandInstances(r, mod, this.diags);
    if (!keys) throw new ReportedError();
    const values: { key?: number | string; value: Value }[] = [];
    const errors: string[] = [];
    await Promise.all(
      keys.map(async (inst) => {
        const address = `${mod.prefix}${resourceKey(r.mode, r.type, r.name)}${formatKey(inst.key)}`;
        try {
          const value =
            r.mode === "data"
              ? await this.applyData(address, r, schema as DataSource<unknown>, configured, mod, inst)
              : await this.applyManaged(node, address, r, schema as Resource<unknown>, configured, mod, inst);
          values.push({ ...(inst.key !== undefined ? { key: inst.key } : {}), value });
        } catch (e) {
          errors.push(address);
          if (!(e instanceof ReportedError)) this.diags.push({ severity: "error", summary: `Error applying ${address}`, detail: e instanceof Error ? e.message : String(e), subject: r.declRange });
        }
      }),
    );
    values.sort((a, b) => compareKeys(a.key, b.key));
    mod.resources.set(resourceKey(r.mode, r.type, r.name), aggregateValue(values, r));
    if (errors.length) throw new ReportedError();
  }

  private currentValue(address: string, resource: Resource<unknown> | DataSource<unknown>): Value {
    const obj = this.req.state.getInstance(address);
    if (!obj) return null;
    return fromSdk(stateToSdk(obj.attributes, { attributes: resource.attributes, shape: resource.schema.shape }), fromStatePaths(obj.sensitiveAttributes));
  }

  /** Records the object, then checks postconditions against it (a failure fails the instance, state kept). */
  private async finishInstance(obj: SdkObject, r: ConfigResource, mod: ModuleScope, inst: InstanceKeyInfo, sensitive: (string | number)[][], address: string): Promise<Value> {
    const value = fromSdk(obj, sensitive);
    const before = this.diags.length;
    checkConditions(r.lifecycle.postconditions, mod, mod.scope({ ...inst, self: value }), this.diags, `postcondition of ${address}`);
    if (this.diags.slice(before).some((d) => d.severity === "error")) throw new ReportedError();
    return value;
  }

  private async applyManaged(
    node: string,
    address: string,
    r: ConfigResource,
    resource: Resource<unknown>,
    configured: ConfiguredProvider,
    mod: ModuleScope,
    inst: InstanceKeyInfo,
  ): Promise<Value> {
    const change = this.changes.get(address);
    if (!change || change.action === "delete" || change.action === "forget") return this.currentValue(address, resource);
    const ic = evaluateInstanceConfig(r, resource, mod, inst, this.diags, address);
    if (this.diags.some((d) => d.severity === "error")) throw new ReportedError();
    const schema = { attributes: resource.attributes, shape: resource.schema.shape };
    if (change.importing) await this.adopt(address, resource, configured, change.importing.id, ic.config);
    else await this.recordRefresh(address, change, schema);
    if (change.action === "no-op") return this.currentValue(address, resource);
    const stateObj = this.req.state.getInstance(address);
    const prior = stateObj ? stateToSdk(stateObj.attributes, schema) : null;
    const dependencies = this.resourceDependencies(node);
    const record = (obj: SdkObject, extra: Partial<InstanceObject> = {}) =>
      this.req.state.setInstance(
        address,
        {
          schemaVersion: resource.schemaVersion,
          attributes: sdkToState(obj, schema),
          sensitiveAttributes: toStatePaths(ic.sensitivePaths),
          dependencies,
          ...(r.lifecycle.createBeforeDestroy ? { createBeforeDestroy: true } : {}),
          ...extra,
        },
        { provider: configured.address },
      );
    const config = prior ? applyIgnoreChanges(ic.config, prior, r, resource.attributes) : ic.config;

    if (change.action === "update" && prior) {
      const { planned } = planResourceChange(resource.attributes, prior, config);
      const obj = await this.operate("update", address, resource, () => resource.update(opContext(configured, resource, "update", this.req.signal, ic.timeouts), prior, planned), undefined, true, (o) => record(o));
      this.counts.changed++;
      return this.finishInstance(obj, r, mod, inst, ic.sensitivePaths, address);
    }

    const create = async (): Promise<SdkObject> => {
      const planned = planResourceChange(resource.attributes, null, config).planned;
      for (const k of Object.keys(planned)) if (isUnknown(planned[k])) planned[k] = null;
      const pendingId = this.req.state.pendingFor(address)?.id;
      let pendingKey: string | undefined;
      if (resource.clientId && resource.newClientId) {
        pendingKey = pendingId ?? resource.newClientId();
        planned[resource.clientId] = pendingKey;
        await this.req.state.recordPendingCreate(address, { id: pendingKey, provider: configured.address });
      } else if (resource.naturalKey && resource.findPending && typeof planned[resource.naturalKey] === "string") {
        // No client-chosen id: the unique name is journaled instead, and a crash is healed by finding the object by
        // it (create-then-adopt). Only when no object has that name yet: one that exists already is not ours to
        // adopt, and the create reports the clash (CSBS.9007) as before.
        const name = planned[resource.naturalKey] as string;
        const existing = await this.limit(() => resource.findPending!(opContext(configured, resource, "read", this.req.signal), name));
        if (existing === null) {
          pendingKey = name;
          await this.req.state.recordPendingCreate(address, { id: name, provider: configured.address });
        }
      }
      let partial: SdkObject | undefined;
      try {
        return await this.operate(
          "create",
          address,
          resource,
          async () => {
            try {
              return await resource.create(opContext(configured, resource, "create", this.req.signal, ic.timeouts), planned);
            } catch (e) {
              if (e instanceof PartialCreateError) partial = e.partial;
              throw e;
            }
          },
          undefined,
          true,
          (o) => record(o),
        );
      } catch (e) {
        // Only a failed provider call is a failed create; a failed state write fails the session, not the object.
        if (!(e instanceof ReportedError)) throw e;
        // The object exists but the create did not finish: recorded tainted, never left outside the state.
        if (partial) await record(partial, { status: "tainted" });
        else if (pendingKey !== undefined) await this.settleFailedCreate(address, resource, configured, pendingKey, dependencies);
        throw e;
      }
    };

    if (change.action === "create" || (change.action === "replace" && !prior)) {
      const obj = await create();
      this.counts.added++;
      return this.finishInstance(obj, r, mod, inst, ic.sensitivePaths, address);
    }

    // replace
    if (change.createBeforeDestroy && stateObj && prior) {
      const deposedKey = randomDeposedKey();
      await this.req.state.setInstance(address, stateObj, { deposed: deposedKey, provider: configured.address });
      await this.req.state.removeInstance(address);
      const obj = await create();
      this.counts.added++;
      await this.operate("delete", address, resource, () => resource.delete(opContext(configured, resource, "delete", this.req.signal), prior), deposedKey, true, () =>
        this.req.state.removeInstance(address, { deposed: deposedKey }),
      );
      this.counts.destroyed++;
      return this.finishInstance(obj, r, mod, inst, ic.sensitivePaths, address);
    }
    if (prior) {
      await this.operate("delete", address, resource, () => resource.delete(opContext(configured, resource, "delete", this.req.signal), prior), undefined, true, () =>
        this.req.state.removeInstance(address),
      );
      this.counts.destroyed++;
    }
    const obj = await create();
    this.counts.added++;
    return this.finishInstance(obj, r, mod, inst, ic.sensitivePaths, address);
  }

  /** After a failed create with a client id: record the object as tainted when it exists anyway, else settle. */
  private async settleFailedCreate(address: string, resource: Resource<unknown>, configured: ConfiguredProvider, pendingKey: string, dependencies: string[]): Promise<void> {
    try {
      const found = await this.limit(() => resource.findPending!(opContext(configured, resource, "read", new AbortController().signal), pendingKey));
      if (found) {
        await this.req.state.setInstance(
          address,
          { schemaVersion: resource.schemaVersion, attributes: sdkToState(found, { attributes: resource.attributes, shape: resource.schema.shape }), sensitiveAttributes: [], dependencies, status: "tainted" },
          { provider: configured.address },
        );
      } else await this.req.state.clearPending(address);
    } catch {
      // The outcome stays unknown: the pending entry remains and the next plan asks again.
    }
  }

  /**
   * The plan refreshed every object before planning it; its `before` is that refreshed object. Apply starts
   * from it (so an update is computed against what really exists, not the last recorded state) and records it,
   * as Terraform persists the refreshed state.
   */
  private async recordRefresh(address: string, change: ResourceChange, schema: { attributes: Resource<unknown>["attributes"]; shape: Resource<unknown>["schema"]["shape"] }): Promise<void> {
    const stateObj = this.req.state.getInstance(address);
    if (!stateObj || !change.before) return;
    const refreshed = sdkToState(change.before.value as SdkObject, schema);
    if (JSON.stringify(refreshed) === JSON.stringify(stateObj.attributes)) return;
    await this.req.state.setInstance(address, { ...stateObj, attributes: refreshed });
  }

  /**
   * Writes an imported or adopted object to state (what the plan found under `id`). An object adopted from a
   * pending create takes the configured values of arguments the API does not store (as the plan did).
   */
  private async adopt(address: string, resource: Resource<unknown>, configured: ConfiguredProvider, id: string, config: SdkObject): Promise<void> {
    if (this.req.state.getInstance(address)) return;
    const p = this.req.state.pendingFor(address);
    const pending = p && p.id === id ? p : undefined;
    const ctx = opContext(configured, resource, "read", this.req.signal);
    let obj: SdkObject | null;
    if (pending && resource.findPending) {
      obj = await this.limit(() => resource.findPending!(ctx, id));
      if (obj) obj = fillUnstoredArguments(obj, resource.attributes, config);
    } else obj = await this.limit(() => resource.import(ctx, id));
    if (!obj) throw new Error(`cannot import ${address}: no object with id "${id}" exists any more`);
    await this.req.state.setInstance(
      address,
      { schemaVersion: resource.schemaVersion, attributes: sdkToState(obj, { attributes: resource.attributes, shape: resource.schema.shape }), sensitiveAttributes: [], dependencies: [] },
      { provider: configured.address },
    );
    this.counts.imported++;
  }

  private async applyData(address: string, r: ConfigResource, ds: DataSource<unknown>, configured: ConfiguredProvider, mod: ModuleScope, inst: InstanceKeyInfo): Promise<Value> {
    const ic = evaluateInstanceConfig(r, ds, mod, inst, this.diags, address);
    if (!ic.wholyKnown) throw new Error(`the configuration of ${address} is still unknown at apply time`);
    const change = this.changes.get(address);
    const obj = await this.operate(
      "read",
      address,
      ds,
      () => ds.read(opContext(configured, ds, "read", this.req.signal, ic.timeouts), ic.config),
      undefined,
      change?.action === "read",
      (o) =>
        this.req.state.setInstance(
          address,
          { schemaVersion: 0, attributes: sdkToState(o, { attributes: ds.attributes, shape: ds.schema.shape }), sensitiveAttributes: toStatePaths(ic.sensitivePaths), dependencies: [] },
          { provider: configured.address },
        ),
    );
    return fromSdk(obj, ic.sensitivePaths);
  }

  /**
   * Runs one provider call with progress events; the semaphore bounds calls in flight across the run. `record`
   * writes the outcome to state after the call has released its slot (so waiting for the journal's fsync never
   * holds a provider slot); "complete" is announced only once that write is durable, so every line a killed
   * apply printed as complete is in the state the next run reads.
   */
  private async operate<T extends SdkObject | void>(
    op: "create" | "update" | "delete" | "read",
    address: string,
    _schema: Resource<unknown> | DataSource<unknown>,
    call: () => Promise<T>,
    deposed?: string,
    announce = true,
    record?: (out: T) => Promise<void>,
  ): Promise<T> {
    const started = Date.now();
    const d = deposed ? { deposed } : {};
    const out = await this.limit(async () => {
      // The walk runs many nodes ahead of the provider slots: after an interrupt, one still waiting for a slot
      // does not start its call (nothing was done, so nothing is reported).
      if (this.req.signal.aborted) throw new ReportedError();
      if (announce) this.req.onEvent?.({ type: "start", op, address, ...d });
      const timer = announce
        ? setInterval(() => this.req.onEvent?.({ type: "still", op, address, elapsedMs: Date.now() - started, ...d }), this.req.stillEveryMs ?? 10_000)
        : undefined;
      try {
        return await call();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (announce) this.req.onEvent?.({ type: "failed", op, address, elapsedMs: Date.now() - started, message, ...d });
        this.diags.push({ severity: "error", summary: `Error: ${op} of ${address} failed`, detail: message });
        throw new ReportedError();
      } finally {
        if (timer) clearInterval(timer);
      }
    });
    if (record) await record(out);
    const id = out && typeof out === "object" ? idOf(out as SdkObject) : undefined;
    if (announce) this.req.onEvent?.({ type: "done", op, address, elapsedMs: Date.now() - started, ...(id ? { id } : {}), ...d });
    return out;
  }

  /** Config addresses of the resources a resource node depends on, directly or through locals and variables. */
  private resourceDependencies(node: string): string[] {
    const out = new Set<string>();
    const seen = new Set<string>();
    const stack = [...this.eg.graph.dependenciesOf(node)];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const info = this.eg.nodes.get(n);
      if (!info || info.kind === "provider") continue;
      if (info.kind === "resource") out.add(n);
      else stack.push(...this.eg.graph.dependenciesOf(n));
    }
    return [...out].sort();
  }

  protected visitOutput(info: Extract<NodeInfo, { kind: "output" }>): Promise<void> | void {
    const o = info.output;
    let value = info.mod.evaluate(o.value, this.diags);
    if (o.sensitive) value = markSensitive(value);
    info.mod.outputs.set(o.name, value);
    // A module's outputs reach its caller through `module.NAME` (see ModuleScope.calls).
    if (info.mod.parent) return;
    if (this.req.plan.mode === "destroy") return this.req.state.removeOutput(o.name);
    const [plain, sensitive] = unmark(value);
    if (!isWhollyKnown(plain)) return;
    return this.req.state.setOutput(o.name, { value: toJson(plain) as JsonValue, type: typeJson(typeOf(plain)) as JsonValue, sensitive: o.sensitive || sensitive });
  }

  /** Deletes (orphans, stray instances, destroy mode, deposed objects) in reverse dependency order. */
  private async runDeletes(): Promise<void> {
    const deletes = this.req.plan.changes.filter((c) => c.action === "delete" || c.action === "forget");
    if (deletes.length === 0) return;
    const graph = new Graph();
    const byNode = new Map<string, ResourceChange>();
    const nodeOf = (c: ResourceChange) => (c.deposed ? `${c.address} (deposed ${c.deposed})` : c.address);
    // State `dependencies` are configuration addresses: no module instance keys, no instance key.
    const configAddresses = new Map(deletes.map((c) => [c.address, configAddressOf(c.address)]));
    const resourceOf = (addr: string) => configAddresses.get(addr)!;
    for (const c of deletes) {
      graph.addNode(nodeOf(c));
      byNode.set(nodeOf(c), c);
    }
    // An object that depends on X must be deleted before X.
    for (const c of deletes) {
      const obj = this.req.state.getInstance(c.address, c.deposed ? { deposed: c.deposed } : {});
      for (const dep of obj?.dependencies ?? []) {
        for (const other of deletes) if (other !== c && resourceOf(other.address) === dep) graph.addDependency(nodeOf(other), nodeOf(c));
      }
    }
    const result = await walk(graph, {
      parallelism: walkWidth(this.req.parallelism),
      signal: this.req.signal,
      visit: async (node) => {
        const c = byNode.get(node)!;
        const opts = c.deposed ? { deposed: c.deposed } : {};
        const obj = this.req.state.getInstance(c.address, opts);
        if (!obj) return;
        if (c.action === "forget") {
          await this.req.state.removeInstance(c.address, opts);
          this.counts.forgotten++;
          return;
        }
        const configured = this.providerForState(c.address, c.providerName);
        const resource = configured?.provider.resources.get(c.type);
        if (!configured || !resource) throw new Error(`no configured provider can delete ${c.address}`);
        const prior = stateToSdk(obj.attributes, { attributes: resource.attributes, shape: resource.schema.shape });
        await this.operate("delete", c.address, resource, () => resource.delete(opContext(configured, resource, "delete", this.req.signal), prior), c.deposed, true, () =>
          this.req.state.removeInstance(c.address, opts),
        );
        this.counts.destroyed++;
      },
    });
    for (const [node, o] of result.outcomes) {
      if (o.status === "failed" && !(o.error instanceof ReportedError)) {
        this.diags.push({ severity: "error", summary: `Error deleting ${node}`, detail: o.error instanceof Error ? o.error.message : String(o.error) });
      }
      if (o.status !== "succeeded") this.failed = true;
    }
  }

  private providerForState(address: string, providerName: string): ConfiguredProvider | undefined {
    const exact = [...this.providers.values()].find((p) => p.address === `provider["${providerName}"]`);
    if (exact) return exact;
    for (const p of this.providers.values()) {
      const pc = parseProviderConfig(p.address);
      if (pc && (pc.source === providerName || `registry.terraform.io/${pc.source}` === providerName)) return p;
    }
    void address;
    return undefined;
  }
}

/**
 * Graph nodes in progress at once. Provider calls stay bounded by `parallelism` (every call goes through the
 * semaphore), but a node also waits until its state change is durable, and changes waiting together share one
 * fdatasync (group commit). A walk only `parallelism` wide capped every group at that many changes: an apply of
 * 100,000 resources waited for 10,000 fdatasyncs, most of its wall time. Wider, a group holds every change that
 * finished during the previous fsync. Dependents still start only after their dependency's change is durable.
 */
export function walkWidth(parallelism: number): number {
  return parallelism * WALK_WIDTH_PER_CALL;
}
const WALK_WIDTH_PER_CALL = 64;

/** A failure already reported as a diagnostic; the walk only needs to know the node failed. */
class ReportedError extends Error {
  constructor() {
    super("reported");
  }
}

function idOf(obj: SdkObject): { key: string; value: string } | undefined {
  for (const key of ["id", "uuid", "group_uuid"]) {
    const v = obj[key];
    if (typeof v === "string" && v) return { key, value: v };
  }
  return undefined;
}

function randomDeposedKey(): string {
  return Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0");
}

function compareKeys(a: number | string | undefined, b: number | string | undefined): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

