import type { Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { str, type Inventory } from "./wire.js";

/**
 * The batched refresh of resources keyed by `uuid`: one `q=uuid?=a,b,c` query (chunked by the client) for all
 * states, answered in input order; `toState` turns a found inventory into the new state, or null when the object
 * counts as gone. States without a uuid read as null.
 */
export async function readManyByUuid<S extends { uuid?: string | null }>(
  client: ZStackClient,
  d: Deadline,
  path: string,
  states: readonly S[],
  toState: (inv: Inventory, prior: S) => S | null,
): Promise<(S | null)[]> {
  const uuids = states.map((s) => s.uuid).filter((u): u is string => !!u);
  const found = new Map((await client.queryIn(d, path, "uuid", uuids)).map((inv) => [str(inv, "uuid"), inv]));
  return states.map((s) => {
    const inv = s.uuid ? found.get(s.uuid) : undefined;
    return inv ? toState(inv, s) : null;
  });
}
