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
  const out: string[] = [];
  write(value, "", out, "$");
  return out.join("");
}

function write(value: unknown, indent: string, out: string[], path: string): void {
  if (value === null) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "number":
      out.push(formatNumber(value, path));
      return;
    case "string":
      out.push(quote(value));
      return;
    case "object":
      break;
    default:
      throw new TypeError(`cannot write ${typeof value} as JSON at ${path}`);
  }
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push("[]");
      return;
    }
    out.push("[\n");
    value.forEach((item, i) => {
      if (i > 0) out.push(",\n");
      out.push(inner);
      write(item, inner, out, `${path}[${i}]`);
    });
    out.push("\n", indent, "]");
    return;
  }
  const entries =
    value instanceof Ordered
      ? value.entries.filter(([, v]) => v !== undefined)
      : objectKeys(value as Record<string, unknown>)
          .map((k) => [k, (value as Record<string, unknown>)[k]] as const)
          .filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    out.push("{}");
    return;
  }
  out.push("{\n");
  entries.forEach(([k, v], i) => {
    if (i > 0) out.push(",\n");
    out.push(inner, quote(k), ": ");
    write(v, inner, out, `${path}.${k}`);
  });
  out.push("\n", indent, "}");
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
  return JSON.stringify(s).replace(HTML_UNSAFE, (c) => GO_ESCAPES[c] ?? c);
}

/**
 * Numbers as cty writes them: plain decimal, never an exponent (cty uses big.Float `Text('f', -1)`), so
 * 1e21 becomes "1000000000000000000000" and 1e-7 becomes "0.0000001".
 */
export function formatNumber(n: number, path = "$"): string {
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
