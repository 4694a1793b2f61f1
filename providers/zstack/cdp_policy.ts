import { z } from "zod";
import { computed, defineResource, optionalComputed, optional, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createOnce } from "./idempotent.js";
import { readManyByUuid } from "./read-many.js";
import { queryAll } from "./inventory.js";
import { deletePermissive, listByUuid } from "./uuid-objects.js";
import { cdpPolicyFacts } from "./protection.js";
import { defined, inventoryOf, newZStackUuid, num, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  recovery_point_per_second: z.number().int().min(1).max(3600),
  retention_time_per_day: z.number().int().min(1).max(30).nullable(),
  hourly_rp_since_day: z.number().int().min(1).max(30).nullable(),
  daily_rp_since_day: z.number().int().min(0).nullable(),
  expire_time_in_day: z.number().int().min(0).nullable(),
  full_backup_interval_in_day: z.number().int().min(1).max(10).nullable(),
  state: z.string().nullable(),
});
type Policy = z.infer<typeof schema>;

const BASE = "/cdp-backup-storage/policy";

/** Wire names of the updatable fields, keyed by attribute. */
const FIELDS = {
  name: "name",
  description: "description",
  recovery_point_per_second: "recoveryPointPerSecond",
  retention_time_per_day: "retentionTimePerDay",
  hourly_rp_since_day: "hourlyRpSinceDay",
  daily_rp_since_day: "dailyRpSinceDay",
  expire_time_in_day: "expireTimeInDay",
  full_backup_interval_in_day: "fullBackupIntervalInDay",
} as const satisfies Partial<Record<keyof Policy, string>>;

function fromInventory(inv: Inventory, prior: Policy | null): Policy {
  return {
    uuid: str(inv, "uuid"),
    name: str(inv, "name") ?? prior?.name ?? "",
    // ZStack echoes an unset description as null or ""; keep the configured null so no diff appears.
    description: str(inv, "description") || (prior?.description ?? null),
    recovery_point_per_second: num(inv, "recoveryPointPerSecond") ?? prior?.recovery_point_per_second ?? 1,
    retention_time_per_day: num(inv, "retentionTimePerDay"),
    hourly_rp_since_day: num(inv, "hourlyRpSinceDay"),
    daily_rp_since_day: num(inv, "dailyRpSinceDay"),
    expire_time_in_day: num(inv, "expireTimeInDay"),
    full_backup_interval_in_day: num(inv, "fullBackupIntervalInDay"),
    state: str(inv, "state"),
  };
}

function wireFields(p: Policy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [attr, wire] of Object.entries(FIELDS)) out[wire] = p[attr as keyof typeof FIELDS];
  return defined(out);
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: Policy | null): Promise<Policy | null> {
  const [inv] = await client.query(d, BASE, [`uuid=${uuid}`]);
  return inv ? fromInventory(inv, prior) : null;
}

export const cdpPolicy = defineResource<ZStackClient, typeof schema>({
  type: "zstack_cdp_policy",
  description:
    "A CDP policy: how often a CDP task cuts recovery points and how long they are kept. Every argument can be changed in place (UpdateCdpPolicy).",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "The policy's UUID (chosen by the client and sent as `resourceUuid`)." }),
    name: required({ description: "Name of the policy (1–255 characters)." }),
    description: optional({ description: "Free-form description (up to 2048 characters)." }),
    recovery_point_per_second: required({ description: "Interval between recovery points, in seconds (1–3600)." }),
    retention_time_per_day: optionalComputed({ description: "Days during which every recovery point is kept (1–30)." }),
    hourly_rp_since_day: optionalComputed({ description: "After this many days, keep one recovery point per hour (1–30)." }),
    daily_rp_since_day: optionalComputed({ description: "After this many days, keep one recovery point per day." }),
    expire_time_in_day: optionalComputed({ description: "Days after which recovery points expire (0 = never)." }),
    full_backup_interval_in_day: optionalComputed({ description: "Days between full backups (1–10)." }),
    state: computed({ description: "`Enabled` or `Disabled`." }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "10m", update: "10m", delete: "10m", read: "5m" },

  async read(ctx, state) {
    return state.uuid ? find(ctx.client, deadlineOf(ctx), state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    return readManyByUuid(ctx.client, deadlineOf(ctx), BASE, states, fromInventory);
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    return createOnce(
      () => find(ctx.client, d, uuid, planned),
      async () => {
        const reply = await ctx.client.call(d, {
          method: "POST",
          path: BASE,
          body: { params: { ...wireFields(planned), resourceUuid: uuid } },
          idempotent: true,
        });
        return fromInventory(inventoryOf(reply, "POST", ctx.client.fullPath(BASE)), planned);
      },
    );
  },

  async update(ctx, _prior, planned) {
    const uuid = planned.uuid!;
    const path = `${BASE}/${uuid}/actions`;
    const reply = await ctx.client.call(deadlineOf(ctx), {
      method: "PUT",
      path,
      body: { updateCdpPolicy: { ...wireFields(planned), description: planned.description ?? "" } },
    });
    return fromInventory(inventoryOf(reply, "PUT", ctx.client.fullPath(path)), planned);
  },

  async delete(ctx, state) {
    if (state.uuid) await deletePermissive(ctx.client, deadlineOf(ctx), `${BASE}/${state.uuid}`);
  },

  async import(ctx, id) {
    return find(ctx.client, deadlineOf(ctx), id, null);
  },

  inventory: {
    idAttribute: "uuid",
    list: (ctx) => listByUuid(ctx.client, deadlineOf(ctx), BASE),
  },
  protection: {
    facts: cdpPolicyFacts,
    async survey(ctx) {
      const invs = await queryAll(ctx.client, deadlineOf(ctx), BASE);
      return { objects: invs.map((inv) => fromInventory(inv, null)), vms: [] };
    },
  },
});
