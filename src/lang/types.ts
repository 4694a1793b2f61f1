/**
 * Types and type constraints as Terraform has them. A `Type` describes both the type of a value (`typeOf`) and
 * a constraint a value is converted to (`convert` in convert.ts); `dynamic` is the constraint keyword `any`
 * and the type of a value about which nothing is known. Object types may mark attributes optional, with a
 * default, as `optional(T, default)` does in a variable's `type`.
 */
import type { Value } from "./value.js";
import { Marked, Unknown } from "./value.js";

export type Type =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "bool" }
  | { kind: "dynamic" }
  | { kind: "list"; element: Type }
  | { kind: "set"; element: Type }
  | { kind: "map"; element: Type }
  | { kind: "tuple"; elements: readonly Type[] }
  | ObjectType;

export interface ObjectType {
  kind: "object";
  attributes: Readonly<Record<string, Type>>;
  /** Attributes that may be absent or null; `default` (when not `undefined`) replaces absence or null. */
  optional?: Readonly<Record<string, { default?: Value }>>;
}

export const STRING: Type = { kind: "string" };
export const NUMBER: Type = { kind: "number" };
export const BOOL: Type = { kind: "bool" };
export const DYNAMIC: Type = { kind: "dynamic" };

export const listOf = (element: Type): Type => ({ kind: "list", element });
export const setOf = (element: Type): Type => ({ kind: "set", element });
export const mapOf = (element: Type): Type => ({ kind: "map", element });
export const tupleOf = (elements: readonly Type[]): Type => ({ kind: "tuple", elements });
export const objectOf = (attributes: Record<string, Type>): Type => ({ kind: "object", attributes });

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

export function isPrimitive(t: Type): boolean {
  return t.kind === "string" || t.kind === "number" || t.kind === "bool";
}

/** The type of a value. `null` has type `dynamic` (it fits any type); arrays are tuples, objects are objects. */
export function typeOf(v: Value): Type {
  if (v instanceof Marked) return typeOf(v.value);
  if (v instanceof Unknown) return v.type;
  if (v === null) return DYNAMIC;
  switch (typeof v) {
    case "string":
      return STRING;
    case "number":
      return NUMBER;
    case "boolean":
      return BOOL;
    default:
      if (Array.isArray(v)) return tupleOf(v.map(typeOf));
      {
        const attributes: Record<string, Type> = {};
        for (const k of Object.keys(v)) attributes[k] = typeOf(v[k]!);
        return { kind: "object", attributes };
      }
  }
}

/** Structural type equality (optional-attribute annotations are ignored). */
export function typeEquals(a: Type, b: Type): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case "string":
    case "number":
    case "bool":
    case "dynamic":
      return a.kind === b.kind;
    case "list":
    case "set":
    case "map":
      return b.kind === a.kind && typeEquals(a.element, b.element);
    case "tuple":
      return b.kind === "tuple" && a.elements.length === b.elements.length && a.elements.every((e, i) => typeEquals(e, b.elements[i]!));
    case "object": {
      if (b.kind !== "object") return false;
      const ak = Object.keys(a.attributes);
      if (ak.length !== Object.keys(b.attributes).length) return false;
      return ak.every((k) => b.attributes[k] !== undefined && typeEquals(a.attributes[k]!, b.attributes[k]!));
    }
    default:
      return assertNever(a);
  }
}

/** Whether `t` has `dynamic` anywhere in it (such a constraint lets the value decide part of its type). */
export function hasDynamic(t: Type): boolean {
  switch (t.kind) {
    case "dynamic":
      return true;
    case "string":
    case "number":
    case "bool":
      return false;
    case "list":
    case "set":
    case "map":
      return hasDynamic(t.element);
    case "tuple":
      return t.elements.some(hasDynamic);
    case "object":
      return Object.values(t.attributes).some(hasDynamic);
    default:
      return assertNever(t);
  }
}

