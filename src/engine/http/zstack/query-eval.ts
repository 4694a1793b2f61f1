import type { Condition, Query, Scalar } from "./query.js";
import { assertNever } from "../../domain/never.js";

/** A queryable document: a plain JSON-like inventory (timestamps as epoch milliseconds). */
export type Queryable = Readonly<Record<string, unknown>>;

/**
 * How long one query may evaluate. Evaluation is synchronous (the documents are in memory), so a query that ran
 * long would hold the event loop and every other request; past the budget it stops and the caller answers 400.
 */
export const QUERY_BUDGET_MS = 1000;

/** Thrown by `runQuery` when evaluation passes its budget. */
export class QueryBudgetError extends Error {
  constructor(readonly budgetMs: number) {
    super(`Invalid query parameter. The query did not finish within its budget of ${budgetMs} ms; narrow the conditions of the parameter[q]`);
  }
}

export interface QueryResult<T> {
  /** The page (`start`, `limit`) of matching documents, sorted when asked. */
  readonly items: T[];
  /** How many documents matched before paging. */
  readonly total: number;
}

/**
 * Runs `query` over documents. `all()` yields every document; `byUuid` is used instead of a scan when a condition
 * is `uuid=` or `uuid?=` (batched refreshes of thousands of objects). `view` turns a stored document into the
 * queryable inventory. Promises: the result is what the same conditions would select by scanning `all()`, in
 * scan order for scans and in the order of the given uuids for lookups (each document at most once). Throws
 * QueryBudgetError when evaluation runs past `budget.ms` (checked every 64 documents).
 */
export function runQuery<D>(
  query: Query,
  source: { all(): Iterable<D>; byUuid(uuid: string): D | undefined },
  view: (doc: D) => Queryable,
  budget: { ms: number; now: () => number } = { ms: QUERY_BUDGET_MS, now: () => performance.now() },
): QueryResult<Queryable> {
  const deadline = budget.now() + budget.ms;
  const lookup = query.conditions.find((c): c is LookupCondition => c.path.length === 1 && c.path[0] === "uuid" && (c.op === "=" || c.op === "?="));
  const candidates: Iterable<D> = lookup ? lookupAll(lookup, source.byUuid) : source.all();
  const rest = query.conditions.filter((c) => c !== lookup);
  let matched: Queryable[] = [];
  let seen = 0;
  for (const doc of candidates) {
    if (++seen % 64 === 0 && budget.now() > deadline) throw new QueryBudgetError(budget.ms);
    const v = view(doc);
    if (rest.every((c) => matches(v, c))) matched.push(v);
  }
  if (query.sort) matched = sortBy(matched, query.sort.field, query.sort.direction);
  return { items: matched.slice(query.start, query.start + query.limit), total: matched.length };
}

type LookupCondition = Condition & ({ op: "="; value: Scalar } | { op: "?="; values: readonly Scalar[] });

function* lookupAll<D>(c: LookupCondition, byUuid: (uuid: string) => D | undefined): Iterable<D> {
  const uuids = c.op === "=" ? [c.value] : c.values;
  const seen = new Set<string>();
  for (const u of uuids) {
    const key = String(u);
    if (seen.has(key)) continue;
    seen.add(key);
    const doc = byUuid(key);
    if (doc !== undefined) yield doc;
  }
}

/** The scalar values at `path`, descending through lists (`allVolumes.uuid` gives every volume's uuid). */
export function valuesAt(doc: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [doc];
  for (const key of path) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        // Own properties only: a nested `__proto__` or `constructor` names no field of an inventory.
        if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.hasOwn(item, key)) next.push((item as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined && v !== null);
}

/**
 * Whether the document satisfies the condition, with SQL semantics: a missing (null) value satisfies only
 * `is null`; over nested lists a positive operator needs one matching element and a negative one (`!=`, `!?=`,
 * `!~=`) needs no element to match its positive twin.
 */
export function matches(doc: Queryable, c: Condition): boolean {
  const values = valuesAt(doc, c.path);
  switch (c.op) {
    case "is null":
      return values.length === 0;
    case "not null":
      return values.length > 0;
    case "=":
      return values.some((v) => compare(v, c.value) === 0);
    case "!=":
      return values.length > 0 && !values.some((v) => compare(v, c.value) === 0);
    case ">":
      return values.some((v) => (compare(v, c.value) ?? 0) > 0);
    case "<":
      return values.some((v) => (compare(v, c.value) ?? 0) < 0);
    case ">=":
      return values.some((v) => { const r = compare(v, c.value); return r !== undefined && r >= 0; });
    case "<=":
      return values.some((v) => { const r = compare(v, c.value); return r !== undefined && r <= 0; });
    case "?=":
      return values.some((v) => c.values.some((x) => compare(v, x) === 0));
    case "!?=":
      return values.length > 0 && !values.some((v) => c.values.some((x) => compare(v, x) === 0));
    case "~=":
      return values.some((v) => c.pattern.test(String(v)));
    case "!~=":
      return values.length > 0 && !values.some((v) => c.pattern.test(String(v)));
    default:
      return assertNever(c);
  }
}

/** Orders a document value against a condition value; undefined when they cannot be compared. */
function compare(v: unknown, x: Scalar): number | undefined {
  if (typeof v === "number") {
    const n = typeof x === "number" ? x : Number(x);
    if (Number.isNaN(n) || (typeof x === "string" && x.trim() === "")) return undefined;
    return v === n ? 0 : v < n ? -1 : 1;
  }
  if (typeof v === "boolean") {
    const b = typeof x === "boolean" ? x : x === "true" ? true : x === "false" ? false : undefined;
    return b === undefined ? undefined : v === b ? 0 : v ? 1 : -1;
  }
  const s = String(v);
  const t = String(x);
  return s === t ? 0 : s < t ? -1 : 1;
}

function sortBy(items: Queryable[], field: string, direction: "asc" | "desc"): Queryable[] {
  const sign = direction === "asc" ? 1 : -1;
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const r = orderValues(a.item[field], b.item[field]);
      return r !== 0 ? r * sign : a.i - b.i;
    })
    .map((e) => e.item);
}

/** Nulls first (as MySQL sorts ascending), then numbers, booleans and strings in their natural order. */
function orderValues(a: unknown, b: unknown): number {
  const an = a === undefined || a === null;
  const bn = b === undefined || b === null;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const s = String(a);
  const t = String(b);
  return s === t ? 0 : s < t ? -1 : 1;
}
