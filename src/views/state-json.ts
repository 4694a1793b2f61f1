import type { Json } from "../plan/plan.js";
import { boolTree, compareStrings, isPlainObject, maskSensitive, sortKeysDeep } from "./encoding.js";
import { compareKeys } from "./address-order.js";
import { formatIndexKey, moduleAncestry } from "./paths.js";

/**
 * The `values` representation of a state (`terraform show -json` → `values`, and `prior_state.values` /
 * `planned_values` in plan JSON), built from plain Terraform v4 state JSON. Pure.
 */

/** The parts of a v4 state file this view reads (a structural subset; extra fields are ignored). */
export interface V4StateJson {
  version: number;
  terraform_version?: string;
  outputs?: Record<string, { value: Json; type?: Json; sensitive?: boolean }>;
  resources?: V4ResourceJson[];
}

export interface V4ResourceJson {
  module?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  /** `provider["registry.terraform.io/backplan/zstack"]`, possibly `module.x.provider[...]` or with `.alias`. */
  provider: string;
  instances: V4InstanceJson[];
}

export type V4PathStep = { type: "get_attr"; value: string } | { type: "index"; value: Json };

export interface V4InstanceJson {
  index_key?: number | string;
  status?: string;
  deposed?: string;
  schema_version?: number;
  attributes?: { [key: string]: Json };
  sensitive_attributes?: V4PathStep[][];
  dependencies?: string[];
}

/** One resource instance object in the values representation, fields in Terraform's order. */
export interface ValuesResource {
  address: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: number | string;
  provider_name: string;
  schema_version: number;
  values: Json;
  sensitive_values: Json;
  depends_on?: string[];
  tainted?: boolean;
  deposed_key?: string;
}

export interface ValuesModule {
  resources?: ValuesResource[];
  /** Absent for the root module. */
  address?: string;
  child_modules?: ValuesModule[];
}

export interface ValuesOutput {
  sensitive: boolean;
  value?: Json;
  type?: Json;
}

export interface StateValues {
  outputs?: Record<string, ValuesOutput>;
  root_module: ValuesModule;
}

export interface ValuesOptions {
  /** Write sensitive values in clear, as Terraform does. Default: each becomes "(sensitive value)". */
  showSensitive?: boolean;
}

/** `provider["registry.terraform.io/backplan/zstack"].alias` → `registry.terraform.io/backplan/zstack`. */
export function providerNameOf(providerConfig: string): string {
  const m = /provider\["([^"]+)"\]/.exec(providerConfig);
  return m ? m[1]! : providerConfig;
}

/** A v4 `sensitive_attributes` path list as a mark tree (`{password: true}`, `{disks: [false, {key: true}]}`). */
export function marksFromPaths(paths: readonly V4PathStep[][]): Json {
  let root: Json = false;
  for (const path of paths) {
    if (path.length === 0) return true;
    root = setMark(root, path, 0);
  }
  return root;
}

function setMark(node: Json, path: readonly V4PathStep[], i: number): Json {
  if (i === path.length || node === true) return true;
  const step = path[i]!;
  if (step.type === "index" && typeof step.value === "number") {
    const arr: Json[] = Array.isArray(node) ? [...node] : [];
    while (arr.length <= step.value) arr.push(false);
    arr[step.value] = setMark(arr[step.value] ?? false, path, i + 1);
    return arr;
  }
  const key = String(step.value);
  const obj: { [key: string]: Json } = isPlainObject(node) ? { ...node } : {};
  obj[key] = setMark(obj[key] ?? false, path, i + 1);
  return obj;
}

export interface ModuleTreeEntry<R> {
  moduleAddress?: string;
  resource: R;
}

/**
 * Arranges resources into Terraform's module tree: the root holds root resources and `child_modules`, each child
 * its own resources and children, every module present that is on the way to a resource. Resources keep the
 * order given; child modules are sorted by address.
 */
export interface ModuleNode<R> {
  resources: R[];
  address?: string;
  children: ModuleNode<R>[];
}

