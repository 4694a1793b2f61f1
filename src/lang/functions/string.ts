/** String functions: format, join/split, case, replace and regular expressions, trimming, substrings. */
import { listOf, NUMBER, STRING, DYNAMIC, type Type } from "../types.js";
import { newObject, type Value, type ValueObject } from "../value.js";
import { formatString } from "./format.js";
import { compileRegex, translateReplacement } from "./regex.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

/** Characters of a string as Terraform counts them (Unicode code points; combining marks are not merged). */
export function chars(s: string): string[] {
  return Array.from(s);
}

function regexResult(m: RegExpExecArray): Value {
  if (m.groups && Object.keys(m.groups).length > 0) {
    const out: ValueObject = newObject();
    for (const [k, v] of Object.entries(m.groups)) out[k] = v ?? null;
    return out;
  }
  if (m.length > 1) return m.slice(1).map((g) => g ?? null);
  return m[0];
}

export const stringFunctions: Record<string, FunctionDef> = {
  format: {
    params: [p("format", STRING)],
    variadic: p("args", DYNAMIC, { allowNull: true }),
    returns: STRING,
    impl: ([spec, ...args]) => formatString(spec as string, args),
  },
  formatlist: {
    params: [p("format", STRING)],
    variadic: p("args", DYNAMIC, { allowNull: true }),
    returns: listOf(STRING),
    impl: ([spec, ...args]) => {
      let n: number | undefined;
      let first = -1;
      args.forEach((a, i) => {
        if (!Array.isArray(a)) return;
        if (n === undefined) {
          n = a.length;
          first = i;
        } else if (a.length !== n) {
          throw new FunctionError(`argument ${i + 1} has length ${a.length}, which is inconsistent with argument ${first + 1} of length ${n}`, i + 1);
        }
      });
      if (n === undefined) return [formatString(spec as string, args)];
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(formatString(spec as string, args.map((a) => (Array.isArray(a) ? a[i]! : a))));
      return out;
    },
  },
  join: {
    params: [p("separator", STRING)],
    variadic: p("lists", listOf(STRING)),
    returns: STRING,
    impl: ([sep, ...lists]) => {
      if (lists.length === 0) throw new FunctionError("at least one list is required");
      const parts: string[] = [];
      lists.forEach((l, li) => {
        for (const e of l as Value[]) {
          if (e === null) throw new FunctionError("element is null: cannot join a null value", li + 1);
          parts.push(e as string);
        }
      });
      return parts.join(sep as string);
    },
  },
  split: {
    params: [p("separator", STRING), p("str", STRING)],
    returns: listOf(STRING),
    impl: ([sep, str]) => (str as string).split(sep as string),
  },
  lower: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => (s as string).toLowerCase() },
  upper: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => (s as string).toUpperCase() },
  title: {
    params: [p("str", STRING)],
    returns: STRING,
    impl: ([s]) => {
      // Go's strings.Title, which Terraform uses: a character after a separator is upper-cased, where every
      // ASCII character but letters, digits and "_" separates, and beyond ASCII only spaces do ("world's" → "World'S").
      let out = "";
      let prevSeparates = true;
      for (const c of s as string) {
        out += prevSeparates ? c.toUpperCase() : c;
        prevSeparates = c.length === 1 && c.charCodeAt(0) <= 0x7f ? !/[A-Za-z0-9_]/.test(c) : /\s/u.test(c);
      }
      return out;
    },
  },
  replace: {
    params: [p("str", STRING), p("substr", STRING), p("replace", STRING)],
    returns: STRING,
    impl: ([str, sub, rep]) => {
      const s = sub as string;
      if (s.length >= 2 && s.startsWith("/") && s.endsWith("/")) {
        const re = compileRegex(s.slice(1, -1), 1);
        return (str as string).replace(new RegExp(re.source, re.flags + "g"), translateReplacement(rep as string));
      }
      return (str as string).split(s).join(rep as string);
    },
  },
  regex: {
    params: [p("pattern", STRING), p("string", STRING)],
    returns: DYNAMIC,
    impl: ([pat, str]) => {
      const m = compileRegex(pat as string, 0).exec(str as string);
      if (!m) throw new FunctionError("pattern did not match any part of the given string");
      return regexResult(m);
    },
  },
  regexall: {
    params: [p("pattern", STRING), p("string", STRING)],
    returns: listOf(DYNAMIC),
    impl: ([pat, str]) => {
      const re = compileRegex(pat as string, 0);
      const g = new RegExp(re.source, re.flags + "g");
      const out: Value[] = [];
      for (const m of (str as string).matchAll(g)) {
        out.push(regexResult(m as RegExpExecArray));
        if (m[0] === "") g.lastIndex++;
      }
      return out;
    },
  },
  startswith: {
    params: [p("str", STRING), p("prefix", STRING)],
    returns: { kind: "bool" },
    impl: ([s, pre]) => (s as string).startsWith(pre as string),
  },
  endswith: {
    params: [p("str", STRING), p("suffix", STRING)],
    returns: { kind: "bool" },
    impl: ([s, suf]) => (s as string).endsWith(suf as string),
  },
  strcontains: {
    params: [p("str", STRING), p("substr", STRING)],
    returns: { kind: "bool" },
    impl: ([s, sub]) => (s as string).includes(sub as string),
  },
  strrev: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => chars(s as string).reverse().join("") },
  chomp: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => (s as string).replace(/(?:\r?\n)+$/, "") },
  trimspace: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => (s as string).replace(/^\s+|\s+$/gu, "") },
  trim: {
    params: [p("str", STRING), p("cutset", STRING)],
    returns: STRING,
    impl: ([s, cut]) => {
      const set = new Set(chars(cut as string));
      const c = chars(s as string);
      let a = 0;
      let b = c.length;
      while (a < b && set.has(c[a]!)) a++;
      while (b > a && set.has(c[b - 1]!)) b--;
      return c.slice(a, b).join("");
    },
  },
  trimprefix: {
    params: [p("str", STRING), p("prefix", STRING)],
    returns: STRING,
    impl: ([s, pre]) => ((s as string).startsWith(pre as string) ? (s as string).slice((pre as string).length) : (s as string)),
  },
  trimsuffix: {
    params: [p("str", STRING), p("suffix", STRING)],
    returns: STRING,
    impl: ([s, suf]) => {
      const str = s as string;
      const x = suf as string;
      return x !== "" && str.endsWith(x) ? str.slice(0, str.length - x.length) : str;
    },
  },
  substr: {
    params: [p("str", STRING), p("offset", NUMBER), p("length", NUMBER)],
    returns: STRING,
    impl: ([s, off, len]) => {
      const c = chars(s as string);
      let o = Math.trunc(off as number);
      const l = Math.trunc(len as number);
      if (o < 0) {
        o += c.length;
        if (o < 0) throw new FunctionError("offset cannot be larger than the length of the string", 1);
      }
      if (o >= c.length) return "";
      if (l < -1) throw new FunctionError("length cannot be negative, except -1 for \"the rest of the string\"", 2);
      return c.slice(o, l === -1 ? undefined : o + l).join("");
    },
  },
  indent: {
    params: [p("spaces", NUMBER), p("str", STRING)],
    returns: STRING,
    impl: ([n, s]) => (s as string).split("\n").join("\n" + " ".repeat(Math.max(0, Math.trunc(n as number)))),
  },
};
