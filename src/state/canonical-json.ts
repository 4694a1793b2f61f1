/**
 * JSON text laid out byte for byte the way Terraform writes state files (Go's `json.MarshalIndent` with two
 * spaces, HTML-safe escaping, map keys sorted, numbers from cty in plain decimal). Writing exactly what Terraform
 * writes keeps `git diff` of a state file down to the lines that really changed when either tool rewrites it.
 */

/** A JSON object whose keys must be written in the given order (Go structs), not sorted (Go maps). */
export class Ordered {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

/**
 * Serialises `value`. Plain objects are Go maps: keys sorted by code point, as Go sorts UTF-8 bytes. `Ordered`
 * keeps its order; entries whose value is `undefined` are left out (Go's `omitempty`). Throws on values JSON
 * cannot carry (NaN, Infinity, functions), naming the path.
 */
export function canonicalJson(value: unknown): string {
  // Fast path: rebuild the value with keys inserted in the wanted order and let the native serialiser lay it
  // out (it indents exactly like Go). Not possible when a key is all digits (JS objects put those first,
  // whatever the insertion order) or a number would get an exponent: then the slow writer does it all.
  try {
    return quoteHtml(JSON.stringify(toNative(value), null, 2));
  } catch (e) {
    if (!(e instanceof NotNative)) throw e;
  }
  return canonicalJsonSlow(value);
}

/** @internal The general writer the fast path falls back to; exported so tests can hold both to one output. */
export function canonicalJsonSlow(value: unknown): string {
  try {
    return write(value, "");
  } catch (e) {
    if (e instanceof BadValue) throw new TypeError(`cannot write ${e.what} as JSON at $${e.path}`);
    throw e;
  }
}

class NotNative extends Error {}
const NOT_NATIVE = new NotNative("not representable natively");
const ALL_DIGITS = /^[0-9]+$/;

function toNative(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      // String(n) (what JSON.stringify uses) is plain decimal exactly in this range.
      if (!Number.isFinite(value) || (value !== 0 && (Math.abs(value) >= 1e21 || Math.abs(value) < 1e-6))) throw NOT_NATIVE;
      return value;
    case "object":
      break;
    default:
      throw NOT_NATIVE;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) throw NOT_NATIVE;
      out[i] = toNative(value[i]);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  if (value instanceof Ordered) {
    for (const [k, v] of value.entries) {
      if (v === undefined) continue;
      if (ALL_DIGITS.test(k)) throw NOT_NATIVE;
      out[k] = toNative(v);
    }
    return out;
  }
  const o = value as Record<string, unknown>;
  for (const k of objectKeys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    if (ALL_DIGITS.test(k)) throw NOT_NATIVE;
    out[k] = toNative(v);
  }
  return out;
}

/** Thrown up the recursion, collecting the path on the way (so the happy path builds no path strings). */
class BadValue extends Error {
  path = "";
  constructor(readonly what: string) {
    super(what);
  }
}

// String concatenation (V8 ropes) and no intermediate arrays: this runs over multi-megabyte states at every fold.
function write(value: unknown, indent: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new BadValue(String(value));
      return formatNumber(value);
    case "string":
      return quote(value);
    case "object":
      break;
    default:
      throw new BadValue(typeof value);
  }
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    let out = "[\n";
    for (let i = 0; i < value.length; i++) {
      try {
        out += (i === 0 ? inner : ",\n" + inner) + write(value[i], inner);
      } catch (e) {
        if (e instanceof BadValue) e.path = `[${i}]${e.path}`;
        throw e;
      }
    }
    return out + "\n" + indent + "]";
  }
  const ordered = value instanceof Ordered;
  const o = value as Record<string, unknown>;
  let out = "";
  for (const entry of ordered ? value.entries : objectKeys(o)) {
    const k = ordered ? (entry as readonly [string, unknown])[0] : (entry as string);
    const v = ordered ? (entry as readonly [string, unknown])[1] : o[k];
    if (v === undefined) continue;
    try {
      out += (out === "" ? "{\n" : ",\n") + inner + quote(k) + ": " + write(v, inner);
    } catch (e) {
      if (e instanceof BadValue) e.path = `.${k}${e.path}`;
      throw e;
    }
  }
  return out === "" ? "{}" : out + "\n" + indent + "}";
}

/**
 * Keys of a plain object in the order cty writes them: sorted, except the `{"value": …, "type": …}` wrapper of a
 * dynamically typed value (terraform_data's `input`), which cty writes value first. A genuine object whose only
 * attributes are `type` and `value` is written value-first too: a cosmetic difference, not a semantic one.
 */
function objectKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  if (keys.length === 2 && "value" in o && "type" in o) return ["value", "type"];
  return keys.sort(compareCodePoints);
}

/** Orders strings by Unicode code point, which is the order Go gives their UTF-8 bytes. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (astral code points) sort after every BMP character in code point order.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** A JSON string literal escaped as Go's encoder escapes it (HTML-safe). */
export function quote(s: string): string {
  return quoteHtml(JSON.stringify(s));
}

/** Go's HTML-safe escapes applied to JSON text (the characters only ever occur inside strings). */
function quoteHtml(json: string): string {
  HTML_UNSAFE.lastIndex = 0;
  return HTML_UNSAFE.test(json) ? json.replace(HTML_UNSAFE, (c) => GO_ESCAPES[c] ?? c) : json;
}

/**
 * Numbers as cty writes them: plain decimal, never an exponent (cty uses big.Float `Text('f', -1)`), so
 * 1e21 becomes "1000000000000000000000" and 1e-7 becomes "0.0000001".
 */
export function formatNumber(n: number, path = "$"): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) throw new TypeError(`cannot write ${n} as JSON at ${path}`);
  const s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const negative = s.startsWith("-");
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let text: string;
  if (pointAt <= 0) text = "0." + "0".repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) text = digits + "0".repeat(pointAt - digits.length);
  else text = digits.slice(0, pointAt) + "." + digits.slice(pointAt);
  return (negative ? "-" : "") + text;
}
