/**
 * Conversion of a value to a type constraint, following Terraform's rules:
 * - primitives convert among each other where the text allows: number and bool to string, a numeric string to
 *   number, "true"/"false" (and "1"/"0") to bool;
 * - tuples convert to lists, sets and tuples of the same length; objects to maps and objects. A set comes out
 *   sorted and without duplicates (the set representation, see value.ts);
 * - `any` inside a collection lets the elements decide, unified to one type (`list(any)` of a string and a
 *   number is a list of strings);
 * - object conversion requires every non-optional attribute, fills absent or null optional attributes with
 *   their default (or null), and drops attributes the type does not name;
 * - null converts to null of any type; an unknown converts to an unknown of the target type; marks are kept
 *   where they were.
 * A failure names the path to the offending part: `attribute "retention": a number is required`.
 */
import { formatNumber, parseNumber } from "./number.js";
import type { ObjectType, Type } from "./types.js";
import { assertNever, DYNAMIC, friendlyName, hasDynamic, typeOf, unify } from "./types.js";
import { getAttr, isObject, markIf, Marked, newObject, toSetArray, Unknown, unknownOf, type Value } from "./value.js";

/** Why a value does not fit a type: `path` steps from the outside in (`attribute "a"`, `element 0`). */
export class ConversionError extends Error {
  constructor(
    readonly path: readonly string[],
    readonly reason: string,
  ) {
    super(path.length > 0 ? `${path.join(": ")}: ${reason}` : reason);
    this.name = "ConversionError";
  }
}

export type ConvertResult = { ok: true; value: Value } | { ok: false; error: ConversionError };

export interface ConvertOptions {
  /** When false, a top-level null is an error ("must not be null"), as for a variable with `nullable = false`. */
  nullable?: boolean;
}

/**
 * `v` converted to `type`. Never throws: a mismatch comes back as `{ ok: false, error }` whose message reads
 * like Terraform's, prefixed by the path to the offending part.
 */
export function convert(v: Value, type: Type, options: ConvertOptions = {}): ConvertResult {
  if (options.nullable === false && (v === null || (v instanceof Marked && v.value === null))) {
    return { ok: false, error: new ConversionError([], "a null value is not allowed here") };
  }
  try {
    return { ok: true, value: conv(v, type, []) };
  } catch (e) {
    if (e instanceof ConversionError) return { ok: false, error: e };
    throw e;
  }
}

/** `convert` for callers that treat a mismatch as exceptional: throws the `ConversionError`. */
export function convertOrThrow(v: Value, type: Type): Value {
  return conv(v, type, []);
}

function fail(path: string[], reason: string): never {
  throw new ConversionError(path.slice(), reason);
}

function conv(v: Value, type: Type, path: string[]): Value {
  if (v instanceof Marked) return markIf(conv(v.value, type, path), true);
  if (v === null || type.kind === "dynamic") return v;
  if (v instanceof Unknown) return convUnknown(v, type, path);
  switch (type.kind) {
    case "string":
      if (typeof v === "string") return v;
      if (typeof v === "number") return formatNumber(v);
      if (typeof v === "boolean") return v ? "true" : "false";
      return fail(path, "string required");
    case "number":
      if (typeof v === "number") return v;
      if (typeof v === "string") {
        const n = parseNumber(v);
        return n === undefined ? fail(path, "a number is required") : n;
      }
      return fail(path, "number required");
    case "bool":
      if (typeof v === "boolean") return v;
      if (typeof v === "string") {
        if (v === "true" || v === "1") return true;
        if (v === "false" || v === "0") return false;
        return fail(path, "a bool is required");
      }
      return fail(path, "bool required");
    case "list":
    case "set": {
      if (!Array.isArray(v)) return fail(path, `${friendlyName(type)} required`);
      const out = convElements(v, type.element, path, type.kind);
      return type.kind === "set" ? toSetArray(out) : out;
    }
    case "map": {
      if (!isObject(v)) return fail(path, `${friendlyName(type)} required`);
      return convMap(v, type.element, path);
    }
    case "tuple": {
      if (!Array.isArray(v)) return fail(path, "tuple required");
      if (v.length !== type.elements.length) return fail(path, `a tuple of ${type.elements.length} elements is required`);
      return v.map((e, i) => withStep(path, `element ${i}`, () => conv(e, type.elements[i]!, path)));
    }
    case "object":
      if (!isObject(v)) return fail(path, "object required");
      return convObject(v, type, path);
    default:
      return assertNever(type);
  }
}

function withStep<T>(path: string[], step: string, f: () => T): T {
  path.push(step);
  try {
    return f();
  } finally {
    path.pop();
  }
}

function convElements(v: Value[], element: Type, path: string[], kind: string): Value[] {
  let target = element;
  if (element.kind === "dynamic") {
    const u = unify(v.map(typeOf));
    if (!u) return fail(path, `all ${kind} elements must have the same type`);
    target = u;
  }
  return v.map((e, i) => withStep(path, `element ${i}`, () => conv(e, target, path)));
}

function convMap(v: Record<string, Value>, element: Type, path: string[]): Value {
  const keys = Object.keys(v);
  let target = element;
  if (element.kind === "dynamic") {
    const u = unify(keys.map((k) => typeOf(v[k]!)));
    if (!u) return fail(path, "all map elements must have the same type");
    target = u;
  }
  const out = newObject();
  for (const k of keys) out[k] = withStep(path, `element ${JSON.stringify(k)}`, () => conv(v[k]!, target, path));
  return out;
}

function convObject(v: Record<string, Value>, type: ObjectType, path: string[]): Value {
  const out = newObject();
  for (const name of Object.keys(type.attributes)) {
    const attrType = type.attributes[name]!;
    const optional = type.optional?.[name];
    let given = getAttr(v, name);
    if (given === undefined || given === null) {
      if (!optional) {
        if (given === undefined) return fail(path, `attribute ${JSON.stringify(name)} is required`);
      } else if (optional.default !== undefined) {
        given = optional.default;
      } else {
        given = null;
      }
    }
    out[name] = withStep(path, `attribute ${JSON.stringify(name)}`, () => conv(given!, attrType, path));
  }
  return out;
}

/** An unknown converts to an unknown of the target type when its own type could convert to it. */
function convUnknown(v: Unknown, type: Type, path: string[]): Value {
  const from = v.type;
  if (from.kind === "dynamic") return unknownOf(hasDynamic(type) ? DYNAMIC : type);
  if (!typeMayConvert(from, type)) return fail(path, `${friendlyName(type)} required`);
  return unknownOf(hasDynamic(type) ? from : type);
}

/** A type-level check: could some value of `from` convert to `to`? Used only for unknowns. */
function typeMayConvert(from: Type, to: Type): boolean {
  if (from.kind === "dynamic" || to.kind === "dynamic") return true;
  switch (to.kind) {
    case "string":
    case "number":
    case "bool":
      return from.kind === "string" || from.kind === "number" || from.kind === "bool";
    case "list":
    case "set":
      return from.kind === "list" || from.kind === "set" || from.kind === "tuple";
    case "tuple":
      return from.kind === "tuple" || from.kind === "list";
    case "map":
    case "object":
      return from.kind === "map" || from.kind === "object";
    default:
      return assertNever(to);
  }
}
