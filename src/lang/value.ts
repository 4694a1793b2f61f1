/**
 * Values of the expression language.
 *
 * Representation (chosen for speed: the plan engine evaluates tens of thousands of expressions per plan):
 * - The common case — a known value with no marks — is plain JS data: `null`, `boolean`, `number`, `string`,
 *   arrays (HCL tuples, lists and sets) and null-prototype or plain objects (HCL objects and maps). No wrapper,
 *   no allocation beyond what the data itself needs, and JSON from state or `.tf.json` is a Value as-is.
 * - `Unknown` ("known after apply") is a small class carrying the type the value will have, `dynamic` when
 *   nothing is known about it. `UNKNOWN` is the shared untyped instance.
 * - `Marked` wraps a value that carries the *sensitive* mark. The wrapped value is never itself `Marked` (marks
 *   do not nest) but may be `Unknown` (a sensitive value not yet known). Marks may sit at any depth inside a
 *   structure: `{ password: Marked("x") }` is an object with one sensitive attribute.
 *
 * Sets have no representation of their own: a set is an array whose elements are distinct and sorted by
 * `compareValues` (see types.ts `convert`), so equal sets are equal arrays and output is deterministic.
 *
 * Numbers are JS doubles. Terraform's numbers are arbitrary precision; doubles are exact for integers up to
 * 2^53, which covers every count, size and port a backup configuration holds. `formatNumber` prints integers
 * without ".0" or exponent and rounds fractions to 15 significant digits so `0.1 + 0.2` prints as "0.3".
 */

import type { Type } from "./types.js";

/** A value of the expression language; see the file comment for what each form means. */
export type Value = null | boolean | number | string | Value[] | ValueObject | Unknown | Marked;

/** A value without a top-level mark (it may still hold marked values inside). */
export type Unmarked = Exclude<Value, Marked>;

export interface ValueObject {
  [key: string]: Value;
}

/** A value known only after apply. `type` is what it will be once known (`dynamic` when not even that is). */
export class Unknown {
  constructor(readonly type: Type) {}
}

/** A value carrying the sensitive mark. Construct through `markSensitive`, which flattens nested marks. */
export class Marked {
  constructor(readonly value: Unmarked) {}
}

const DYNAMIC: Type = { kind: "dynamic" };

/** The shared unknown whose type is not known either. */
export const UNKNOWN = new Unknown(DYNAMIC);

/** An unknown value of the given type. */
export function unknownOf(type: Type): Unknown {
  return type.kind === "dynamic" ? UNKNOWN : new Unknown(type);
}

/** Whether `v` is a plain object (HCL object or map), not an array, null, Unknown or Marked. */
export function isObject(v: Value): v is ValueObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown) && !(v instanceof Marked);
}

/**
 * Objects whose prototype chain holds no Object.prototype, so keys like `__proto__` stay ordinary keys. Made by a
 * constructor rather than `Object.create(null)`, which V8 keeps in dictionary mode: slower to read, larger, and
 * made for every object value of every planned instance.
 */
const NullPrototypeObject = function NullPrototypeObject() {} as unknown as new () => ValueObject;
NullPrototypeObject.prototype = Object.create(null) as ValueObject;

/** A fresh empty object for building results, with no inherited keys (see `NullPrototypeObject`). */
export function newObject(): ValueObject {
  return new NullPrototypeObject();
}

/** The own attribute `key` of `obj`, or `undefined` when absent (never something inherited from a prototype). */
export function getAttr(obj: ValueObject, key: string): Value | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Whether `v` is sensitive at its top level. */
export function isMarked(v: Value): v is Marked {
  return v instanceof Marked;
}

/** `v` with the sensitive mark (idempotent). */
export function markSensitive(v: Value): Value {
  return v instanceof Marked ? v : new Marked(v);
}

/** `v` with its top-level mark removed, plus whether there was one. */
export function unmark(v: Value): [Unmarked, boolean] {
  return v instanceof Marked ? [v.value, true] : [v, false];
}

/** `v` without its top-level mark. */
export function unmarked(v: Value): Unmarked {
  return v instanceof Marked ? v.value : v;
}

/** Marks `v` when `sensitive` is true; returns `v` unchanged otherwise. */
export function markIf(v: Value, sensitive: boolean): Value {
  return sensitive ? markSensitive(v) : v;
}

/**
 * `v` with every mark at every depth removed, plus whether any was found. Returns the same object when there
 * was nothing to remove, so calling it on unmarked data costs one walk and no allocation.
 */
