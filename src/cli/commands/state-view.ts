import type { Json } from "../../plan/plan.js";
import type { ProviderRegistry } from "../../plan/providers.js";
import { stateToSdk } from "../../plan/state-values.js";
import { parseProviderConfig } from "../../state/provider-config.js";
import type { JsonObject, State } from "../../state/state.js";
import { encodeStateV4 } from "../../state/v4.js";
import type { V4InstanceJson, V4PathStep, V4StateJson } from "../../views/index.js";
import { SENSITIVE_TEXT } from "../../views/index.js";

/**
 * How `show` and `state show` print state: Terraform's human layout (`# address:` then the resource block with
 * every non-null attribute, four spaces per level, sensitive values masked), built from the provider-facing
 * view of the state (dynamic attributes unwrapped from their `{value, type}` storage form). Pure.
 */

/**
 * The state as v4 JSON with each attribute in the form its provider sees it: attributes of dynamic type
 * (`terraform_data.input`) are stored as `{"value", "type"}` and come out as the bare value, as `terraform show
 * -json` prints them. Resources whose provider or type `registry` does not know are left as stored.
 */
export function viewStateJson(state: State, registry: ProviderRegistry): V4StateJson {
  const doc = JSON.parse(encodeStateV4(state)) as V4StateJson;
  for (const r of doc.resources ?? []) {
    const pc = parseProviderConfig(r.provider);
    const provider = pc ? registry.bySource(pc.source) : undefined;
    const schema = r.mode === "managed" ? provider?.resources.get(r.type) : provider?.dataSources.get(r.type);
    if (!schema) continue;
    for (const inst of r.instances) {
      if (!inst.attributes) continue;
      inst.attributes = stateToSdk(inst.attributes as JsonObject, { attributes: schema.attributes, shape: schema.schema.shape }) as { [key: string]: Json };
    }
  }
  return doc;
}

/** Sensitive marks as a tree: `true` at marked paths (the whole value when a path is empty). */
type Marks = true | { [key: string]: Marks } | Marks[] | undefined;

function marksOf(paths: readonly V4PathStep[][]): Marks {
  let root: Marks = undefined;
  for (const path of paths) {
    if (path.length === 0) return true;
    root = setMark(root, path, 0);
  }
  return root;
}

function setMark(node: Marks, path: readonly V4PathStep[], i: number): Marks {
  if (node === true || i === path.length) return true;
  const step = path[i]!;
  if (step.type === "index" && typeof step.value === "number") {
    const arr: Marks[] = Array.isArray(node) ? node : [];
    arr[step.value] = setMark(arr[step.value], path, i + 1);
    return arr;
  }
  const key = typeof step.value === "string" ? step.value : JSON.stringify(step.value);
  const obj: { [key: string]: Marks } = node !== undefined && !Array.isArray(node) ? node : {};
  obj[key] = setMark(obj[key], path, i + 1);
  return obj;
}

function child(m: Marks, key: string | number): Marks {
  if (m === true || m === undefined) return m;
  if (Array.isArray(m)) return typeof key === "number" ? m[key] : undefined;
  return typeof key === "string" ? m[key] : undefined;
}

const pad = (level: number) => "    ".repeat(level);

function keyText(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
}

/** A value at nesting `level` (its first line continues the caller's `key = `). */
export function renderValue(v: Json, level: number, marks: Marks = undefined): string {
  if (marks === true) return SENSITIVE_TEXT;
  if (v === null) return "null";
  if (typeof v === "string") {
    if (!v.includes("\n")) return JSON.stringify(v);
    const lines = v.endsWith("\n") ? v.slice(0, -1).split("\n") : v.split("\n");
    return `<<-EOT\n${lines.map((l) => `${pad(level + 1)}${l}`).join("\n")}\n${pad(level)}EOT`;
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const items = v.map((x, i) => `${pad(level + 1)}${renderValue(x, level + 1, child(marks, i))},`);
    return `[\n${items.join("\n")}\n${pad(level)}]`;
  }
  const body = renderAttributes(v, level + 1, marks);
  return body === "" ? "{}" : `{\n${body}\n${pad(level)}}`;
}

/** `key = value` lines of an object at `level`, keys sorted, `=` aligned, null attributes left out. */
function renderAttributes(obj: { [key: string]: Json }, level: number, marks: Marks): string {
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== null)
    .sort();
  if (keys.length === 0) return "";
  const width = Math.max(...keys.map((k) => keyText(k).length));
  return keys.map((k) => `${pad(level)}${keyText(k).padEnd(width)} = ${renderValue(obj[k]!, level, child(marks, k))}`).join("\n");
}

export interface InstanceView {
  address: string;
  /** `module.a.module.b`, "" in the root module. */
  module: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  instance: V4InstanceJson;
}

/** Every instance object of a state view (current and deposed), in state-file order. */
export function instancesOf(view: V4StateJson): InstanceView[] {
  const out: InstanceView[] = [];
  for (const r of view.resources ?? []) {
    for (const inst of r.instances) {
      const key = inst.index_key === undefined ? "" : typeof inst.index_key === "number" ? `[${inst.index_key}]` : `[${JSON.stringify(inst.index_key)}]`;
      const address = `${r.module ? `${r.module}.` : ""}${r.mode === "data" ? "data." : ""}${r.type}.${r.name}${key}`;
      out.push({ address, module: r.module ?? "", mode: r.mode, type: r.type, name: r.name, instance: inst });
    }
  }
  return out;
}

/** One instance as `terraform state show` prints it. */
export function renderInstanceText(iv: InstanceView): string {
  const notes = `${iv.instance.deposed ? ` (deposed object ${iv.instance.deposed})` : ""}${iv.instance.status === "tainted" ? " (tainted)" : ""}`;
  const body = renderAttributes(iv.instance.attributes ?? {}, 1, marksOf(iv.instance.sensitive_attributes ?? []));
  const header = `${iv.mode === "data" ? "data" : "resource"} ${JSON.stringify(iv.type)} ${JSON.stringify(iv.name)}`;
  return `# ${iv.address}:${notes}\n${header} {${body === "" ? "" : `\n${body}`}\n}\n`;
}

/** The whole state as `terraform show` prints it; "No state." when it holds nothing. */
export function renderStateText(view: V4StateJson): string {
  const instances = instancesOf(view);
  const names = Object.keys(view.outputs ?? {}).sort();
  if (instances.length === 0 && names.length === 0) return "No state.\n";
  // Terraform separates blocks by a blank line, and the resources of one module from the next by two.
  let out = instances.map((iv, i) => `${i > 0 ? "\n" : ""}${i > 0 && iv.module !== instances[i - 1]!.module ? "\n" : ""}${renderInstanceText(iv)}`).join("");
  if (names.length > 0) {
    out += `${out === "" ? "" : "\n\n"}Outputs:\n\n`;
    for (const name of names) {
      const o = view.outputs![name]!;
      out += `${name} = ${o.sensitive ? SENSITIVE_TEXT : renderValue(o.value, 0)}\n`;
    }
  }
  return out;
}
