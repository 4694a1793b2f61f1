import { decode, encode, ExtData } from "@msgpack/msgpack";
import type { BlockJson, SdkObject, SdkValue, TfType } from "../sdk/index.js";
import { UNKNOWN } from "../sdk/index.js";

/**
 * Conversion between Terraform's DynamicValue encodings (msgpack, or JSON) and the sdk's plain values, directed by
 * the schema block the value conforms to.
 *
 * Two differences of representation are settled here so providers and `planResourceChange` see what the native
 * engine gives them: an unknown (msgpack extension, any code) becomes `UNKNOWN`; a list/set of nested blocks with
 * no blocks, which Terraform holds as `[]`, becomes null (and null goes back out as `[]`). A `dynamic` attribute
 * travels as `[type JSON, value]` and is unwrapped to its value.
 */

/** The sdk value of a DynamicValue, or throws with the attribute path of a value that does not fit the type. */
export function decodeDynamic(dv: { msgpack?: Uint8Array | null; json?: Uint8Array | null } | null | undefined, block: BlockJson): SdkObject | null {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return fromWire(decode(dv.msgpack), block, []) as SdkObject | null;
  if (dv.json && dv.json.length > 0) return fromWire(JSON.parse(Buffer.from(dv.json).toString("utf8")), block, []) as SdkObject | null;
  return null;
}

/** The msgpack DynamicValue of an sdk object (or null) conforming to `block`. */
export function encodeDynamic(value: SdkObject | null, block: BlockJson): { msgpack: Uint8Array } {
  return { msgpack: encode(toWire(value, block, []), { ignoreUndefined: false }) };
}

/** Decodes a value of an arbitrary Terraform type (used for the state JSON of UpgradeResourceState too). */
export function fromWire(v: unknown, shape: BlockJson | TfType, path: (string | number)[]): SdkValue {
  if (v instanceof ExtData) return UNKNOWN;
  if (v === null || v === undefined) return isBlock(shape) ? null : null;
  if (isBlock(shape)) {
    if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected an object`);
    const o = v as Record<string, unknown>;
    const out: SdkObject = {};
    for (const [k, a] of Object.entries(shape.attributes ?? {})) out[k] = fromWire(o[k], a.type, [...path, k]);
    for (const [k, b] of Object.entries(shape.block_types ?? {})) {
      const raw = o[k];
      if (b.nesting_mode === "single") out[k] = fromWire(raw, b.block, [...path, k]);
      else if (raw instanceof ExtData) out[k] = UNKNOWN;
      else if (raw === null || raw === undefined || (Array.isArray(raw) && raw.length === 0)) out[k] = null;
      else if (Array.isArray(raw)) out[k] = raw.map((x, i) => fromWire(x, b.block, [...path, k, i]));
      else throw new TypeError(`${where([...path, k])}: expected a list of blocks`);
    }
    return out;
  }
  return fromTyped(v, shape, path);
}

function fromTyped(v: unknown, t: TfType, path: (string | number)[]): SdkValue {
  if (v instanceof ExtData) return UNKNOWN;
  if (v === null || v === undefined) return null;
  if (t === "string") return typeof v === "string" ? v : String(v);
  if (t === "number") {
    const n = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v);
    if (Number.isNaN(n)) throw new TypeError(`${where(path)}: expected a number`);
    return n;
  }
  if (t === "bool") {
    if (typeof v !== "boolean") throw new TypeError(`${where(path)}: expected a bool`);
    return v;
  }
  if (t === "dynamic") {
    if (Array.isArray(v) && v.length === 2 && (v[0] instanceof Uint8Array || typeof v[0] === "string")) {
      const typeJson = typeof v[0] === "string" ? v[0] : Buffer.from(v[0]).toString("utf8");
      return fromTyped(v[1], JSON.parse(typeJson) as TfType, path);
    }
    return plain(v);
  }
  const [kind, inner] = t;
  switch (kind) {
    case "list":
    case "set":
      if (!Array.isArray(v)) throw new TypeError(`${where(path)}: expected a ${kind}`);
      return v.map((x, i) => fromTyped(x, inner as TfType, [...path, i]));
    case "tuple":
      if (!Array.isArray(v)) throw new TypeError(`${where(path)}: expected a tuple`);
      return v.map((x, i) => fromTyped(x, (inner as readonly TfType[])[i] ?? "dynamic", [...path, i]));
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected a map`);
      const out: SdkObject = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromTyped(x, inner as TfType, [...path, k]);
      return out;
    }
    case "object": {
      if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected an object`);
      const o = v as Record<string, unknown>;
      const out: SdkObject = {};
      for (const [k, at] of Object.entries(inner as Record<string, TfType>)) out[k] = fromTyped(o[k], at, [...path, k]);
      return out;
    }
  }
}

/** JSON-like data of unknown type (a dynamic attribute given as plain JSON). */
function plain(v: unknown): SdkValue {
  if (v instanceof ExtData) return UNKNOWN;
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  if (typeof v === "bigint") return Number(v);
  return v as SdkValue;
}

const UNKNOWN_WIRE = new ExtData(0, new Uint8Array([0]));

function toWire(v: SdkValue | undefined, shape: BlockJson | TfType, path: (string | number)[]): unknown {
  if (v === UNKNOWN) return UNKNOWN_WIRE;
  if (v === null || v === undefined) return null;
  if (isBlock(shape)) {
    if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected an object`);
    const o = v as SdkObject;
    const out: Record<string, unknown> = {};
    for (const [k, a] of Object.entries(shape.attributes ?? {})) out[k] = toWire(o[k], a.type, [...path, k]);
    for (const [k, b] of Object.entries(shape.block_types ?? {})) {
      const x = o[k];
      if (b.nesting_mode === "single") out[k] = toWire(x, b.block, [...path, k]);
      else if (x === UNKNOWN) out[k] = UNKNOWN_WIRE;
      else if (x === null || x === undefined) out[k] = [];
      else if (Array.isArray(x)) out[k] = x.map((e, i) => toWire(e, b.block, [...path, k, i]));
      else throw new TypeError(`${where([...path, k])}: expected a list of blocks`);
    }
    return out;
  }
  return toTyped(v, shape, path);
}

