import { randomUUID } from "node:crypto";
import {
  formatInstanceAddress,
  formatResourceAddress,
  type IndexKey,
  type InstanceAddress,
  type ResourceAddress,
  toInstanceAddress,
} from "./address.js";
import { compareCodePoints } from "./canonical-json.js";

/**
 * The in-memory State: Terraform state v4 as typed data. Pure: no I/O, no clock. Everything handed out is a
 * deep copy, so a caller can never change the state except through its methods (which is what lets the local
 * backend journal every change).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One step of an attribute path, in Terraform's JSON form (`sensitive_attributes` since 1.x). */
export type PathStep = { readonly type: "get_attr"; readonly value: string } | { readonly type: "index"; readonly value: JsonValue };
export type AttributePath = readonly PathStep[];

/** One remote object as recorded for a resource instance (current or deposed). */
export interface InstanceObject {
  schemaVersion: number;
  attributes: JsonObject;
  sensitiveAttributes: AttributePath[];
  identitySchemaVersion?: number;
  identity?: JsonValue;
  /** Provider-private bytes, base64 (standard alphabet), exactly as in the state file. */
  private?: string;
  /** Config addresses of resources this object depended on when it was last applied. */
  dependencies: string[];
  status?: "tainted";
  createBeforeDestroy?: boolean;
}

export interface OutputValue {
  value: JsonValue;
  /** cty type in JSON form: "string", ["list","number"], ["object",{...}]... */
  type: JsonValue;
  sensitive: boolean;
}

export type CheckStatus = "pass" | "fail" | "error" | "unknown";
export interface CheckResult {
  objectKind: "resource" | "output" | "check" | "var";
  configAddr: string;
  status: CheckStatus;
  objects: { objectAddr: string; status: CheckStatus; failureMessages?: string[] }[];
}

export interface InstanceState {
  key?: IndexKey;
  current?: InstanceObject;
  /** Deposed objects (create_before_destroy replacements not yet destroyed), by 8-hex-digit deposed key. */
  deposed: Record<string, InstanceObject>;
}

export interface ResourceState {
  address: ResourceAddress;
  /** Provider configuration in string form, e.g. `provider["registry.terraform.io/backplan/zstack"]`. */
  provider: string;
  /** Legacy `each` mode ("list" | "map"), kept only when a read state had it. */
  each?: "list" | "map";
  instances: InstanceState[];
}

export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateError";
  }
}

/** A new lineage: a random UUID, fixed for the life of a state. */
export function newLineage(): string {
  return randomUUID();
}

/** The terraform_version stamped on states backplan creates (Terraform refuses states from a newer version). */
export const DEFAULT_TERRAFORM_VERSION = "1.11.4";

interface ResourceEntry {
  address: ResourceAddress;
  provider: string;
  each?: "list" | "map";
  instances: Map<string, InstanceEntry>;
  /** Bumped by every change to this resource: an encoder may reuse what it wrote for an unchanged revision. */
  rev: number;
  /** Where the resource sorts in the state file, computed once (the address never changes). */
  sortKey?: SortKey;
}

/** @internal One resource for an encoder that caches per resource (see `State.resourceRevisions`). */
export interface ResourceRevision {
  /** Stable while the resource exists in this state; a new identity after `assign` or in a clone. */
  readonly entry: object;
  readonly rev: number;
  /** The resource as `resourcesView` shows it. */
  view(): Readonly<ResourceState>;
}

interface InstanceEntry {
  key?: IndexKey;
  current?: InstanceObject;
  /** Made with the first deposed object: almost no instance has one, and an empty Map per instance of a large state was ~15 MB. */
  deposed?: Map<string, InstanceObject>;
}

/** The module path of every root-module resource (shared, frozen: addresses never change). */
const ROOT_MODULE: readonly [] = Object.freeze([]);

/** What `viewOf` shows for an instance without deposed objects (shared: views are read-only). */
const NO_DEPOSED: Readonly<Record<string, InstanceObject>> = Object.freeze({});

export interface SetInstanceOptions {
  /** Provider config string; required when the resource is not yet in state, else replaces the recorded one. */
  provider?: string;
  /** Set a deposed object under this key instead of the current object. */
  deposed?: string;
}

export interface RemoveInstanceOptions {
  /** Remove the deposed object with this key instead of the current object. */
  deposed?: string;
}

const DEPOSED_KEY = /^[0-9a-f]{8}$/;

/**
 * Throws `StateError` naming the path (`attributes.size_gb`) when `v` is not plain JSON data: NaN, Infinity,
 * undefined, functions, class instances. Checked on the way in so that a bad value from a provider fails that
 * one change instead of a later write of the whole state.
 */
