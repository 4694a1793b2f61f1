import type { Deadline } from "../http/deadline.js";
import { list, str, type JsonObject } from "../http/json.js";
import type { CsbsClient } from "./client.js";

/** Most pages one listing follows: a guard against a `next` link that never ends. */
const MAX_PAGES = 1000;

/**
 * Every item of a CSBS/Karbor collection (`GET path?limit=1000`, following the `<key>_links` `next` marker),
 * read-only. `key` is the collection's field (`policies`, `checkpoints`); `filters` are added to the query.
 */
export async function listAll(client: CsbsClient, d: Deadline, path: string, key: string, filters: Readonly<Record<string, string>> = {}): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const reply = await client.call(d, { method: "GET", path, query: { ...filters, limit: 1000, marker } });
    const batch = list(reply, key);
    out.push(...batch);
    const next = list(reply, `${key}_links`).find((l) => str(l, "rel") === "next");
    const href = next ? str(next, "href") : null;
    const nextMarker = href ? new URL(href, "http://x.invalid").searchParams.get("marker") : null;
    if (!nextMarker || batch.length === 0 || nextMarker === marker) break;
    marker = nextMarker;
  }
  return out;
}

/** A checkpoint's `extra_info`, which CSBS sends as a JSON string and Karbor as an object. */
export function extraInfoOf(cp: JsonObject): JsonObject {
  const raw = cp["extra_info"];
  if (raw && typeof raw === "object" && !Array.isArray(raw)) return raw as JsonObject;
  if (typeof raw !== "string") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  } catch {
    return {};
  }
}

/** Every backup (`GET /checkpoint_items`, paged by marker) matching `filters`, except deleted ones. */
export async function listItems(client: CsbsClient, d: Deadline, filters: Readonly<Record<string, string>>): Promise<JsonObject[]> {
  return (await listAll(client, d, "/checkpoint_items", "checkpoint_items", filters)).filter((i) => str(i, "status") !== "deleted");
}
