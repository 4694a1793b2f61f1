import { formatZStackDate } from "./timestamp.js";

/** Keys whose epoch-millisecond values go out as ZStack timestamps. */
const TIMESTAMP_KEYS = new Set(["createDate", "lastOpDate", "expiredDate", "lastDetachDate", "startTime", "stopTime"]);

/**
 * Turns a queryable inventory (timestamps as epoch ms) into what ZStack sends: timestamps formatted, null and
 * undefined fields left out (Gson's default), everything else unchanged. Pure; does not mutate its input.
 */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[k] = TIMESTAMP_KEYS.has(k) && typeof v === "number" ? formatZStackDate(v) : toWire(v);
  }
  return out;
}

/** Keeps only the named top-level fields (the `fields=` query parameter). */
export function project(item: Readonly<Record<string, unknown>>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (!fields) return { ...item };
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in item) out[f] = item[f];
  return out;
}
