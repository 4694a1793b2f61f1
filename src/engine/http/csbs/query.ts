import { invalidParameter } from "../../domain/csbs/errors.js";

/**
 * Reads a query string against the keys a route knows; an unknown or repeated key is `invalid_parameter`
 * naming it. Returns the single value of each key present.
 */
export function queryParams(query: URLSearchParams, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of query) {
    if (!known.includes(key)) throw invalidParameter(key, `${key}: unknown query parameter (known: ${known.join(", ")})`);
    if (out.has(key)) throw invalidParameter(key, `${key}: given more than once`);
    out.set(key, value);
  }
  return out;
}

export function intParam(q: Map<string, string>, key: string, def: number, min: number, max: number): number {
  const raw = q.get(key);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw invalidParameter(key, `${key}: must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw invalidParameter(key, `${key}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Accepts `2026-11-25T10:00:00`, `2026-11-25 10:00:00` (UTC unless a zone is given) or `2026-11-25`. */
export function timeParam(q: Map<string, string>, key: string): number | undefined {
  const raw = q.get(key);
  if (raw === undefined) return undefined;
  const normal = raw.replace(" ", "T");
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(normal) || !normal.includes("T") ? normal : `${normal}Z`;
  const t = Date.parse(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) throw invalidParameter(key, `${key}: not a time, got "${raw}"`);
  return t;
}

/** `key[:asc|desc][,key...]` against the allowed keys. */
export function sortParam<K extends string>(raw: string | undefined, keys: readonly K[], field = "sort"): { key: K; dir: "asc" | "desc" }[] {
  if (raw === undefined || raw === "") return [];
  return raw.split(",").map((part) => {
    const [key, dir = "desc"] = part.split(":");
    if (!keys.includes(key as K)) throw invalidParameter(field, `${field}: key "${key}" is not one of ${keys.join(", ")}`);
    if (dir !== "asc" && dir !== "desc") throw invalidParameter(field, `${field}: direction "${dir}" is not asc or desc`);
    return { key: key as K, dir };
  });
}

/** Next-page link: the same path with `marker` set to the last id and the other parameters kept. */
export function nextLink(origin: string, path: string, query: URLSearchParams, lastId: string): { href: string; rel: "next" } {
  const q = new URLSearchParams(query);
  q.set("marker", lastId);
  q.delete("offset");
  return { href: `${origin}${path}?${q.toString()}`, rel: "next" };
}

/**
 * One page of an already sorted list: the items after `marker` (an id that must be in the list), skipping
 * `offset`, at most `limit`. `more` says whether items remain after the page.
 */
export function pageOf<T>(sorted: readonly T[], idOf: (t: T) => string, opts: { marker?: string; offset?: number; limit: number; what: string }): { page: T[]; more: boolean } {
  let start = 0;
  if (opts.marker !== undefined) {
    const at = sorted.findIndex((t) => idOf(t) === opts.marker);
    if (at < 0) throw invalidParameter("marker", `marker: ${opts.marker} is not ${opts.what} of this listing`);
    start = at + 1;
  }
  start += opts.offset ?? 0;
  return { page: sorted.slice(start, start + opts.limit), more: start + opts.limit < sorted.length };
}

/** Sorts by the given keys (stable, ties broken by `idOf`). */
export function sortBy<T, K extends string>(items: readonly T[], keys: readonly { key: K; dir: "asc" | "desc" }[], value: (t: T, key: K) => string | number, idOf: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    for (const { key, dir } of keys) {
      const va = value(a, key);
      const vb = value(b, key);
      if (va !== vb) return (va < vb ? -1 : 1) * (dir === "asc" ? 1 : -1);
    }
    return idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0;
  });
}