export function moduleTree<R>(entries: readonly ModuleTreeEntry<R>[]): ModuleNode<R> {
  type Node = ModuleNode<R>;
  const root: Node = { resources: [], children: [] };
  const byAddress = new Map<string, Node>();
  for (const e of entries) {
    let parent = root;
    for (const addr of moduleAncestry(e.moduleAddress)) {
      let node = byAddress.get(addr);
      if (!node) {
        node = { resources: [], address: addr, children: [] };
        byAddress.set(addr, node);
        parent.children.push(node);
      }
      parent = node;
    }
    parent.resources.push(e.resource);
  }
  const sortTree = (n: Node): void => {
    n.children.sort((a, b) => compareStrings(a.address!, b.address!));
    n.children.forEach(sortTree);
  };
  sortTree(root);
  return root;
}

/** Turns a module tree into the JSON shape: `{resources?, address?, child_modules?}` with empty lists left out. */
export function valuesModule(tree: ModuleNode<ValuesResource>): ValuesModule {
  const out: ValuesModule = {};
  if (tree.resources.length > 0) out.resources = tree.resources;
  if (tree.address !== undefined) out.address = tree.address;
  if (tree.children.length > 0) out.child_modules = tree.children.map(valuesModule);
  return out;
}

function instanceAddress(r: V4ResourceJson, key: number | string | undefined): string {
  const mod = r.module ? `${r.module}.` : "";
  return `${mod}${r.mode === "data" ? "data." : ""}${r.type}.${r.name}${formatIndexKey(key)}`;
}

/**
 * The values representation of a v4 state: resources sorted by address (deposed objects after the current one),
 * grouped into the module tree, sensitive attributes marked in `sensitive_values` and masked in `values` unless
 * `showSensitive`. Outputs keep their recorded type; sensitive outputs are masked likewise.
 */
export function stateValues(state: V4StateJson, options: ValuesOptions = {}): StateValues {
  const entries: { sortKey: [string, number | string | undefined, string]; moduleAddress?: string; resource: ValuesResource }[] = [];
  for (const r of state.resources ?? []) {
    for (const inst of r.instances) {
      const address = instanceAddress(r, inst.index_key);
      const attributes: Json = inst.attributes ?? {};
      const marks = marksFromPaths(inst.sensitive_attributes ?? []);
      const ordered: ValuesResource = {
        address,
        mode: r.mode,
        type: r.type,
        name: r.name,
        ...(inst.index_key !== undefined ? { index: inst.index_key } : {}),
        provider_name: providerNameOf(r.provider),
        schema_version: inst.schema_version ?? 0,
        values: sortKeysDeep((options.showSensitive ? attributes : maskSensitive(attributes, marks)) ?? null),
        sensitive_values: boolTree(attributes, marks),
        ...(inst.dependencies && inst.dependencies.length > 0 ? { depends_on: inst.dependencies } : {}),
        ...(inst.status === "tainted" ? { tainted: true } : {}),
        ...(inst.deposed ? { deposed_key: inst.deposed } : {}),
      };
      entries.push({ sortKey: [instanceAddress(r, undefined), inst.index_key, inst.deposed ?? ""], moduleAddress: r.module, resource: ordered });
    }
  }
  // Data sources first (Terraform orders resources by mode, then type and name), then by resource, then instance
  // key (integer keys as numbers: `n[9]` before `n[10]`, as Terraform lists them).
  const modeRank = (e: (typeof entries)[number]) => (e.resource.mode === "data" ? 0 : 1);
  entries.sort((a, b) => modeRank(a) - modeRank(b) || compareStrings(a.sortKey[0], b.sortKey[0]) || compareKeys(a.sortKey[1], b.sortKey[1]) || compareStrings(a.sortKey[2], b.sortKey[2]));
  const out: StateValues = { root_module: valuesModule(moduleTree(entries)) };
  const names = Object.keys(state.outputs ?? {}).sort(compareStrings);
  if (names.length > 0) {
    const outputs: Record<string, ValuesOutput> = {};
    for (const name of names) {
      const o = state.outputs![name]!;
      const sensitive = o.sensitive === true;
      const value = sensitive && !options.showSensitive ? maskSensitive(o.value, true) : o.value;
      outputs[name] = { sensitive, value: sortKeysDeep(value ?? null), ...(o.type !== undefined ? { type: o.type } : {}) };
    }
    // Terraform writes `outputs` before `root_module`.
    return { outputs, root_module: out.root_module };
  }
  return out;
}
