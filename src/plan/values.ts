import { isObject, Marked, markPaths, newObject, sensitivePaths, Unknown, UNKNOWN as LANG_UNKNOWN, type Path, type Value } from "../lang/value.js";
import { isUnknown, UNKNOWN, type SdkObject, type SdkValue } from "../sdk/value.js";
import type { Json, PlanValue } from "./plan.js";

/**
 * Conversions at the plan engine's boundaries: `lang` values (marks, typed unknowns) meet providers (`sdk`
 * values: plain JSON plus one UNKNOWN sentinel) and plans (Terraform's plan-JSON encoding).
 */

/** Strips marks and turns lang unknowns into the sdk sentinel. Record `sensitivePaths(v)` first if needed. */
export function toSdk(v: Value): SdkValue {
  if (v instanceof Marked) return toSdk(v.value);
  if (v instanceof Unknown) return UNKNOWN;
  if (Array.isArray(v)) return v.map(toSdk);
  if (isObject(v)) {
    const out: SdkObject = {};
    for (const k of Object.keys(v)) out[k] = toSdk(v[k]!);
    return out;
  }
  return v;
}

/** The inverse of `toSdk`, re-applying sensitive marks at `sensitive` paths (plain steps: `["a", 0]`). */
export function fromSdk(v: SdkValue, sensitive: readonly (string | number)[][] = []): Value {
  const plain = fromSdkPlain(v);
  return sensitive.length ? markPaths(plain, sensitive.map(langPath)) : plain;
}

function langPath(p: readonly (string | number)[]): Path {
  return p.map((s) => (typeof s === "number" ? { type: "index" as const, value: { value: s, type: "number" as const } } : { type: "get_attr" as const, value: s }));
}

function fromSdkPlain(v: SdkValue): Value {
  if (isUnknown(v)) return LANG_UNKNOWN;
  if (Array.isArray(v)) return v.map(fromSdkPlain);
  if (v !== null && typeof v === "object") {
    const out = newObject();
    for (const k of Object.keys(v)) out[k] = fromSdkPlain(v[k]!);
    return out;
  }
  return v;
}

/** Whether `path` (attribute names and indexes) starts with `prefix`. */
function startsWith(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

/** Terraform state paths as plain steps (`[{get_attr: "a"}, {index: 0}]` → `["a", 0]`). */
export function plainPath(p: Path): (string | number)[] {
  return p.map((s) => (s.type === "get_attr" ? s.value : s.value.value));
}

/**
 * Encodes a value the way Terraform's plan JSON does: the known part (unknown leaves omitted from objects,
 * null in arrays), and `unknown`/`sensitive` trees of the same shape with `true` at marked leaves; known
 * primitives are omitted from objects and `false` in arrays.
 */
export function toPlanValue(v: SdkValue, sensitive: readonly (string | number)[][] = []): PlanValue {
  const value = knownPart(v);
  sawUnknown = false;
  const unknown = unknownTree(v);
  // Of a wholly known value, the tree with nothing marked is the unknown tree: one object serves both (the trees
  // are read, never changed, and every instance of every plan has two of each).
  return { value, unknown, sensitive: sensitive.length > 0 ? sensitiveTree(v, [], sensitive) : sawUnknown ? unmarkedTree(v) : unknown };
}

/** Set by `unknownTree` when it meets an unknown leaf (the walk is synchronous: nothing runs in between). */
let sawUnknown = false;

/** The tree of an object none of whose leaves is marked: one shared, frozen object (the commonest tree node). */
const NOTHING_MARKED: { [k: string]: Json } = Object.freeze({});

function knownPart(v: SdkValue): Json {
  if (isUnknown(v)) return null;
  if (Array.isArray(v)) return v.map(knownPart);
  if (v !== null && typeof v === "object") {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v)) if (!isUnknown(v[k]!)) out[k] = knownPart(v[k]!);
    return out;
  }
  return v;
}

// The three trees below are built for every instance of every plan, so each walks its value once without
// building a path per node unless it needs one.

function unknownTree(v: SdkValue): Json {
  if (isUnknown(v)) {
    sawUnknown = true;
    return true;
  }
  if (Array.isArray(v)) return v.map(unknownTree);
  if (v !== null && typeof v === "object") {
    let out: { [k: string]: Json } | undefined;
    for (const k of Object.keys(v)) {
      const t = unknownTree(v[k]!);
      if (t !== false) (out ??= {})[k] = t;
    }
    return out ?? NOTHING_MARKED;
  }
  return false;
}

/** The tree with nothing marked: `false` leaves in arrays, known primitives left out of objects. */
function unmarkedTree(v: SdkValue): Json {
  if (Array.isArray(v)) return v.map(unmarkedTree);
  if (v !== null && typeof v === "object" && !isUnknown(v)) {
    let out: { [k: string]: Json } | undefined;
    for (const k of Object.keys(v)) {
      const t = unmarkedTree(v[k]!);
      if (t !== false) (out ??= {})[k] = t;
    }
    return out ?? NOTHING_MARKED;
  }
  return false;
}

/** `path` is this node's path, extended and restored in place while walking the children. */
function sensitiveTree(v: SdkValue, path: (string | number)[], sensitive: readonly (string | number)[][]): Json {
  if (sensitive.some((s) => startsWith(path, s))) return true;
  if (Array.isArray(v)) {
    return v.map((x, i) => {
      path.push(i);
      const t = sensitiveTree(x, path, sensitive);
      path.pop();
      return t;
    });
  }
  if (v !== null && typeof v === "object" && !isUnknown(v)) {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v)) {
      path.push(k);
      const t = sensitiveTree(v[k]!, path, sensitive);
      path.pop();
      if (t !== false) out[k] = t;
    }
    return out;
  }
  return false;
}

/** The sensitive leaf paths of a lang value as plain steps. */
export function sensitiveLeafPaths(v: Value): (string | number)[][] {
  return sensitivePaths(v).map(plainPath);
}

/** A lang value (known, unmarked parts) as plain JSON. */
export function toJson(v: Value): Json {
  const s = toSdk(v);
  return JSON.parse(JSON.stringify(s, (_k, x) => (typeof x === "symbol" ? null : x))) as Json;
}

