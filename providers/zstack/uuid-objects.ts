import type { ListedObject } from "../../src/sdk/index.js";
import type { Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { queryAll } from "./inventory.js";
import { isNotFound, str, type Inventory } from "./wire.js";

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
