/**
 * Values as providers see them: plain JSON, plus one sentinel for "known only after apply" in planned values.
 * The plan engine converts its richer `lang` values (with sensitive marks) into these at the provider boundary, and
 * the bridge converts msgpack DynamicValues into them; the sdk itself depends on neither.
 */
export const UNKNOWN: unique symbol = Symbol.for("backplan.sdk.unknown");
export type Unknown = typeof UNKNOWN;

export type SdkValue = null | boolean | number | string | Unknown | SdkValue[] | SdkObject;
export interface SdkObject {
  [key: string]: SdkValue;
}

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** True when no UNKNOWN occurs anywhere inside `v`. */
export function isWhollyKnown(v: SdkValue): boolean {
  if (v === UNKNOWN) return false;
  if (Array.isArray(v)) return v.every(isWhollyKnown);
  if (v !== null && typeof v === "object") return Object.values(v).every(isWhollyKnown);
  return true;
}

/**
 * Structural equality. `undefined` and `null` are the same (an absent attribute is null in Terraform's model);
 * UNKNOWN equals nothing, not even itself, because two unknowns may turn out different.
 */
export function valuesEqual(a: SdkValue | undefined, b: SdkValue | undefined): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  const an = a ?? null;
  const bn = b ?? null;
  if (an === bn) return true;
  if (an === null || bn === null || typeof an !== "object" || typeof bn !== "object") return false;
  if (Array.isArray(an) || Array.isArray(bn)) {
    if (!Array.isArray(an) || !Array.isArray(bn) || an.length !== bn.length) return false;
    return an.every((x, i) => valuesEqual(x, bn[i]));
  }
  // A key missing on one side equals null on the other; no set of both key lists (this runs per attribute of
  // every planned instance).
  for (const k in an) if (!valuesEqual(an[k], bn[k])) return false;
  for (const k in bn) if (!Object.hasOwn(an, k) && !valuesEqual(undefined, bn[k])) return false;
  return true;
}

/** Equality of two lists as multisets (order-insensitive), for attributes whose API ignores order. */
export function multisetEqual(a: readonly SdkValue[], b: readonly SdkValue[]): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  outer: for (const x of a) {
    for (let i = 0; i < b.length; i++) {
      if (!used[i] && valuesEqual(x, b[i])) {
        used[i] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}