function toTyped(v: SdkValue | undefined, t: TfType, path: (string | number)[]): unknown {
  if (v === UNKNOWN) return UNKNOWN_WIRE;
  if (v === null || v === undefined) return null;
  if (t === "string") return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (t === "number") {
    const n = typeof v === "number" ? v : Number(v);
    if (Number.isNaN(n)) throw new TypeError(`${where(path)}: expected a number, got ${JSON.stringify(v)}`);
    return n;
  }
  if (t === "bool") return typeof v === "boolean" ? v : v === "true";
  if (t === "dynamic") return [Buffer.from(JSON.stringify(typeOfPlain(v))), toTyped(v, typeOfPlain(v), path)];
  const [kind, inner] = t;
  switch (kind) {
    case "list":
    case "set":
    case "tuple":
      if (!Array.isArray(v)) throw new TypeError(`${where(path)}: expected a ${kind}`);
      return v.map((x, i) => toTyped(x, kind === "tuple" ? ((inner as readonly TfType[])[i] ?? "dynamic") : (inner as TfType), [...path, i]));
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected a map`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = toTyped(x, inner as TfType, [...path, k]);
      return out;
    }
    case "object": {
      if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where(path)}: expected an object`);
      const out: Record<string, unknown> = {};
      for (const [k, at] of Object.entries(inner as Record<string, TfType>)) out[k] = toTyped((v as SdkObject)[k], at, [...path, k]);
      return out;
    }
  }
}

/** The Terraform type of a wholly known plain value, for a `dynamic` attribute (objects, tuples, primitives). */
function typeOfPlain(v: SdkValue): TfType {
  if (v === null || v === UNKNOWN) return "dynamic";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(typeOfPlain)];
  return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOfPlain(x)]))];
}

function isBlock(s: BlockJson | TfType): s is BlockJson {
  return typeof s === "object" && !Array.isArray(s);
}

function where(path: readonly (string | number)[]): string {
  if (path.length === 0) return "value";
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s;
}