export function unmarkDeep(v: Value): [Unmarked, boolean] {
  if (v instanceof Marked) return [unmarkDeep(v.value)[0], true];
  if (Array.isArray(v)) {
    let out: Value[] | undefined;
    let found = false;
    for (let i = 0; i < v.length; i++) {
      const [e, m] = unmarkDeep(v[i]!);
      if (m) {
        found = true;
        out ??= v.slice();
        out[i] = e;
      }
    }
    return [out ?? v, found];
  }
  if (isObject(v)) {
    let out: ValueObject | undefined;
    let found = false;
    for (const k of Object.keys(v)) {
      const [e, m] = unmarkDeep(v[k]!);
      if (m) {
        found = true;
        out ??= copyObject(v);
        out[k] = e;
      }
    }
    return [out ?? v, found];
  }
  return [v, false];
}

/** Whether `v` carries a mark anywhere. */
export function containsMarks(v: Value): boolean {
  if (v instanceof Marked) return true;
  if (Array.isArray(v)) return v.some(containsMarks);
  if (isObject(v)) {
    for (const k in v) if (containsMarks(v[k]!)) return true;
  }
  return false;
}

/** `v` with the sensitive mark on every leaf (used when a whole object is declared sensitive). */
export function markDeep(v: Value): Value {
  const inner = unmarked(v);
  if (Array.isArray(inner)) return markSensitive(inner.map(markDeep));
  if (isObject(inner)) {
    const out = newObject();
    for (const k of Object.keys(inner)) out[k] = markDeep(inner[k]!);
    return markSensitive(out);
  }
  return markSensitive(inner);
}

/** Whether `v` is known at its top level (a marked unknown is not known). Elements may still be unknown. */
export function isKnown(v: Value): boolean {
  return !(v instanceof Unknown) && !(v instanceof Marked && v.value instanceof Unknown);
}

/** Whether `v` and everything inside it is known. */
export function isWhollyKnown(v: Value): boolean {
  if (v instanceof Unknown) return false;
  if (v instanceof Marked) return isWhollyKnown(v.value);
  if (Array.isArray(v)) {
    for (const e of v) if (!isWhollyKnown(e)) return false;
    return true;
  }
  if (isObject(v)) {
    for (const k in v) if (!isWhollyKnown(v[k]!)) return false;
    return true;
  }
  return true;
}

/** Whether `v` is null (looking through a mark; an unknown is not null). */
export function isNull(v: Value): boolean {
  return v === null || (v instanceof Marked && v.value === null);
}

/** A shallow copy of an object into a null-prototype object. */
export function copyObject(o: ValueObject): ValueObject {
  const out = newObject();
  for (const k of Object.keys(o)) out[k] = o[k]!;
  return out;
}

/** One step of a path into a value, in the shape Terraform state uses for `sensitive_attributes`. */
export type PathStep =
  | { type: "get_attr"; value: string }
  | { type: "index"; value: { value: string; type: "string" } | { value: number; type: "number" } };

export type Path = PathStep[];

/**
 * The paths of every marked value inside `v`, outermost first, in the format of Terraform state
 * `sensitive_attributes`. Object attributes are `get_attr` steps; array elements are `index` steps with a number
 * key. (Maps and objects are both plain objects here, so map keys also come out as `get_attr`; Terraform readers
 * accept either for a map.) A mark on `v` itself gives the empty path.
 */
export function sensitivePaths(v: Value): Path[] {
  const out: Path[] = [];
  collectPaths(v, [], out);
  return out;
}

/** `prefix` holds plain keys (index numbers, attribute names): steps are made only for a marked value's path. */
function collectPaths(v: Value, prefix: (string | number)[], out: Path[]): void {
  if (v instanceof Marked) {
    out.push(prefix.map((k) => (typeof k === "number" ? { type: "index", value: { value: k, type: "number" } } : { type: "get_attr", value: k })));
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      prefix.push(i);
      collectPaths(v[i]!, prefix, out);
      prefix.pop();
    }
  } else if (isObject(v)) {
    for (const k in v) {
      prefix.push(k);
      collectPaths(v[k]!, prefix, out);
      prefix.pop();
    }
  }
}

/**
 * `v` with the sensitive mark applied at each of `paths` (the inverse of `sensitivePaths`, used when reading
 * state). Paths that do not exist in `v` are ignored: state may name attributes a newer schema has dropped.
 */
export function markPaths(v: Value, paths: readonly Path[]): Value {
  let out = v;
  for (const p of paths) out = markAt(out, p, 0);
  return out;
}

function markAt(v: Value, path: Path, i: number): Value {
  if (i === path.length) return markSensitive(v);
  const [inner, wasMarked] = unmark(v);
  const step = path[i]!;
  if (Array.isArray(inner)) {
    const idx = step.type === "index" ? Number(step.value.value) : NaN;
    if (!Number.isInteger(idx) || idx < 0 || idx >= inner.length) return v;
    const copy = inner.slice();
    copy[idx] = markAt(inner[idx]!, path, i + 1);
    return markIf(copy, wasMarked);
  }
  if (isObject(inner)) {
    const key = step.type === "get_attr" ? step.value : String(step.value.value);
    const cur = getAttr(inner, key);
    if (cur === undefined) return v;
    const copy = copyObject(inner);
    copy[key] = markAt(cur, path, i + 1);
    return markIf(copy, wasMarked);
  }
  return v;
}

