/**
 * JSON text as Terraform's `jsonencode` writes it: compact, object keys sorted, integers without exponent, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped (Terraform inherits Go's HTML-safe escaping).
 */
import { formatNumber } from "../number.js";
import { newObject, Unknown, unmarked, type Value } from "../value.js";

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

function quote(s: string): string {
  return JSON.stringify(s).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Encodes a wholly known value (marks ignored). Throws on an unknown: callers check first. */
export function canonicalJsonEncode(v: Value): string {
  const u = unmarked(v);
  if (u === null) return "null";
  if (u instanceof Unknown) throw new Error("cannot encode an unknown value");
  switch (typeof u) {
    case "string":
      return quote(u);
    case "number":
      if (!Number.isFinite(u)) throw new Error("cannot encode an infinite number");
      return formatNumber(u);
    case "boolean":
      return u ? "true" : "false";
    default:
      if (Array.isArray(u)) return `[${u.map(canonicalJsonEncode).join(",")}]`;
      return `{${Object.keys(u)
        .sort()
        .map((k) => `${quote(k)}:${canonicalJsonEncode(u[k]!)}`)
        .join(",")}}`;
  }
}

/** Parses JSON text into a Value with null-prototype objects. Throws `SyntaxError` on bad input. */
export function jsonDecode(text: string): Value {
  return rebuild(JSON.parse(text) as unknown);
}

function rebuild(x: unknown): Value {
  if (Array.isArray(x)) return x.map(rebuild);
  if (typeof x === "object" && x !== null) {
    const out = newObject();
    for (const [k, v] of Object.entries(x)) out[k] = rebuild(v);
    return out;
  }
  return x as Value;
}
