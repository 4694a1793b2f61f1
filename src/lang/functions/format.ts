/**
 * Terraform's `format` verbs: `%%`, `%v` (`%#v` JSON), `%t`, `%b %d %o %x %X`, `%e %E %f %g %G`, `%s`, `%q`,
 * with flags `+ - # 0 space`, width, precision and explicit argument indexes (`%[2]s`). Arguments are plain,
 * wholly known, unmarked values (the caller deals with unknowns and marks).
 */
import { convert } from "../convert.js";
import { formatNumber } from "../number.js";
import { BOOL, NUMBER, STRING, type Type } from "../types.js";
import { canonicalJsonEncode } from "./json.js";
import { FunctionError } from "./signature.js";
import type { Value } from "../value.js";

interface Verb {
  flags: { plus: boolean; minus: boolean; sharp: boolean; zero: boolean; space: boolean };
  width?: number;
  precision?: number;
  verb: string;
  /** Byte offset of the `%` in the format string, as Terraform's messages give it. */
  at: number;
  text: string;
}

/**
 * Formats `args` according to `spec`. Throws `FunctionError` (with `argIndex` 0 for the format string itself or
 * the 1-based position of the offending argument) when a verb does not fit its argument or the counts differ.
 */
export function formatString(spec: string, args: readonly Value[]): string {
  let out = "";
  let argi = 0;
  let used = 0;
  let verbs = 0;
  let i = 0;
  while (i < spec.length) {
    const pct = spec.indexOf("%", i);
    if (pct < 0) {
      out += spec.slice(i);
      break;
    }
    out += spec.slice(i, pct);
    i = pct + 1;
    if (spec[i] === "%") {
      out += "%";
      i++;
      continue;
    }
    const v: Verb = { flags: { plus: false, minus: false, sharp: false, zero: false, space: false }, verb: "", at: pct, text: "" };
    for (;;) {
      const c = spec[i];
      if (c === "+") v.flags.plus = true;
      else if (c === "-") v.flags.minus = true;
      else if (c === "#") v.flags.sharp = true;
      else if (c === "0") v.flags.zero = true;
      else if (c === " ") v.flags.space = true;
      else break;
      i++;
    }
    const idx = /^\[(\d+)\]/.exec(spec.slice(i));
    if (idx) {
      argi = Number(idx[1]) - 1;
      i += idx[0].length;
    }
    const w = /^\d+/.exec(spec.slice(i));
    if (w) {
      v.width = Number(w[0]);
      i += w[0].length;
    }
    if (spec[i] === ".") {
      const p = /^\.(\d*)/.exec(spec.slice(i))!;
      v.precision = p[1] === "" ? 0 : Number(p[1]);
      i += p[0].length;
    }
    const verb = spec[i];
    if (verb === undefined) throw new FunctionError(`invalid format string starting at offset ${pct}: missing verb`, 0);
    v.verb = verb;
    i++;
    v.text = spec.slice(pct, i);
    verbs++;
    if (argi >= args.length) {
      throw new FunctionError(`not enough arguments for "${v.text}" at ${pct}: need index ${argi + 1} but have ${args.length} total`);
    }
    out += formatOne(v, args[argi]!, argi + 1);
    argi++;
    used = Math.max(used, argi);
  }
  if (used < args.length) {
    throw new FunctionError(verbs === 0 ? "too many arguments; no verbs in format string" : `too many arguments; only ${used} used by format string`);
  }
  return out;
}

function as(v: Value, type: Type, verb: Verb, argIndex: number): Value {
  const c = convert(v, type);
  if (!c.ok || c.value === null) {
    const what = type === NUMBER ? "number" : type === BOOL ? "bool" : "string";
    throw new FunctionError(`unsupported value for "${verb.text}" at ${verb.at}: ${what} required`, argIndex);
  }
  return c.value;
}