/** A type's name as users read it in error messages: "string", "list of number", "object", "tuple". */
export function friendlyName(t: Type): string {
  switch (t.kind) {
    case "string":
    case "number":
    case "bool":
      return t.kind;
    case "dynamic":
      return "any type";
    case "list":
    case "set":
    case "map":
      return t.element.kind === "dynamic" ? t.kind : `${t.kind} of ${friendlyName(t.element)}`;
    case "tuple":
      return "tuple";
    case "object":
      return "object";
    default:
      return assertNever(t);
  }
}

/** A type in the HCL type-constraint syntax Terraform prints: `list(string)`, `object({a=number})`. */
export function typeString(t: Type): string {
  switch (t.kind) {
    case "string":
    case "number":
    case "bool":
      return t.kind;
    case "dynamic":
      return "any";
    case "list":
    case "set":
    case "map":
      return `${t.kind}(${typeString(t.element)})`;
    case "tuple":
      return `tuple([${t.elements.map(typeString).join(", ")}])`;
    case "object": {
      const parts = Object.keys(t.attributes).map((k) => {
        const inner = typeString(t.attributes[k]!);
        const opt = t.optional?.[k];
        return `${k}=${opt ? `optional(${inner})` : inner}`;
      });
      return `object({${parts.join(", ")}})`;
    }
    default:
      return assertNever(t);
  }
}

/**
 * The most specific type every one of `types` converts to safely, as Terraform unifies element types of a
 * `list(any)` or the two arms of a conditional; `undefined` when there is none. `dynamic` members (nulls)
 * fit anything and are skipped. Mixed primitives unify to string; objects with different attributes to a map;
 * tuples of one length element-wise, otherwise tuples and lists to a list.
 */
export function unify(types: readonly Type[]): Type | undefined {
  const known = types.filter((t) => t.kind !== "dynamic");
  if (known.length === 0) return DYNAMIC;
  const first = known[0]!;
  if (known.every((t) => typeEquals(t, first))) return first;
  if (known.every(isPrimitive)) return STRING;
  if (known.every((t) => t.kind === "object")) {
    const objs = known as ObjectType[];
    const names = Object.keys(objs[0]!.attributes).sort();
    const same = objs.every((o) => {
      const k = Object.keys(o.attributes).sort();
      return k.length === names.length && k.every((n, i) => n === names[i]);
    });
    if (same) {
      const attributes: Record<string, Type> = {};
      for (const n of names) {
        const u = unify(objs.map((o) => o.attributes[n]!));
        if (!u) return undefined;
        attributes[n] = u;
      }
      return { kind: "object", attributes };
    }
  }
  if (known.every((t) => t.kind === "object" || t.kind === "map")) {
    const members = known.flatMap((t) => (t.kind === "map" ? [t.element] : t.kind === "object" ? Object.values(t.attributes) : []));
    const u = unify(members);
    return u && mapOf(u);
  }
  if (known.every((t) => t.kind === "tuple")) {
    const tuples = known as Array<{ kind: "tuple"; elements: readonly Type[] }>;
    const len = tuples[0]!.elements.length;
    if (tuples.every((t) => t.elements.length === len)) {
      const elements: Type[] = [];
      for (let i = 0; i < len; i++) {
        const u = unify(tuples.map((t) => t.elements[i]!));
        if (!u) return undefined;
        elements.push(u);
      }
      return tupleOf(elements);
    }
  }
  if (known.every((t) => t.kind === "tuple" || t.kind === "list")) {
    const members = known.flatMap((t) => (t.kind === "list" ? [t.element] : t.kind === "tuple" ? [...t.elements] : []));
    const u = unify(members);
    return u && listOf(u);
  }
  if (known.every((t) => t.kind === "set")) {
    const u = unify(known.map((t) => (t.kind === "set" ? t.element : DYNAMIC)));
    return u && setOf(u);
  }
  return undefined;
}
