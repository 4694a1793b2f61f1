import { z } from "zod";
import { computed, defineDataSource, optional } from "../../src/sdk/index.js";
import { deadlineOf } from "../http/deadline.js";
import { list, str } from "../http/json.js";
import { checkpointItemSchema, itemOf } from "./checkpoint_view.js";
import type { CsbsClient } from "./client.js";

const schema = z.object({
  checkpoint_id: z.string().nullable(),
  policy_id: z.string().nullable(),
  resource_id: z.string().nullable(),
  status: z.string().nullable(),
  name: z.string().nullable(),
  checkpoint_items: z.array(checkpointItemSchema).nullable(),
});

/** Most pages followed for one read: a guard against a server whose `next` link never ends. */
const MAX_PAGES = 100;

export const checkpointItems = defineDataSource<CsbsClient, typeof schema>({
  type: "csbs_checkpoint_items",
  description: "Backups (checkpoint items), filtered by checkpoint, policy, resource, status or name (GET /checkpoint_items).",
  schema,
  attributes: {
    checkpoint_id: optional({ description: "Only the backups of this checkpoint." }),
    policy_id: optional({ description: "Only the backups made by this policy." }),
    resource_id: optional({ description: "Only the backups of this resource (server id)." }),
    status: optional({ description: "Only backups in this status (`available`, `protecting`, `error`...)." }),
    name: optional({ description: "Only backups with this name." }),
    checkpoint_items: computed({
      description: "The backups: id, checkpoint_id, name, resource_id, resource_type, resource_name, status, created_at, updated_at, size_mb, progress, incremental, fail_reason.",
    }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const d = deadlineOf(ctx);
    const filters = {
      checkpoint_id: config.checkpoint_id ?? undefined,
      policy_id: config.policy_id ?? undefined,
      resource_id: config.resource_id ?? undefined,
      status: config.status ?? undefined,
      name: config.name ?? undefined,
    };
    const items = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const reply = await ctx.client.call(d, { method: "GET", path: "/checkpoint_items", query: { ...filters, limit: 1000, marker } });
      const batch = list(reply, "checkpoint_items");
      items.push(...batch.map(itemOf));
      const next = list(reply, "checkpoint_items_links").find((l) => str(l, "rel") === "next");
      const href = next ? str(next, "href") : null;
      const nextMarker = href ? new URL(href, "http://x.invalid").searchParams.get("marker") : null;
      if (!nextMarker || batch.length === 0 || nextMarker === marker) break;
      marker = nextMarker;
    }
    return { ...config, checkpoint_items: items };
  },
});