function formatOne(v: Verb, arg: Value, argIndex: number): string {
  switch (v.verb) {
    case "v":
      if (v.flags.sharp) return pad(v, canonicalJsonEncode(arg));
      if (arg === null) return pad(v, "null");
      if (typeof arg === "number") return padNumber(v, signed(v, arg, formatNumber(Math.abs(arg))));
      if (typeof arg === "object") return pad(v, canonicalJsonEncode(arg));
      return pad(v, String(arg));
    case "t":
      return pad(v, String(as(arg, BOOL, v, argIndex)));
    case "s": {
      let s = as(arg, STRING, v, argIndex) as string;
      if (v.precision !== undefined) s = Array.from(s).slice(0, v.precision).join("");
      return pad(v, s);
    }
    case "q": {
      let s = as(arg, STRING, v, argIndex) as string;
      if (v.precision !== undefined) s = Array.from(s).slice(0, v.precision).join("");
      return pad(v, JSON.stringify(s));
    }
    case "d":
    case "b":
    case "o":
    case "x":
    case "X": {
      if ((v.verb === "x" || v.verb === "X") && typeof arg === "string" && Number.isNaN(Number(arg))) {
        const hex = Buffer.from(arg, "utf8").toString("hex");
        return pad(v, v.verb === "X" ? hex.toUpperCase() : hex);
      }
      const n = as(arg, NUMBER, v, argIndex) as number;
      if (!Number.isInteger(n)) {
        throw new FunctionError(`unsupported value for "${v.text}" at ${v.at}: an integer is required`, argIndex);
      }
      const radix = { d: 10, b: 2, o: 8, x: 16, X: 16 }[v.verb]!;
      let digits = Math.abs(n) < 2 ** 53 ? Math.abs(n).toString(radix) : (BigInt(n) < 0n ? -BigInt(n) : BigInt(n)).toString(radix);
      if (v.verb === "X") digits = digits.toUpperCase();
      if (v.precision !== undefined && digits.length < v.precision) digits = "0".repeat(v.precision - digits.length) + digits;
      if (v.flags.sharp) digits = ({ b: "0b", o: "0", x: "0x", X: "0X", d: "" }[v.verb] ?? "") + digits;
      return padNumber(v, signed(v, n, digits));
    }
    case "f":
    case "F": {
      const n = as(arg, NUMBER, v, argIndex) as number;
      return padNumber(v, signed(v, n, Math.abs(n).toFixed(v.precision ?? 6)));
    }
    case "e":
    case "E": {
      const n = as(arg, NUMBER, v, argIndex) as number;
      const s = goExponent(Math.abs(n).toExponential(v.precision ?? 6));
      return padNumber(v, signed(v, n, v.verb === "E" ? s.toUpperCase() : s));
    }
    case "g":
    case "G": {
      const n = as(arg, NUMBER, v, argIndex) as number;
      const s = formatG(Math.abs(n), v.precision, v.flags.sharp);
      return padNumber(v, signed(v, n, v.verb === "G" ? s.toUpperCase() : s));
    }
    default:
      throw new FunctionError(`unrecognized format verb "${v.verb}" at offset ${v.at}`, 0);
  }
}

function signed(v: Verb, n: number, digits: string): string {
  if (n < 0 || Object.is(n, -0)) return `-${digits}`;
  if (v.flags.plus) return `+${digits}`;
  if (v.flags.space) return ` ${digits}`;
  return digits;
}

function pad(v: Verb, s: string): string {
  const len = Array.from(s).length;
  if (v.width === undefined || len >= v.width) return s;
  const fill = " ".repeat(v.width - len);
  return v.flags.minus ? s + fill : fill + s;
}

/** Numbers may be zero-padded after their sign (`%05d` of -42 is "-0042"). */
function padNumber(v: Verb, s: string): string {
  if (!v.flags.zero || v.flags.minus || v.width === undefined || s.length >= v.width) return pad(v, s);
  const sign = /^[+\- ]/.test(s) ? s[0]! : "";
  const body = s.slice(sign.length);
  return sign + "0".repeat(v.width - s.length) + body;
}

/** JS writes "1.5e+3"; Go (and so Terraform) writes at least two exponent digits: "1.5e+03". */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** Go's %g: the shortest of %e and %f, trailing zeros dropped unless `#`. */
function formatG(n: number, precision: number | undefined, sharp: boolean): string {
  const shortest = precision === undefined;
  const p = precision === 0 ? 1 : precision;
  const e = shortest ? n.toExponential() : n.toExponential(p! - 1);
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e)!;
  const digits = m[1]! + (m[2] ?? "");
  const exp = Number(m[3]);
  const nd = digits.replace(/0+$/, "").length || 1;
  let eprec = shortest ? 6 : p!;
  if (!shortest && eprec > nd && nd >= exp + 1) eprec = nd;
  if (exp < -4 || exp >= eprec) {
    let mant = m[1]! + (m[2] ? `.${m[2]}` : "");
    if (!sharp && mant.includes(".")) mant = mant.replace(/\.?0+$/, "");
    return goExponent(`${mant}e${exp >= 0 ? "+" : ""}${exp}`);
  }
  const decimals = Math.max((shortest ? nd : p!) - (exp + 1), 0);
  let f = n.toFixed(decimals);
  if (!sharp && f.includes(".")) f = f.replace(/\.?0+$/, "");
  return f;
}
