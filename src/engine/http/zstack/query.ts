import { parseZStackDate } from "./timestamp.js";
import { assertNever } from "../../domain/never.js";
import { LikePattern } from "./like.js";

/**
 * The ZStack query language as the REST server parses it (`GET /v1/<resources>?q=...`): repeated `q` conditions
 * ANDed together, paging (`limit`, `start`), counting (`count`, `replyWithCount`), `sort` and `fields`.
 * Parsing is pure: the schema of the queried inventory says which fields exist and how values are typed.
 */

export type QueryOp = "=" | "!=" | ">" | "<" | ">=" | "<=" | "?=" | "!?=" | "~=" | "!~=" | "is null" | "not null";

/** Operators in the order the real server tries them: the first one found in the condition splits it. */
const BINARY_OPS: readonly QueryOp[] = ["!=", ">=", "<=", "!?=", "!~=", "~=", "?=", "=", ">", "<"];
const ALL_OPS = [...BINARY_OPS, "is null", "not null"];

/** How values of a field compare. `list`/`object` fields accept nested conditions (`vmNics.ip=...`). */
export type FieldKind = "string" | "number" | "boolean" | "timestamp" | "list" | "object";

export interface QuerySchema {
  /** The inventory class name, used in messages (`CdpTaskInventory`). */
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldKind>>;
}

export type Scalar = string | number | boolean;

export type Condition =
  | { readonly path: readonly string[]; readonly op: "is null" | "not null" }
  | { readonly path: readonly string[]; readonly op: "?=" | "!?="; readonly values: readonly Scalar[] }
  | { readonly path: readonly string[]; readonly op: "=" | "!=" | ">" | "<" | ">=" | "<="; readonly value: Scalar }
  | { readonly path: readonly string[]; readonly op: "~=" | "!~="; readonly pattern: LikePattern };

export interface Query {
  readonly conditions: readonly Condition[];
  readonly limit: number;
  readonly start: number;
  /** `count=true`: answer only `{total}`. */
  readonly count: boolean;
  /** `replyWithCount=true`: add `total` beside `inventories`. */
  readonly replyWithCount: boolean;
  readonly sort?: { readonly field: string; readonly direction: "asc" | "desc" };
  /** `fields=a,b`: only these top-level fields of each inventory. */
  readonly fields?: readonly string[];
}

export const DEFAULT_QUERY_LIMIT = 1000;

export type ParseResult = { ok: true; query: Query } | { ok: false; message: string };

class QueryError extends Error {}

/**
 * Parses the query string of a ZStack query call. Promises: on `ok: false` the message is the plain-text body of
 * the 400 answer, naming the offending parameter; on `ok: true` every condition names an existing field and its
 * value is typed after the field (numbers, booleans, timestamps as epoch milliseconds).
 */
