import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createWithUuid, deletePermissive, listByUuid } from "./uuid-objects.js";
import { readManyByUuid } from "./read-many.js";
import { scheduleTerms } from "./schedule-terms.js";
import { inventoryOf, keepOrder, newZStackUuid, num, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  scheduler_type: z.enum(["simple", "cron"]),
  scheduler_interval: z.number().int().min(1).max(2147483647).nullable(),
  repeat_count: z.number().int().min(1).max(2147483647).nullable(),
  start_time: z.number().int().min(0).nullable(),
  cron: z.string().min(1).nullable(),
  stop_time: z.string().nullable(),
  job_uuids: z.array(z.string()).nullable(),
});
type Trigger = z.infer<typeof schema>;

const PATH = "/scheduler/triggers";

function fromInventory(inv: Inventory, prior: Trigger | null): Trigger {
  const type = str(inv, "schedulerType");
  const jobs = Array.isArray(inv["jobsUuid"]) ? (inv["jobsUuid"] as unknown[]).filter((j): j is string => typeof j === "string") : null;
  return {
    uuid: str(inv, "uuid"),
    name: str(inv, "name") ?? prior?.name ?? "",
    description: str(inv, "description") || (prior?.description ?? null),
    scheduler_type: type === "cron" || type === "simple" ? type : prior?.scheduler_type ?? "simple",
    scheduler_interval: num(inv, "schedulerInterval") ?? prior?.scheduler_interval ?? null,
    repeat_count: num(inv, "repeatCount") ?? prior?.repeat_count ?? null,
    // The server answers start times as zone-less date text; the configured Unix time is the exact value.
    start_time: prior?.start_time ?? null,
    cron: str(inv, "cron") ?? prior?.cron ?? null,
    stop_time: str(inv, "stopTime"),
    job_uuids: jobs ? keepOrder(jobs, prior?.job_uuids) : prior?.job_uuids ?? null,
  };
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: Trigger | null): Promise<Trigger | null> {
  const [inv] = await client.query(d, PATH, [`uuid=${uuid}`]);
  return inv ? fromInventory(inv, prior) : null;
}

export const schedulerTrigger = defineResource<ZStackClient, typeof schema>({
  type: "zstack_scheduler_trigger",
  description:
    "When scheduled jobs (`zstack_scheduler_job`) run: a Quartz cron expression (with a seconds field, e.g. `0 0 2 * * ?` daily at 02:00 on the management node's clock) or a simple interval with an optional repeat count and start time. Name and description change in place; the schedule replaces the trigger.",
  schema,
  attributes: {
    uuid: computed({
      stable: true,
      description: "The trigger's UUID (chosen by the client and sent as `resourceUuid`); the import id.",
    }),
    name: required({ description: "Name of the trigger (1–255 characters)." }),
    description: optionalComputed({ description: "Free-form description." }),
    scheduler_type: required({
      forceNew: true,
      description: "`cron` or `simple`.",
    }),
    scheduler_interval: optional({
      forceNew: true,
      description: "simple: seconds between firings (required for simple triggers).",
    }),
    repeat_count: optional({
      forceNew: true,
      description: "simple: how many times the trigger fires in all; unset fires forever.",
    }),
    start_time: optional({
      forceNew: true,
      description: "simple: Unix time (seconds) of the first firing; unset or 0 starts now.",
    }),
    cron: optional({
      forceNew: true,
      description: "cron: a Quartz cron expression — seconds minutes hours day-of-month month day-of-week [year], one of the day fields `?`.",
    }),
    stop_time: computed({
      description: "simple with a repeat count: the time of the last firing, as the server states it.",
    }),
    job_uuids: computed({
      description: "UUIDs of the jobs the trigger runs (attached with `zstack_scheduler_job.trigger_uuids`).",
    }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "5m", update: "5m", delete: "5m", read: "5m" },

  async read(ctx, state) {
    return state.uuid ? find(ctx.client, deadlineOf(ctx), state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    return readManyByUuid(ctx.client, deadlineOf(ctx), PATH, states, fromInventory);
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    const withId = { ...planned, uuid };
    return createWithUuid(ctx.client, d, {
      path: PATH,
      uuid,
      params: {
        name: planned.name,
        description: planned.description,
        schedulerType: planned.scheduler_type,
        schedulerInterval: planned.scheduler_interval,
        repeatCount: planned.repeat_count,
        startTime: planned.start_time,
        cron: planned.cron,
      },
      find: () => find(ctx.client, d, uuid, withId),
      toState: (inv) => fromInventory(inv, withId),
    });
  },

  async update(ctx, prior, planned) {
    const path = `${PATH}/${prior.uuid}/actions`;
    const reply = await ctx.client.call(deadlineOf(ctx), {
      method: "PUT",
      path,
      body: {
        updateSchedulerTrigger: {
          name: planned.name,
          description: planned.description ?? "",
        },
      },
    });
    // prior, not planned, fills what the reply leaves out: planned computed attributes may be unknown
    return fromInventory(inventoryOf(reply, "PUT", ctx.client.fullPath(path)), prior);
  },

  async delete(ctx, state) {
    if (state.uuid) await deletePermissive(ctx.client, deadlineOf(ctx), `${PATH}/${state.uuid}`);
  },

  async import(ctx, id) {
    return find(ctx.client, deadlineOf(ctx), id, null);
  },

  inventory: {
    idAttribute: "uuid",
    list: (ctx) => listByUuid(ctx.client, deadlineOf(ctx), PATH),
  },

  protection: {
    // A trigger protects nothing itself; it lends its rhythm to the backup jobs that name it.
    facts: (t) => (t.uuid ? [{ kind: "terms", id: t.uuid, ...scheduleTerms(t) }] : []),
  },
});
