/**
 * Type conversion (`tostring`... `tomap`), numeric, encoding, hashing, time/uuid and sensitivity functions.
 */
import { createHash } from "node:crypto";
import { convert } from "../convert.js";
import { BOOL, DYNAMIC, friendlyName, listOf, mapOf, NUMBER, setOf, STRING, typeOf, type Type } from "../types.js";
import { isMarked, markSensitive, newObject, unmark, unknownOf, type Value } from "../value.js";
import { canonicalJsonEncode, jsonDecode } from "./json.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";
import { yamlEncode } from "./yaml.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

function conversion(target: Type): FunctionDef {
  return {
    params: [p("v", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: target,
    impl: ([v]) => {
      const c = convert(v!, target);
      if (c.ok) return c.value;
      const from = friendlyName(typeOf(unmark(v!)[0]));
      const generic = c.error.path.length === 0 && c.error.reason.endsWith(" required") && !c.error.reason.endsWith("is required");
      const reason = generic ? `cannot convert ${from} to ${friendlyName(target)}` : c.error.message;
      throw new FunctionError(reason, 0);
    },
  };
}

function hash(algorithm: string, encoding: "hex" | "base64"): FunctionDef {
  return {
    params: [p("str", STRING)],
    returns: STRING,
    impl: ([s]) => createHash(algorithm).update(s as string, "utf8").digest(encoding),
  };
}

function num(name: string, f: (n: number) => number): FunctionDef {
  return { params: [p(name, NUMBER)], returns: NUMBER, impl: ([n]) => f(n as number) };
}

/** Go's url.QueryEscape: unreserved characters stay, space becomes "+", everything else is %XX of its UTF-8. */
function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. Returns rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (c === '"') throw new FunctionError(`parse error on line ${rows.length + 1}: bare " in non-quoted field`, 0);
    else field += c;
    i++;
  }
  if (quoted) throw new FunctionError(`parse error on line ${rows.length + 1}: extraneous or missing " in quoted field`, 0);
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export const miscFunctions: Record<string, FunctionDef> = {
  csvdecode: {
    params: [p("str", STRING)],
    returns: listOf(DYNAMIC),
    impl: ([s]) => {
      const [header, ...records] = parseCsv(s as string);
      if (!header) throw new FunctionError("missing header line", 0);
      return records.map((r, i) => {
        if (r.length !== header.length) {
          throw new FunctionError(`record on line ${i + 2}: wrong number of fields (expected ${header.length}, got ${r.length})`, 0);
        }
        const o = newObject();
        header.forEach((h, j) => (o[h] = r[j]!));
        return o;
      });
    },
  },
  textencodebase64: {
    params: [p("string", STRING), p("encoding", STRING)],
    returns: STRING,
    impl: ([s, enc]) => {
      const e = (enc as string).toLowerCase().replace(/[-_]/g, "");
      if (e === "utf8") return Buffer.from(s as string, "utf8").toString("base64");
      if (e === "utf16le") return Buffer.from(s as string, "utf16le").toString("base64");
      if (e === "latin1" || e === "iso88591") return Buffer.from(s as string, "latin1").toString("base64");
      throw new FunctionError(`unsupported encoding ${JSON.stringify(enc)}; use UTF-8, UTF-16LE or ISO-8859-1`, 1);
    },
  },
  tostring: conversion(STRING),
  tonumber: conversion(NUMBER),
  tobool: conversion(BOOL),
  tolist: conversion(listOf(DYNAMIC)),
  toset: conversion(setOf(DYNAMIC)),
  tomap: conversion(mapOf(DYNAMIC)),

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

  jsonencode: {
    params: [p("val", DYNAMIC, { allowNull: true })],
    returns: STRING,
    impl: ([v]) => canonicalJsonEncode(v!),
  },
  jsondecode: {
    params: [p("str", STRING)],
    returns: DYNAMIC,
    impl: ([s]) => {
      try {
        return jsonDecode(s as string);
      } catch (e) {
        throw new FunctionError(`invalid JSON: ${(e as Error).message}`, 0);
      }
    },
  },
  yamlencode: {
    params: [p("value", DYNAMIC, { allowNull: true })],
    returns: STRING,
    impl: ([v]) => yamlEncode(v!),
  },
  base64encode: {
    params: [p("str", STRING)],
    returns: STRING,
    impl: ([s]) => Buffer.from(s as string, "utf8").toString("base64"),
  },
  base64decode: {
    params: [p("str", STRING)],
    returns: STRING,
    impl: ([s]) => {
      const str = s as string;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(str) || str.length % 4 !== 0) {
        throw new FunctionError("failed to decode base64 data: the string is not valid base64", 0);
      }
      const bytes = Buffer.from(str, "base64");
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new FunctionError("the result of decoding the provided string is not valid UTF-8", 0);
      }
    },
  },
  urlencode: { params: [p("str", STRING)], returns: STRING, impl: ([s]) => queryEscape(s as string) },

  md5: hash("md5", "hex"),
  sha1: hash("sha1", "hex"),
  sha256: hash("sha256", "hex"),
  sha512: hash("sha512", "hex"),
  base64sha256: hash("sha256", "base64"),
  base64sha512: hash("sha512", "base64"),

  uuid: {
    params: [],
    returns: STRING,
    impl: (_args, ctx) => (ctx.planning ? unknownOf(STRING) : ctx.randomUUID()),
  },
  timestamp: {
    params: [],
    returns: STRING,
    impl: (_args, ctx) => (ctx.planning ? unknownOf(STRING) : ctx.now().toISOString().replace(/\.\d+Z$/, "Z")),
  },

  sensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: DYNAMIC,
    impl: ([v]) => markSensitive(v!),
  },
  issensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: BOOL,
    impl: ([v]) => isMarked(v!),
  },
  nonsensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: DYNAMIC,
    impl: ([v]) => unmark(v!)[0],
  },
};
