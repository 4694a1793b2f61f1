import type { ListedObject } from "../../src/sdk/index.js";
import type { Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createOnce } from "./idempotent.js";
import { queryAll } from "./inventory.js";
import { defined, inventoryOf, isNotFound, str, type Inventory } from "./wire.js";

/** DELETE `path` in Permissive mode; an object already gone counts as deleted. */
export async function deletePermissive(client: ZStackClient, d: Deadline, path: string): Promise<void> {
  try {
    await client.call(d, { method: "DELETE", path, query: { deleteMode: "Permissive" } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Every object a query API lists, by uuid and name, for drift inventories; `keep` filters the inventories. */
export async function listByUuid(client: ZStackClient, d: Deadline, path: string, keep: (inv: Inventory) => boolean = () => true): Promise<ListedObject[]> {
  const invs = await queryAll(client, d, path);
  return invs.flatMap((inv) => {
    const uuid = str(inv, "uuid");
    return uuid && keep(inv) ? [{ id: uuid, name: str(inv, "name") }] : [];
  });
}

/**
 * Creates an object under the client-chosen `uuid`: `POST path {"params": {...params, resourceUuid: uuid}}`, safe
 * to run again (`createOnce`: `find` looks the uuid up first and after a failure), the reply's inventory turned
 * into state by `toState`. Undefined and null params are left out.
 */
export function createWithUuid<T>(
  client: ZStackClient,
  d: Deadline,
  spec: { path: string; uuid: string; params: Readonly<Record<string, unknown>>; find: () => Promise<T | null>; toState: (inv: Inventory) => T },
): Promise<T> {
  return createOnce(spec.find, async () => {
    const reply = await client.call(d, { method: "POST", path: spec.path, body: { params: defined({ ...spec.params, resourceUuid: spec.uuid }) }, idempotent: true });
    return spec.toState(inventoryOf(reply, "POST", client.fullPath(spec.path)));
  });
}