export function parseQuery(params: URLSearchParams, schema: QuerySchema): ParseResult {
  try {
    return {
      ok: true,
      query: {
        conditions: params.getAll("q").map((q) => parseCondition(q, schema)),
        limit: parseNonNegativeInt(params, "limit") ?? DEFAULT_QUERY_LIMIT,
        start: parseNonNegativeInt(params, "start") ?? 0,
        count: parseBool(params, "count"),
        replyWithCount: parseBool(params, "replyWithCount"),
        ...optional("sort", parseSort(params.get("sort"), schema)),
        ...optional("fields", parseFields(params.get("fields"), schema)),
      },
    };
  } catch (e) {
    if (e instanceof QueryError) return { ok: false, message: e.message };
    throw e;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Parses one `q` value such as `uuid?=a,b` or `name is null`. */
export function parseCondition(q: string, schema: QuerySchema): Condition {
  for (const op of ["is null", "not null"] as const) {
    const suffix = ` ${op}`;
    if (q.endsWith(suffix) && !BINARY_OPS.some((b) => q.includes(b))) {
      return { path: fieldPath(q.slice(0, -suffix.length), q, schema), op };
    }
  }
  for (const op of BINARY_OPS) {
    const at = q.indexOf(op);
    if (at < 0) continue;
    const path = fieldPath(q.slice(0, at), q, schema);
    const raw = q.slice(at + op.length);
    const kind = kindOf(path, schema);
    switch (op) {
      case "?=":
      case "!?=":
        return { path, op, values: raw.split(",").map((v) => typed(v, kind, q)) };
      case "~=":
      case "!~=":
        return { path, op, pattern: new LikePattern(raw) };
      case "=":
      case "!=":
      case ">":
      case "<":
      case ">=":
      case "<=":
        return { path, op, value: typed(raw, kind, q) };
    }
  }
  throw new QueryError(
    `Invalid query parameter. The '${q}' in the parameter[q] doesn't contain any query operator. Valid query operators are ${JSON.stringify(ALL_OPS)}`,
  );
}

/** Pseudo-fields every query API answers: the tags of each object (RestServer's `__systemTag__`, `__userTag__`). */
export const TAG_FIELDS: Readonly<Record<string, FieldKind>> = { __systemTag__: "list", __userTag__: "list" };

function fieldPath(text: string, q: string, schema: QuerySchema): string[] {
  // RestServer trims the field name, so `q=name =x` and `q= name=x` mean `name=x`.
  const path = text.trim().split(".");
  if (text.trim() === "" || path.some((p) => p === "")) throw new QueryError(`Invalid query parameter. The '${q}' in the parameter[q] has no field name`);
  const kind = fieldKind(schema, path[0]!);
  if (Object.hasOwn(TAG_FIELDS, path[0]!) && path.length > 1) throw new QueryError(`Invalid query parameter. '${path[0]}' has no nested field '${path.slice(1).join(".")}'`);
  if (Object.hasOwn(TAG_FIELDS, path[0]!)) return path;
  if (kind === undefined) throw new QueryError(`Invalid query parameter. '${path[0]}' in the parameter[q] '${q}' is not a queryable field of ${schema.name}`);
  if (path.length > 1 && kind !== "list" && kind !== "object") {
    throw new QueryError(`Invalid query parameter. '${path[0]}' of ${schema.name} has no nested field '${path.slice(1).join(".")}'`);
  }
  return path;
}

/**
 * The kind of a field the schema declares; undefined for anything else. Own properties only: `__proto__`,
 * `constructor` or `toString` as a field name must be an unknown field, not a property of every object.
 */
function fieldKind(schema: QuerySchema, name: string): FieldKind | undefined {
  if (Object.hasOwn(schema.fields, name)) return schema.fields[name];
  return Object.hasOwn(TAG_FIELDS, name) ? TAG_FIELDS[name] : undefined;
}

/** The kind of a top-level field; nested fields are untyped (compared after the values found). */
function kindOf(path: readonly string[], schema: QuerySchema): FieldKind | undefined {
  return path.length === 1 ? fieldKind(schema, path[0]!) : undefined;
}

function typed(raw: string, kind: FieldKind | undefined, q: string): Scalar {
  switch (kind) {
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new QueryError(`Invalid query parameter. The value '${raw}' in the parameter[q] '${q}' must be a number`);
      return n;
    }
    case "timestamp": {
      const n = /^-?\d+$/.test(raw) ? Number(raw) : parseZStackDate(raw);
      if (n === undefined) {
        throw new QueryError(`Invalid query parameter. The value '${raw}' in the parameter[q] '${q}' must be a timestamp such as 'Nov 14, 2017 10:20:57 PM' or epoch milliseconds`);
      }
      return n;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") throw new QueryError(`Invalid query parameter. The value '${raw}' in the parameter[q] '${q}' must be true or false`);
      return raw === "true";
    case "string":
    case "list":
    case "object":
    case undefined:
      return raw;
    default:
      return assertNever(kind);
  }
}

function parseNonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new QueryError(`Invalid query parameter. '${name}' must be an integer`);
  return Number(raw);
}

function parseBool(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === null) return false;
  if (raw !== "true" && raw !== "false") throw new QueryError(`Invalid query parameter. '${name}' must be true or false`);
  return raw === "true";
}

function parseSort(raw: string | null, schema: QuerySchema): Query["sort"] {
  if (raw === null) return undefined;
  // A literal '+' in a query string decodes to a space, as it does on the real (servlet) server.
  const m = /^([+ \-]?)(.*)$/.exec(raw)!;
  const field = m[2]!;
  const kind = fieldKind(schema, field);
  if (field === "" || kind === undefined) throw new QueryError(`Invalid query parameter. 'sort' names '${field}', which is not a field of ${schema.name}`);
  if (kind === "list" || kind === "object") throw new QueryError(`Invalid query parameter. 'sort' cannot sort by '${field}', which is not a primitive field`);
  return { field, direction: m[1] === "-" ? "desc" : "asc" };
}

function parseFields(raw: string | null, schema: QuerySchema): string[] | undefined {
  if (raw === null) return undefined;
  const fields = raw.split(",").filter((f) => f !== "");
  for (const f of fields) {
    if (fieldKind(schema, f) === undefined) throw new QueryError(`Invalid query parameter. 'fields' names '${f}', which is not a field of ${schema.name}`);
  }
  return fields;
}