/** Kinds of value, for error messages and dispatch. */
export type ValueKind = "null" | "bool" | "number" | "string" | "tuple" | "object" | "unknown";

/** The kind of `v`, looking through a mark. */
export function kindOf(v: Value): ValueKind {
  const u = unmarked(v);
  if (u === null) return "null";
  switch (typeof u) {
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
      return "string";
    default:
      if (u instanceof Unknown) return "unknown";
      return Array.isArray(u) ? "tuple" : "object";
  }
}

/**
 * Deep structural equality of two wholly known values, ignoring marks. Numbers compare by value, objects by
 * their key sets and values (key order does not matter). Callers handle unknowns first (`equalValue` does).
 */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a instanceof Marked) a = a.value;
  if (b instanceof Marked) b = b.value;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof Unknown || b instanceof Unknown) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    const bv = getAttr(b, k);
    if (bv === undefined || !valuesEqual(a[k]!, bv)) return false;
  }
  return true;
}

/**
 * HCL `==` on two values: unknown (bool) when either side is not wholly known, otherwise a boolean; sensitive
 * when either side carries a mark anywhere.
 */
export function equalValue(a: Value, b: Value): Value {
  const sensitive = containsMarks(a) || containsMarks(b);
  if (!isWhollyKnown(a) || !isWhollyKnown(b)) return markIf(unknownOf({ kind: "bool" }), sensitive);
  return markIf(valuesEqual(a, b), sensitive);
}

/**
 * A total order over known values, used to sort set elements deterministically: by kind (bool < number < string
 * < others), then booleans false < true, numbers numerically, strings by UTF-16 code units, and anything else by
 * its canonical JSON text.
 */
export function compareValues(a: Value, b: Value): number {
  const ua = unmarked(a);
  const ub = unmarked(b);
  const ra = rank(ua);
  const rb = rank(ub);
  if (ra !== rb) return ra - rb;
  if (typeof ua === "number" && typeof ub === "number") return ua - ub;
  if (typeof ua === "string" && typeof ub === "string") return ua < ub ? -1 : ua > ub ? 1 : 0;
  if (typeof ua === "boolean" && typeof ub === "boolean") return Number(ua) - Number(ub);
  const ja = canonicalJson(ua);
  const jb = canonicalJson(ub);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
      return 2;
    case "string":
      return 3;
    default:
      return v instanceof Unknown ? 5 : 4;
  }
}

/** JSON text of a known value with object keys sorted (marks ignored, unknowns as `null`). */
export function canonicalJson(v: Value): string {
  const u = unmarked(v);
  if (u instanceof Unknown || u === null) return "null";
  if (Array.isArray(u)) return `[${u.map(canonicalJson).join(",")}]`;
  if (typeof u === "object") {
    const keys = Object.keys(u).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(u[k]!)}`).join(",")}}`;
  }
  return JSON.stringify(u);
}

/** `values` sorted by `compareValues` with duplicates (by `valuesEqual`) removed: the set representation. */
export function toSetArray(values: readonly Value[]): Value[] {
  const sorted = values.slice().sort(compareValues);
  const out: Value[] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (out.length === 0 || !valuesEqual(last!, v) || containsMarks(last!) !== containsMarks(v)) out.push(v);
  }
  return out;
}

/** The JSON mirror Terraform plans use for `after_unknown` / `after_sensitive`. */
export type Mask = boolean | Mask[] | { [k: string]: Mask };

/**
 * `after_unknown` of a plan: `true` where `v` is unknown, `false` for a known primitive, arrays element by
 * element, objects listing only attributes that are not plain `false` (a known nested object is `{}`), exactly
 * as Terraform's JSON plan writes it.
 */
export function unknownMask(v: Value): Mask {
  return mask(v, (x) => x instanceof Unknown || (x instanceof Marked && x.value instanceof Unknown));
}

/** `before_sensitive` / `after_sensitive` of a plan: the same shape as `unknownMask`, `true` at marked values. */
export function sensitiveMask(v: Value): Mask {
  return mask(v, (x) => x instanceof Marked);
}

function mask(v: Value, hit: (x: Value) => boolean): Mask {
  if (hit(v)) return true;
  const u = unmarked(v);
  if (Array.isArray(u)) return u.map((e) => mask(e, hit));
  if (isObject(u)) {
    const out: { [k: string]: Mask } = {};
    for (const k of Object.keys(u)) {
      const m = mask(u[k]!, hit);
      if (m !== false) out[k] = m;
    }
    return out;
  }
  return false;
}
