/**
 * Encoding functions: JSON, YAML, CSV, base64 and URL encoding.
 */
import { DYNAMIC, listOf, STRING, type Type } from "../types.js";
import { newObject } from "../value.js";
import { canonicalJsonEncode, jsonDecode } from "./json.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";
import { yamlEncode } from "./yaml.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

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

export const encodingFunctions: Record<string, FunctionDef> = {
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
};
