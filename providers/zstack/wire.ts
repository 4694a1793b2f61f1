import { randomUUID } from "node:crypto";
import { ApiError } from "../http/errors.js";

export { bool, defined, list, num, str } from "../http/json.js";
/** A ZStack inventory object as it arrives on the wire. */
export type Inventory = import("../http/json.js").JsonObject;

/** A fresh ZStack uuid (32 lowercase hex digits), sent as `resourceUuid` so a create can be retried safely. */
export function newZStackUuid(): string {
  return randomUUID().replaceAll("-", "");
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
