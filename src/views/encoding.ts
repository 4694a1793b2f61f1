import type { Json, PlanValue } from "../plan/plan.js";

/**
 * Walking and re-encoding values in the plan-JSON encoding (`PlanValue`: a known part plus `unknown` and
 * `sensitive` trees of the same shape). Pure helpers shared by every renderer.
 */

/** What every renderer prints instead of a sensitive value. */
export const SENSITIVE_TEXT = "(sensitive value)";

/** One position inside a PlanValue. `value` is undefined where the known part omits the key (an unknown leaf). */
export interface ValueNode {
  value: Json | undefined;
  unknown: Json;
  sensitive: Json;
}

export function rootNode(pv: PlanValue | null): ValueNode | null {
  return pv === null ? null : { value: pv.value, unknown: pv.unknown, sensitive: pv.sensitive };
}

export function isPlainObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function subMark(mark: Json, key: string | number): Json {
  if (mark === true) return true;
  if (typeof key === "number" && Array.isArray(mark)) return mark[key] ?? false;
  if (typeof key === "string" && isPlainObject(mark)) return mark[key] ?? false;
  return false;
}

export function childNode(n: ValueNode, key: string | number): ValueNode {
  let value: Json | undefined;
  if (typeof key === "number" && Array.isArray(n.value)) value = n.value[key];
  else if (typeof key === "string" && isPlainObject(n.value)) value = n.value[key];
  return { value, unknown: subMark(n.unknown, key), sensitive: subMark(n.sensitive, key) };
}

export function isUnknownNode(n: ValueNode): boolean {
  return n.unknown === true;
}

export function isSensitiveNode(n: ValueNode): boolean {
  return n.sensitive === true;
}

/** Null or absent, and not unknown. */
export function isNullNode(n: ValueNode | null): boolean {
  return n === null || (!isUnknownNode(n) && (n.value === null || n.value === undefined));
}

/** Keys of an object node: those of the known part plus attributes that are wholly unknown (omitted from it). */
export function objectKeys(n: ValueNode): string[] {
  const keys = new Set<string>();
  if (isPlainObject(n.value)) for (const k of Object.keys(n.value)) keys.add(k);
  if (isPlainObject(n.unknown)) for (const [k, v] of Object.entries(n.unknown)) if (v === true) keys.add(k);
  return [...keys];
}

export function arrayLength(n: ValueNode): number {
  if (Array.isArray(n.value)) return n.value.length;
  if (Array.isArray(n.unknown)) return n.unknown.length;
  return 0;
}

export type Shape = "object" | "array" | "primitive";

/** The shape of a node's value, or null for null. An object whose unknown tree is an object counts as an object. */
export function shapeOf(n: ValueNode): Shape | null {
  if (Array.isArray(n.value) || (n.value === undefined && Array.isArray(n.unknown))) return "array";
  if (isPlainObject(n.value) || (n.value === undefined && isPlainObject(n.unknown))) return "object";
  if (n.value === null || n.value === undefined) return null;
  return "primitive";
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Terraform's `*_sensitive` / `after_unknown` encoding of a mark tree over a value: `true` where marked, objects
 * keep only entries that are not `false`, arrays keep one entry per element, primitives and null are `false`.
 * Marks for keys the value omits (unknown attributes) are kept.
 *
 * `shapes` stands in for the type Terraform knows from the schema when encoding `after_sensitive`: where `unknown`
 * says a value is unknown and the prior value (`shapes.prior`) there was an object or a list, the entry is `{}` or
 * `[]`, as Terraform encodes unknown collections.
 */
export function boolTree(value: Json | undefined, marks: Json, shapes?: Shapes): Json {
  if (marks === true) return true;
  if (shapes !== undefined && shapes.unknown === true) {
    if (isPlainObject(shapes.prior)) return {};
    if (Array.isArray(shapes.prior)) return [];
    return false;
  }
  if (Array.isArray(value)) {
    const out: Json[] = new Array<Json>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = boolTree(value[i], subMark(marks, i), shapes && subShapes(shapes, i));
    return out;
  }
  const objMarks = isPlainObject(marks);
  if (!isPlainObject(value) && !(value === undefined && objMarks)) return false;
  const keys = isPlainObject(value) ? Object.keys(value) : [];
  const unknownObj = shapes !== undefined && isPlainObject(shapes.unknown) ? shapes.unknown : undefined;
  if (objMarks || unknownObj) {
    const seen = new Set(keys);
    if (objMarks) for (const k of Object.keys(marks)) if (!seen.has(k)) (seen.add(k), keys.push(k));
    if (unknownObj) for (const k of Object.keys(unknownObj)) if (unknownObj[k] === true && !seen.has(k)) (seen.add(k), keys.push(k));
  }
  keys.sort(compareStrings);
  const out: { [key: string]: Json } = {};
  for (const k of keys) {
    const t = boolTree(isPlainObject(value) ? value[k] : undefined, subMark(marks, k), shapes && subShapes(shapes, k));
    if (t !== false) out[k] = t;
  }
  return out;
}

interface Shapes {
  prior: Json | undefined;
  unknown: Json;
}

function subShapes(shapes: Shapes, k: string | number): Shapes {
  let prior: Json | undefined;
  if (typeof k === "number") prior = Array.isArray(shapes.prior) ? shapes.prior[k] : undefined;
  else prior = isPlainObject(shapes.prior) ? shapes.prior[k] : undefined;
  return { prior, unknown: subMark(shapes.unknown, k) };
}

/** Whether a mark tree marks anything at all. */
export function anyMarked(marks: Json): boolean {
  if (marks === true) return true;
  if (Array.isArray(marks)) return marks.some(anyMarked);
  if (isPlainObject(marks)) return Object.values(marks).some(anyMarked);
  return false;
}

/**
 * The known part as Terraform's plan JSON writes it: unknown object attributes left out, unknown list elements
 * written as null. Returns undefined when the whole value is unknown.
 */
export function knownPart(value: Json | undefined, unknown: Json): Json | undefined {
  if (unknown === true) return undefined;
  if (Array.isArray(value)) return value.map((v, i) => knownPart(v, subMark(unknown, i)) ?? null);
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      const known = knownPart(v, subMark(unknown, k));
      if (known !== undefined) out[k] = known;
    }
    return out;
  }
  return value;
}

/**
 * Replaces every sensitive leaf (or whole sensitive subtree) with `SENSITIVE_TEXT`. Null stays null: that a
 * secret is unset is no secret, and it keeps "set vs unset" visible to policy checks.
 */
export function maskSensitive(value: Json | undefined, sensitive: Json): Json | undefined {
  if (value === undefined) return undefined;
  if (sensitive === true) return value === null ? null : SENSITIVE_TEXT;
  if (sensitive === false) return value;
  if (Array.isArray(value)) return value.map((v, i) => maskSensitive(v, subMark(sensitive, i)) ?? null);
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      const m = maskSensitive(v, subMark(sensitive, k));
      if (m !== undefined) out[k] = m;
    }
    return out;
  }
  return value;
}

/** A copy with object keys in Go's order at every level, as Terraform writes attribute values (cty objects, maps). */
export function sortKeysDeep(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(value).sort(compareStrings)) out[k] = sortKeysDeep(value[k]!);
    return out;
  }
  return value;
}

/** Go's byte-wise string order (UTF-8 order equals code point order), which Terraform uses to sort addresses. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order equals code point order except between surrogates and U+E000..U+FFFF.
    if ((x < 0xd800 && y < 0xd800) || (x >= 0xe000 && y >= 0xe000)) return x - y;
    return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}
