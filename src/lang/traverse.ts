/**
 * Attribute access and indexing with HCL's rules and messages. Unknown in, unknown out; a mark on the
 * collection or the key marks the result. Failures come back as `Problem` values for the evaluator to place.
 */
import { convert } from "./convert.js";
import { formatNumber } from "./number.js";
import { DYNAMIC, STRING, type Type } from "./types.js";
import { getAttr, isObject, markIf, unknownOf, Unknown, unmark, type Value } from "./value.js";

/**
 * A failure to report at a source range. A class, so no configuration value (which might well be an object
 * with a `problem` attribute) can be mistaken for one.
 */
export class Problem {
  constructor(
    readonly summary: string,
    readonly detail: string,
    /** For operators: which operand is at fault, so the diagnostic can point at it. */
    readonly operand?: "left" | "right",
  ) {}
}

export function problem(summary: string, detail: string, operand?: "left" | "right"): Problem {
  return new Problem(summary, detail, operand);
}

export function isProblem(x: Value | Problem): x is Problem {
  return x instanceof Problem;
}

function describe(v: Value): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  return "value";
}

/** The element type an unknown collection of `t` yields for attribute `name` (dynamic when it cannot tell). */
function attrTypeOf(t: Type, name: string): Type {
  if (t.kind === "object") return t.attributes[name] ?? DYNAMIC;
  if (t.kind === "map") return t.element;
  return DYNAMIC;
}

/** `v.name` */
export function getAttribute(v: Value, name: string): Value | Problem {
  const [u, marked] = unmark(v);
  if (u === null) {
    return problem("Attempt to get attribute from null value", "This value is null, so it does not have any attributes.");
  }
  if (u instanceof Unknown) return markIf(unknownOf(attrTypeOf(u.type, name)), marked);
  if (isObject(u)) {
    const r = getAttr(u, name);
    if (r === undefined) return problem("Unsupported attribute", `This object does not have an attribute named ${JSON.stringify(name)}.`);
    return markIf(r, marked);
  }
  if (Array.isArray(u)) {
    return problem(
      "Unsupported attribute",
      `This value does not have any attributes. To access an element of a list, use an index such as [0]; to get "${name}" from every element, use a splat such as [*].${name}.`,
    );
  }
  return problem("Unsupported attribute", `Can't access attributes on a primitive-typed value (${describe(u)}).`);
}

/** `v[key]` */
export function index(v: Value, key: Value): Value | Problem {
  const [u, marked] = unmark(v);
  const [k, keyMarked] = unmark(key);
  const m = marked || keyMarked;
  if (u === null) return problem("Attempt to index null value", "This value is null, so it does not have any indices.");
  if (k === null) return problem("Invalid index", "Can't use a null value as an indexing key.");
  if (u instanceof Unknown) {
    const t = u.type;
    const elem = t.kind === "list" || t.kind === "map" || t.kind === "set" ? t.element : DYNAMIC;
    return markIf(unknownOf(elem), m);
  }
  if (Array.isArray(u)) {
    if (k instanceof Unknown) return markIf(unknownOf(DYNAMIC), m);
    const n = typeof k === "number" ? k : typeof k === "string" && /^-?\d+$/.test(k) ? Number(k) : undefined;
    if (n === undefined) {
      return problem("Invalid index", "The given key does not identify an element in this collection value: a number is required.");
    }
    if (!Number.isInteger(n)) {
      return problem("Invalid index", "The given key does not identify an element in this collection value: the given index is not a whole number.");
    }
    if (n < 0) {
      return problem("Invalid index", "The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence.");
    }
    if (n >= u.length) {
      const why = u.length === 0 ? "the collection has no elements" : `the collection has ${u.length} element${u.length === 1 ? "" : "s"}, so index ${formatNumber(n)} is out of range`;
      return problem("Invalid index", `The given key does not identify an element in this collection value: ${why}.`);
    }
    return markIf(u[n]!, m);
  }
  if (isObject(u)) {
    if (k instanceof Unknown) return markIf(unknownOf(DYNAMIC), m);
    const c = convert(k, STRING);
    if (!c.ok || typeof c.value !== "string") {
      return problem("Invalid index", "The given key does not identify an element in this collection value: a string is required.");
    }
    const r = getAttr(u, c.value);
    if (r === undefined) {
      return problem("Invalid index", `The given key does not identify an element in this collection value: there is no element with key ${JSON.stringify(c.value)}.`);
    }
    return markIf(r, m);
  }
  return problem("Invalid index", `This value does not have any indices: a ${describe(u)} cannot be indexed.`);
}
