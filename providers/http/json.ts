/** Readers for JSON replies: tolerant of the shapes real APIs send (numbers as strings or doubles, nulls). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** `v` when it is a plain JSON object, else undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A string field; numbers and booleans are stringified, anything else is null. */
export function str(o: JsonObject, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : v === null || v === undefined || typeof v === "object" ? null : String(v);
}

/** A numeric field; numeric strings count (`"20"`), anything else is null. */
export function num(o: JsonObject, key: string): number | null {
  const v = o[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A boolean field; `"true"`/`"false"` count, anything else is null. */
export function bool(o: JsonObject, key: string): boolean | null {
  const v = o[key];
  return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : null;
}

/** The objects of an array field (non-objects dropped); [] when absent. */
export function list(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is JsonObject => x !== null && typeof x === "object" && !Array.isArray(x)) : [];
}

/** Copies the entries whose value is not null/undefined: APIs treat an absent field as "use the default". */
export function defined(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