export function assertJsonValue(v: unknown, where: string): asserts v is JsonValue {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new StateError(`${where}: ${v} is not a JSON number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJsonValue(x, `${where}[${i}]`));
    return;
  }
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v)) assertJsonValue(x, `${where}.${k}`);
    return;
  }
  throw new StateError(`${where}: ${v === undefined ? "undefined" : typeof v} is not JSON data`);
}

/**
 * `fromJson`: the object came from JSON.parse, so its values are JSON data by construction. The address is
 * formatted only for a message (decoding a large state formatted one per instance).
 */
function assertInstanceObject(o: InstanceObject, a: InstanceAddress, fromJson: boolean): void {
  const where = () => formatInstanceAddress(a);
  if (!Number.isInteger(o.schemaVersion) || o.schemaVersion < 0) throw new StateError(`${where()}: schemaVersion must be a whole number`);
  if (!fromJson) {
    assertJsonValue(o.attributes, `${where()} attributes`);
    if (o.identity !== undefined) assertJsonValue(o.identity, `${where()} identity`);
    assertJsonValue(o.sensitiveAttributes as unknown, `${where()} sensitiveAttributes`);
  }
  if (!Array.isArray(o.dependencies) || o.dependencies.some((d) => typeof d !== "string")) {
    throw new StateError(`${where()}: dependencies must be a list of resource addresses`);
  }
  if (o.private !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(o.private)) throw new StateError(`${where()}: private must be base64`);
}

export class State {
  lineage: string;
  /** Serial of the file of record this state was read from (or will be written as). */
  serial: number;
  terraformVersion: string;
  private readonly resourceMap = new Map<string, ResourceEntry>();
  private readonly outputMap = new Map<string, OutputValue>();
  private checks: CheckResult[] | null = null;

  constructor(init: { lineage?: string; serial?: number; terraformVersion?: string } = {}) {
    this.lineage = init.lineage ?? newLineage();
    this.serial = init.serial ?? 0;
    this.terraformVersion = init.terraformVersion ?? DEFAULT_TERRAFORM_VERSION;
  }

  /** The current object of an instance (or a deposed one), deep-copied; undefined when absent. */
  getInstance(addr: string | InstanceAddress, opts: RemoveInstanceOptions = {}): InstanceObject | undefined {
    const inst = this.findInstance(toInstanceAddress(addr));
    if (!inst) return undefined;
    const obj = opts.deposed === undefined ? inst.current : inst.deposed?.get(opts.deposed);
    return obj && structuredClone(obj);
  }

  /**
   * @internal The current object of an instance as stored, without a copy: for planners that only read (a deep
   * copy per instance was a tenth of a 10,000-resource no-op plan). Callers must not modify the result.
   */
  viewInstance(addr: string | InstanceAddress): Readonly<InstanceObject> | undefined {
    return this.findInstance(toInstanceAddress(addr))?.current;
  }

  /** The provider config recorded for the resource an instance address belongs to. */
  getProvider(addr: string | InstanceAddress): string | undefined {
    return this.resourceMap.get(resourceKey(toInstanceAddress(addr)))?.provider;
  }

  /**
   * Records `obj` (copied) as the current object of the instance, or as a deposed object. Creates the resource
   * entry when needed, which requires `provider`. Throws `StateError` on a missing provider or bad deposed key.
   */
  setInstance(addr: string | InstanceAddress, obj: InstanceObject, opts: SetInstanceOptions = {}): void {
    this.putInstance(toInstanceAddress(addr), obj, opts, true);
  }

  /**
   * @internal For decoders handing over objects nobody else holds, fresh from JSON.parse: no defensive copy, and
   * no walk of the values (JSON.parse makes only JSON data).
   */
  adoptInstance(addr: InstanceAddress, obj: InstanceObject, opts: SetInstanceOptions = {}): void {
    this.putInstance(addr, obj, opts, false);
  }

  /**
   * @internal Resources and instances as stored, sorted, without copies: for serialisers that only read.
   * Callers must not modify anything reachable from the result.
   */
  resourcesView(): ReadonlyArray<Readonly<ResourceState>> {
    return this.sortedEntries().map(viewOf);
  }

  /**
   * @internal The resources in state-file order with their revisions, for an encoder that re-encodes only the
   * resources that changed since its last run (a fold of a large state then costs O(changes), not O(state)).
   */
  resourceRevisions(): ResourceRevision[] {
    return this.sortedEntries().map((r) => ({ entry: r, rev: r.rev, view: () => viewOf(r) }));
  }

  private sortedEntries(): ResourceEntry[] {
    const list = [...this.resourceMap.values()];
    for (const r of list) r.sortKey ??= resourceSortKey(r.address);
    return list.sort((x, y) => compareSortKeys(x.sortKey!, y.sortKey!));
  }

  /** @internal the outputs as stored, without copies; callers must not modify them. */
  outputsView(): ReadonlyMap<string, OutputValue> {
    return this.outputMap;
  }

  private putInstance(a: InstanceAddress, obj: InstanceObject, opts: SetInstanceOptions, copy: boolean): void {
    if (opts.deposed !== undefined && !DEPOSED_KEY.test(opts.deposed)) {
      throw new StateError(`deposed key ${JSON.stringify(opts.deposed)} for ${formatInstanceAddress(a)} is not 8 hex digits`);
    }
    assertInstanceObject(obj, a, !copy);
    const rk = resourceKey(a);
    let res = this.resourceMap.get(rk);
    if (!res) {
      if (!opts.provider) {
        throw new StateError(`cannot add ${formatInstanceAddress(a)} to state: no provider configuration given`);
      }
      res = {
        address: { module: a.module.length === 0 ? ROOT_MODULE : a.module.map((m) => ({ ...m })), mode: a.mode, type: a.type, name: a.name },
        provider: opts.provider,
        instances: new Map(),
        rev: 0,
      };
      this.resourceMap.set(rk, res);
    } else {
      res.rev++;
      if (opts.provider) res.provider = opts.provider;
    }
    const ik = instanceKey(a.key);
    let inst = res.instances.get(ik);
    if (!inst) {
      inst = a.key === undefined ? {} : { key: a.key };
      res.instances.set(ik, inst);
    }
    const stored = copy ? structuredClone(obj) : obj;
    if (opts.deposed === undefined) inst.current = stored;
    else (inst.deposed ??= new Map()).set(opts.deposed, stored);
  }

  /**
   * Removes the current (or one deposed) object. The instance disappears once it holds no object, and the
   * resource once it has no instances. Returns whether anything was removed.
   */
  removeInstance(addr: string | InstanceAddress, opts: RemoveInstanceOptions = {}): boolean {
    const a = toInstanceAddress(addr);
    const rk = resourceKey(a);
    const res = this.resourceMap.get(rk);
    const ik = instanceKey(a.key);
    const inst = res?.instances.get(ik);
    if (!res || !inst) return false;
    res.rev++;
    let removed: boolean;
    if (opts.deposed === undefined) {
      removed = inst.current !== undefined;
      delete inst.current;
    } else {
      removed = inst.deposed?.delete(opts.deposed) ?? false;
    }
    if (!inst.current && !inst.deposed?.size) res.instances.delete(ik);
    if (res.instances.size === 0) this.resourceMap.delete(rk);
    return removed;
  }

  /** Addresses of every instance that has a current or deposed object, in state-file order. */
  instanceAddresses(): string[] {
    return this.resources().flatMap((r) => r.instances.map((i) => formatInstanceAddress({ ...r.address, key: i.key })));
  }

  /** Every resource, deep-copied, sorted as Terraform sorts them in the state file. */
  resources(): ResourceState[] {
    return structuredClone(this.resourcesView() as ResourceState[]);
  }

  /** Records the legacy `each` mode of a resource read from a state file (kept only for faithful rewrites). */
  setEachMode(addr: ResourceAddress, each: "list" | "map"): void {
    const res = this.resourceMap.get(resourceKey(addr));
    if (!res) return;
    res.each = each;
    res.rev++;
  }

  getOutput(name: string): OutputValue | undefined {
    const o = this.outputMap.get(name);
    return o && structuredClone(o);
  }

  setOutput(name: string, output: OutputValue): void {
    assertJsonValue(output.value, `output ${name} value`);
    assertJsonValue(output.type, `output ${name} type`);
    this.outputMap.set(name, structuredClone(output));
  }

  removeOutput(name: string): boolean {
    return this.outputMap.delete(name);
  }

  outputs(): Record<string, OutputValue> {
    return Object.fromEntries([...this.outputMap.entries()].map(([k, v]) => [k, structuredClone(v)]));
  }

  /** Check results of the last run; null when none were recorded (Terraform writes `null`). */
  checkResults(): CheckResult[] | null {
    return this.checks && structuredClone(this.checks);
  }

  setCheckResults(results: CheckResult[] | null): void {
    this.checks = results && structuredClone(results);
  }

  /** Number of instance objects (current and deposed). */
  objectCount(): number {
    let n = 0;
    for (const r of this.resourceMap.values()) for (const i of r.instances.values()) n += (i.current ? 1 : 0) + (i.deposed?.size ?? 0);
    return n;
  }

  /** Makes this state's content (resources, outputs, checks, terraform_version) a copy of `other`'s, keeping lineage and serial. */
  assign(other: State): void {
    const copy = other.clone();
    this.resourceMap.clear();
    for (const [k, v] of copy.resourceMap) this.resourceMap.set(k, v);
    this.outputMap.clear();
    for (const [k, v] of copy.outputMap) this.outputMap.set(k, v);
    this.checks = copy.checks;
    this.terraformVersion = copy.terraformVersion;
  }

  /**
   * A deep, independent copy. Everything in this state was checked on the way in, so the copy is a plain walk of
   * the stored data (3–6× faster than structuredClone here), not a re-validation of every value.
   */
  clone(): State {
    const s = new State({ lineage: this.lineage, serial: this.serial, terraformVersion: this.terraformVersion });
    for (const [k, r] of this.resourceMap) {
      const instances = new Map<string, InstanceEntry>();
      for (const [ik, i] of r.instances) {
        const copy: InstanceEntry = i.deposed ? { deposed: new Map([...i.deposed].map(([dk, o]) => [dk, copyObject(o)])) } : {};
        if (i.key !== undefined) copy.key = i.key;
        if (i.current) copy.current = copyObject(i.current);
        instances.set(ik, copy);
      }
      const address = { ...r.address, module: r.address.module.map((m) => ({ ...m })) };
      s.resourceMap.set(k, { address, provider: r.provider, ...(r.each ? { each: r.each } : {}), instances, rev: 0 });
    }
    for (const [k, v] of this.outputMap) s.outputMap.set(k, { ...v, value: copyJson(v.value), type: copyJson(v.type) });
    s.checks = this.checks && structuredClone(this.checks);
    return s;
  }

  private findInstance(a: InstanceAddress): InstanceEntry | undefined {
    return this.resourceMap.get(resourceKey(a))?.instances.get(instanceKey(a.key));
  }
}

function copyJson<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(copyJson) as T;
  const o: JsonObject = {};
  for (const k in v) o[k] = copyJson(v[k] as JsonValue);
  return o as T;
}

function copyObject(o: InstanceObject): InstanceObject {
  const c: InstanceObject = {
    ...o,
    attributes: copyJson(o.attributes),
    sensitiveAttributes: o.sensitiveAttributes.map((p) => p.map((step) => ({ ...step, value: copyJson(step.value) }) as PathStep)),
    dependencies: [...o.dependencies],
  };
  if (o.identity !== undefined) c.identity = copyJson(o.identity);
  return c;
}

function viewOf(r: ResourceEntry): ResourceState {
  // Fields assigned, not spread in (a temporary object per optional field, for every resource of a large state).
  const view: Partial<ResourceState> = { address: r.address, provider: r.provider };
  if (r.each) view.each = r.each;
  const entries = r.instances.size === 1 ? [...r.instances.values()] : [...r.instances.values()].sort(compareInstances);
  view.instances = entries.map(instanceView);
  return view as ResourceState;
}

function instanceView(i: InstanceEntry): InstanceState {
  const v: Partial<InstanceState> = {};
  if (i.key !== undefined) v.key = i.key;
  if (i.current) v.current = i.current;
  v.deposed = i.deposed?.size ? Object.fromEntries([...i.deposed.entries()].sort(([x], [y]) => compareCodePoints(x, y))) : NO_DEPOSED;
  return v as InstanceState;
}

function resourceKey(a: ResourceAddress): string {
  return formatResourceAddress({ module: a.module, mode: a.mode, type: a.type, name: a.name });
}

function instanceKey(key: IndexKey | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `#${key}` : `$${key}`;
}

type SortKey = [string, string, string, string];

/** Terraform sorts resources by module string, then mode, type and name (byte order). */
function resourceSortKey(a: ResourceAddress): SortKey {
  const mod = a.module.length === 0 ? "" : formatResourceAddress({ ...a, mode: "managed", type: "x", name: "x" }).slice(0, -4);
  return [mod, a.mode, a.type, a.name];
}

function compareSortKeys(x: SortKey, y: SortKey): number {
  for (let i = 0; i < 4; i++) {
    const c = compareCodePoints(x[i] as string, y[i] as string);
    if (c !== 0) return c;
  }
  return 0;
}

/** No key first, then integer keys ascending, then string keys by code point (Terraform's instance order). */
function compareInstances(x: InstanceEntry, y: InstanceEntry): number {
  const a = x.key;
  const b = y.key;
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === "number") return typeof b === "number" ? a - b : -1;
  return typeof b === "number" ? 1 : compareCodePoints(a, b);
}
