import type { Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import type { Inventory } from "./wire.js";

/** Page size of inventory listings (ZStack's default query limit). */
const PAGE = 1000;
/** Most pages one listing follows: a guard against a server that ignores `start`. */
const MAX_PAGES = 1000;

/**
 * Every inventory a ZStack query API returns, page by page (`limit`/`start`), sorted by uuid so that pages stay
 * consistent while objects come and go. Read-only.
 */
export async function queryAll(client: ZStackClient, d: Deadline, path: string, conditions: readonly string[] = []): Promise<Inventory[]> {
  const out: Inventory[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await client.query(d, path, conditions, { limit: PAGE, start: page * PAGE, sort: "+uuid" });
    out.push(...batch);
    if (batch.length < PAGE) break;
  }
  return out;
}
