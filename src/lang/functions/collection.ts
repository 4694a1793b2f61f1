/**
 * Collection functions: length, merge, concat, lookup, keys/values, flatten, distinct, contains, element,
 * index, range, zipmap, coalesce*, compact, one, slice, sort, reverse, set algebra, chunklist, sum,
 * alltrue/anytrue, transpose. Objects are walked in sorted key order, as Terraform orders map keys.
 */
import { convert } from "../convert.js";
import { BOOL, DYNAMIC, listOf, mapOf, NUMBER, setOf, STRING, typeOf, unify, type Type } from "../types.js";
import {
  getAttr,
  isObject,
  markIf,
  newObject,
  toSetArray,
  Unknown,
  unknownOf,
  unmark,
  valuesEqual,
  type Value,
  type ValueObject,
} from "../value.js";
import { chars } from "./string.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });
const LIST = listOf(DYNAMIC);
const SET = setOf(DYNAMIC);

export function sortedKeys(o: ValueObject): string[] {
  return Object.keys(o).sort();
}

function kindName(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "tuple";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

function asList(v: Value, argIndex: number): Value[] {
  if (!Array.isArray(v)) throw new FunctionError(`a list, set or tuple is required, got ${kindName(v)}`, argIndex);
  return v;
}

function asInt(v: Value, argIndex: number, what: string): number {
  const n = v as number;
  if (!Number.isInteger(n)) throw new FunctionError(`${what} must be a whole number`, argIndex);
  return n;
}

/** Elements of every list unified to one element type (as `concat` and set functions do). */
function unifiedElements(lists: Value[][], argIndex: number): Value[][] {
  const t = unify(lists.flatMap((l) => l.map(typeOf)));
  if (!t) throw new FunctionError("all elements must have the same type", argIndex);
  if (t.kind === "dynamic") return lists;
  return lists.map((l) =>
    l.map((e) => {
      const c = convert(e, t);
      if (!c.ok) throw new FunctionError(c.error.message, argIndex);
      return c.value;
    }),
  );
}

/** Appends the leaves of nested lists to `out`; a mark on a nested list goes onto each of its leaves. */
function flattenInto(v: Value[], out: Value[], marked: boolean): boolean {
  for (const e of v) {
    const [u, m] = unmark(e);
    if (u instanceof Unknown) return false;
    if (Array.isArray(u)) {
      if (!flattenInto(u, out, marked || m)) return false;
    } else out.push(markIf(e, marked));
  }
  return true;
}

export const collectionFunctions: Record<string, FunctionDef> = {
  length: {
    params: [p("value", DYNAMIC, { allowUnknown: true, allowMarked: true })],
    returns: NUMBER,
    impl: ([v]) => {
      const [u, marked] = unmark(v!);
      if (u instanceof Unknown) return markIf(unknownOf(NUMBER), marked);
      if (typeof u === "string") return markIf(chars(u).length, marked);
      if (Array.isArray(u)) return markIf(u.length, marked);
      if (isObject(u)) return markIf(Object.keys(u).length, marked);
      throw new FunctionError("argument must be a string, a collection type, or a structural type", 0);
    },
  },
  merge: {
    params: [],
    variadic: p("maps", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: "nested" }),
    returns: DYNAMIC,
    impl: (args) => {
      const out = newObject();
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === null) continue;
        if (a instanceof Unknown) return unknownOf(DYNAMIC);
        if (!isObject(a)) throw new FunctionError(`arguments must be maps or objects, got "${kindName(a)}"`, i);
        for (const k of Object.keys(a)) out[k] = a[k]!;
      }
      return out;
    },
  },
  concat: {
    params: [],
    variadic: p("seqs", DYNAMIC, { allowUnknown: true, allowMarked: "nested" }),
    returns: LIST,
    impl: (args) => {
      const out: Value[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a instanceof Unknown) return unknownOf(LIST);
        out.push(...asList(a, i));
      }
      return out;
    },
  },
  lookup: {
    params: [p("inputMap", DYNAMIC, { allowUnknown: true, allowMarked: "nested" }), p("key", STRING)],
    variadic: p("default", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: "nested" }),
    returns: DYNAMIC,
    impl: ([m, key, ...rest]) => {
      if (rest.length > 1) throw new FunctionError("lookup() takes at most three arguments", 3);
      if (m instanceof Unknown) return unknownOf(DYNAMIC);
      if (!isObject(m!)) throw new FunctionError(`a map or object is required, got ${kindName(m!)}`, 0);
      const v = getAttr(m, key as string);
      if (v !== undefined) return v;
      if (rest.length === 1) return rest[0]!;
      throw new FunctionError(`lookup failed to find key ${JSON.stringify(key)}`);
    },
  },
  keys: {
    params: [p("inputMap", DYNAMIC, { allowUnknown: true, allowMarked: "nested" })],
    returns: listOf(STRING),
    impl: ([m]) => {
      if (m instanceof Unknown) return unknownOf(listOf(STRING));
      if (!isObject(m!)) throw new FunctionError(`a map or object is required, got ${kindName(m!)}`, 0);
      return sortedKeys(m);
    },
  },
  values: {
    params: [p("mapping", DYNAMIC, { allowUnknown: true, allowMarked: "nested" })],
    returns: LIST,
    impl: ([m]) => {
      if (m instanceof Unknown) return unknownOf(LIST);
      if (!isObject(m!)) throw new FunctionError(`a map or object is required, got ${kindName(m!)}`, 0);
      return sortedKeys(m).map((k) => m[k]!);
    },
  },
  flatten: {
    params: [p("list", DYNAMIC, { allowUnknown: true, allowMarked: "nested" })],
    returns: LIST,
    impl: ([l]) => {
      if (l instanceof Unknown) return unknownOf(LIST);
      const out: Value[] = [];
      return flattenInto(asList(l!, 0), out, false) ? out : unknownOf(LIST);
    },
  },
  distinct: {
    params: [p("list", LIST)],
    returns: LIST,
    impl: ([l]) => {
      const out: Value[] = [];
      for (const e of l as Value[]) if (!out.some((o) => valuesEqual(o, e))) out.push(e);
      return out;
    },
  },
  contains: {
    params: [p("list", DYNAMIC), p("value", DYNAMIC, { allowNull: true })],
    returns: BOOL,
    impl: ([l, v]) => asList(l!, 0).some((e) => valuesEqual(e, v!)),
  },
  element: {
    params: [p("list", DYNAMIC, { allowUnknown: true, allowMarked: "nested" }), p("index", NUMBER)],
    returns: DYNAMIC,
    impl: ([l, i]) => {
      if (l instanceof Unknown) return unknownOf(DYNAMIC);
      const list = asList(l!, 0);
      const idx = asInt(i!, 1, "index");
      if (idx < 0) throw new FunctionError("cannot use element function with a negative index", 1);
      if (list.length === 0) throw new FunctionError("cannot use element function with an empty list", 0);
      return list[idx % list.length]!;
    },
  },
  index: {
    params: [p("list", DYNAMIC), p("value", DYNAMIC)],
    returns: NUMBER,
    impl: ([l, v]) => {
      const i = asList(l!, 0).findIndex((e) => valuesEqual(e, v!));
      if (i < 0) throw new FunctionError("item not found");
      return i;
    },
  },
  range: {
    params: [],
    variadic: p("params", NUMBER),
    returns: listOf(NUMBER),
    impl: (args) => {
      if (args.length < 1 || args.length > 3) throw new FunctionError("must have one, two, or three arguments");
      const [start, limit, step] =
        args.length === 1 ? [0, args[0] as number, 1] : [args[0] as number, args[1] as number, (args[2] as number | undefined) ?? 1];
      if (step === 0) throw new FunctionError("step must not be zero", 2);
      if (start < limit && step < 0) throw new FunctionError("step must be positive when start is less than limit", 2);
      if (start > limit && step > 0) throw new FunctionError("step must be negative when start is greater than limit", 2);
      const out: Value[] = [];
      for (let v = start; step > 0 ? v < limit : v > limit; v += step) {
        if (out.length >= 1024) throw new FunctionError("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step");
        out.push(v);
      }
      return out;
    },
  },
  zipmap: {
    params: [p("keys", listOf(STRING)), p("values", DYNAMIC)],
    returns: DYNAMIC,
    impl: ([k, v]) => {
      const keys = k as Value[];
      const vals = asList(v!, 1);
      if (keys.length !== vals.length) throw new FunctionError(`number of keys (${keys.length}) does not match number of values (${vals.length})`);
      const out = newObject();
      keys.forEach((key, i) => {
        if (key === null) throw new FunctionError("keys must not contain null", 0);
        out[key as string] = vals[i]!;
      });
      return out;
    },
  },
  coalesce: {
    params: [],
    variadic: p("vals", DYNAMIC, { allowNull: true, allowUnknown: true }),
    returns: DYNAMIC,
    impl: (args) => {
      const t = unify(args.map(typeOf));
      if (!t) throw new FunctionError("all arguments must have the same type");
      for (const a of args) {
        if (a instanceof Unknown) return unknownOf(t);
        if (a === null || a === "") continue;
        const c = convert(a, t);
        if (!c.ok) throw new FunctionError(c.error.message);
        if (c.value === "") continue;
        return c.value;
      }
      throw new FunctionError("no non-null, non-empty-string arguments");
    },
  },
  coalescelist: {
    params: [],
    variadic: p("vals", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: "nested" }),
    returns: LIST,
    impl: (args) => {
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a instanceof Unknown) return unknownOf(LIST);
        if (a === null) continue;
        if (asList(a, i).length > 0) return a;
      }
      throw new FunctionError("no non-null arguments");
    },
  },
  compact: {
    params: [p("list", listOf(STRING))],
    returns: listOf(STRING),
    impl: ([l]) => (l as Value[]).filter((e) => e !== null && e !== ""),
  },
  one: {
    params: [p("list", DYNAMIC, { allowUnknown: true, allowMarked: "nested" })],
    returns: DYNAMIC,
    impl: ([l]) => {
      if (l instanceof Unknown) return unknownOf(DYNAMIC);
      const list = asList(l!, 0);
      if (list.length > 1) throw new FunctionError("must be a list, set, or tuple value with either zero or one elements", 0);
      return list.length === 0 ? null : list[0]!;
    },
  },
  slice: {
    params: [p("list", DYNAMIC, { allowMarked: "nested" }), p("start_index", NUMBER), p("end_index", NUMBER)],
    returns: LIST,
    impl: ([l, s, e]) => {
      const list = asList(l!, 0);
      const start = asInt(s!, 1, "start index");
      const end = asInt(e!, 2, "end index");
      if (start < 0) throw new FunctionError("start index must not be less than zero", 1);
      if (end > list.length) throw new FunctionError("end index must not be greater than the length of the list", 2);
      if (start > end) throw new FunctionError("start index must not be greater than end index", 1);
      return list.slice(start, end);
    },
  },
  sort: {
    params: [p("list", listOf(STRING))],
    returns: listOf(STRING),
    impl: ([l]) => {
      const list = l as Value[];
      if (list.some((e) => e === null)) throw new FunctionError("given list element is null; a null value cannot be used", 0);
      return (list as string[]).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
  },
  reverse: {
    params: [p("list", DYNAMIC, { allowMarked: "nested" })],
    returns: LIST,
    impl: ([l]) => asList(l!, 0).slice().reverse(),
  },
  setunion: {
    params: [p("first_set", SET)],
    variadic: p("other_sets", SET),
    returns: SET,
    impl: (sets) => toSetArray(unifiedElements(sets as Value[][], 0).flat()),
  },
  setintersection: {
    params: [p("first_set", SET)],
    variadic: p("other_sets", SET),
    returns: SET,
    impl: (sets) => {
      const [first, ...rest] = unifiedElements(sets as Value[][], 0);
      return toSetArray(first!.filter((e) => rest.every((s) => s.some((o) => valuesEqual(o, e)))));
    },
  },
  setsubtract: {
    params: [p("a", SET), p("b", SET)],
    returns: SET,
    impl: (sets) => {
      const [a, b] = unifiedElements(sets as Value[][], 0);
      return toSetArray(a!.filter((e) => !b!.some((o) => valuesEqual(o, e))));
    },
  },
  setproduct: {
    params: [],
    variadic: p("sets", DYNAMIC),
    returns: LIST,
    impl: (args) => {
      if (args.length < 2) throw new FunctionError("at least two arguments are required");
      let acc: Value[][] = [[]];
      args.forEach((a, i) => {
        const list = asList(a, i);
        acc = acc.flatMap((prefix) => list.map((e) => [...prefix, e]));
      });
      return acc;
    },
  },
  chunklist: {
    params: [p("list", DYNAMIC), p("size", NUMBER)],
    returns: listOf(LIST),
    impl: ([l, s]) => {
      const list = asList(l!, 0);
      const size = asInt(s!, 1, "the size argument");
      if (size < 0) throw new FunctionError("the size argument must be positive", 1);
      if (size === 0) return [list];
      const out: Value[] = [];
      for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
      return out;
    },
  },
  sum: {
    params: [p("list", DYNAMIC)],
    returns: NUMBER,
    impl: ([l]) => {
      const list = asList(l!, 0);
      if (list.length === 0) throw new FunctionError("cannot sum an empty list", 0);
      let total = 0;
      for (const e of list) {
        const c = convert(e, NUMBER);
        if (!c.ok || c.value === null) throw new FunctionError("argument must be list, set, or tuple of number values", 0);
        total += c.value as number;
      }
      return total;
    },
  },
  alltrue: {
    params: [p("list", listOf(BOOL))],
    returns: BOOL,
    impl: ([l]) => (l as Value[]).every((e) => e === true),
  },
  anytrue: {
    params: [p("list", listOf(BOOL))],
    returns: BOOL,
    impl: ([l]) => (l as Value[]).some((e) => e === true),
  },
  transpose: {
    params: [p("values", mapOf(listOf(STRING)))],
    returns: mapOf(listOf(STRING)),
    impl: ([m]) => {
      const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
      const input = m as ValueObject;
      for (const k of sortedKeys(input)) {
        for (const v of input[k] as Value[]) {
          if (v === null) throw new FunctionError("lists must not contain null values", 0);
          (out[v as string] ??= []).push(k);
        }
      }
      const result = newObject();
      for (const k of Object.keys(out).sort()) result[k] = out[k]!.sort();
      return result;
    },
  },
  matchkeys: {
    params: [p("values", LIST), p("keys", LIST), p("searchset", LIST)],
    returns: LIST,
    impl: ([vals, keys, search]) => {
      const v = vals as Value[];
      const k = keys as Value[];
      if (v.length !== k.length) throw new FunctionError("length of keys and values should be equal");
      return v.filter((_, i) => (search as Value[]).some((s) => valuesEqual(s, k[i]!)));
    },
  },
};
