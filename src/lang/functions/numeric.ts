/** Numeric functions: `abs`, `ceil`, `floor`, `signum`, `max`, `min`, `pow`, `log`, `parseint`. */
import { DYNAMIC, NUMBER, type Type } from "../types.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

function num(name: string, f: (n: number) => number): FunctionDef {
  return { params: [p(name, NUMBER)], returns: NUMBER, impl: ([n]) => f(n as number) };
}

export const numericFunctions: Record<string, FunctionDef> = {
  abs: num("num", Math.abs),
  ceil: num("num", Math.ceil),
  floor: num("num", Math.floor),
  signum: num("num", (n) => (n > 0 ? 1 : n < 0 ? -1 : 0)),
  max: {
    params: [],
    variadic: p("numbers", NUMBER),
    returns: NUMBER,
    impl: (ns) => {
      if (ns.length === 0) throw new FunctionError("must pass at least one number");
      return Math.max(...(ns as number[]));
    },
  },
  min: {
    params: [],
    variadic: p("numbers", NUMBER),
    returns: NUMBER,
    impl: (ns) => {
      if (ns.length === 0) throw new FunctionError("must pass at least one number");
      return Math.min(...(ns as number[]));
    },
  },
  pow: { params: [p("num", NUMBER), p("power", NUMBER)], returns: NUMBER, impl: ([a, b]) => (a as number) ** (b as number) },
  log: {
    params: [p("num", NUMBER), p("base", NUMBER)],
    returns: NUMBER,
    impl: ([a, b]) => {
      const r = Math.log(a as number) / Math.log(b as number);
      if (!Number.isFinite(r)) throw new FunctionError("the result is not a finite number");
      return Math.abs(r - Math.round(r)) < 1e-12 ? Math.round(r) : r;
    },
  },
  parseint: {
    params: [p("number", DYNAMIC), p("base", NUMBER)],
    returns: NUMBER,
    impl: ([s, b]) => {
      const base = b as number;
      if (!Number.isInteger(base) || base < 2 || base > 62) throw new FunctionError("base must be a whole number between 2 and 62 inclusive", 1);
      if (typeof s !== "string") throw new FunctionError("a string is required", 0);
      const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
      const m = /^([+-]?)(.+)$/.exec(s);
      let n = 0n;
      for (const c of m ? m[2]! : "") {
        let d = digits.indexOf(base <= 36 ? c.toLowerCase() : c);
        if (d < 0 || d >= base) d = -1;
        if (d < 0) throw new FunctionError(`cannot parse ${JSON.stringify(s)} as a base ${base} integer`, 0);
        n = n * BigInt(base) + BigInt(d);
      }
      if (!m) throw new FunctionError(`cannot parse ${JSON.stringify(s)} as a base ${base} integer`, 0);
      return Number(m[1] === "-" ? -n : n);
    },
  },
};
