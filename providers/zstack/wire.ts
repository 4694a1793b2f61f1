import { randomUUID } from "node:crypto";
import { ApiError } from "../http/errors.js";

/** Readers for inventory fields: tolerant of the shapes ZStack really sends (longs printed as doubles, nulls). */
export type Inventory = Readonly<Record<string, unknown>>;

export function str(inv: Inventory, key: string): string | null {
  const v = inv[key];
  return typeof v === "string" ? v : v === null || v === undefined ? null : String(v);
}

export function num(inv: Inventory, key: string): number | null {
  const v = inv[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function bool(inv: Inventory, key: string): boolean | null {
  const v = inv[key];
  return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : null;
}

export function list(inv: Inventory, key: string): Inventory[] {
  const v = inv[key];
  return Array.isArray(v) ? v.filter((x): x is Inventory => x !== null && typeof x === "object") : [];
}

/** A fresh ZStack uuid (32 lowercase hex digits), sent as `resourceUuid` so a create can be retried safely. */
export function newZStackUuid(): string {
  return randomUUID().replaceAll("-", "");
}

/** Copies the entries whose value is not null/undefined: ZStack treats an absent field as "use the default". */
export function defined(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** A 404 or SYS.1003 (resource not found): deleting something already gone counts as success. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.code === "SYS.1003");
}

/** Orders `values` like `prior` where they hold the same members, so unordered lists do not churn in state. */
export function keepOrder<T>(values: readonly T[], prior: readonly T[] | null | undefined): T[] {
  if (!prior) return [...values];
  const rest = [...values];
  const out: T[] = [];
  for (const p of prior) {
    const i = rest.indexOf(p);
    if (i >= 0) out.push(...rest.splice(i, 1));
  }
  return [...out, ...rest];
}

/** The `inventory` of a create/update reply, or an error naming the call when it is missing. */
export function inventoryOf(reply: Readonly<Record<string, unknown>>, method: string, path: string): Inventory {
  const inv = reply["inventory"];
  if (inv === null || typeof inv !== "object" || Array.isArray(inv)) {
    throw new ApiError("ZStack", "HTTP.200", "reply has no inventory", method, path, 200);
  }
  return inv as Inventory;
}
