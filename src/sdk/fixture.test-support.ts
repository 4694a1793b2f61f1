import { z } from "zod";
import { computed, optional, optionalComputed, required } from "./attribute.js";
import { defineProvider, defineResource } from "./define.js";

/** A small provider shaped like the zstack one, used by the sdk's own tests. */
export interface FakeClient {
  objects: Map<string, Record<string, unknown>>;
}

export const taskSchema = z.object({
  uuid: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  policy_uuid: z.string().length(32),
  resource_uuids: z.array(z.string()).min(1),
  max_latency: z.number().int().min(0).nullable(),
  status: z.string().nullable(),
  create_date: z.string().nullable(),
  password: z.string().nullable(),
  schedule: z.array(z.object({ name: z.string(), enabled: z.boolean() })).nullable(),
});

export const task = defineResource<FakeClient, typeof taskSchema>({
  type: "fake_task",
  description: "A task.",
  schema: taskSchema,
  attributes: {
    uuid: computed({ stable: true, description: "The task's uuid." }),
    name: required({ description: "Name." }),
    description: optional({ default: "" }),
    policy_uuid: required({ forceNew: true }),
    resource_uuids: required({ forceNew: true, unordered: true }),
    max_latency: optionalComputed(),
    status: computed(),
    create_date: computed({ stable: true }),
    password: optional({ sensitive: true }),
    schedule: optional({
      block: { nesting: "list", maxItems: 2, attributes: { name: required(), enabled: optional({ default: true }) } },
    }),
  },
  clientId: "uuid",
  timeouts: { create: "10m", delete: "5m" },
  async read(ctx, state) {
    return (ctx.client.objects.get(state.uuid ?? "") as typeof state | undefined) ?? null;
  },
  async create(ctx, planned) {
    const obj = { ...planned, status: "Created", create_date: "now", max_latency: planned.max_latency ?? 600000 };
    ctx.client.objects.set(obj.uuid ?? "", obj);
    return obj;
  },
  async update(ctx, _prior, planned) {
    ctx.client.objects.set(planned.uuid ?? "", planned);
    return planned;
  },
  async delete(ctx, state) {
    ctx.client.objects.delete(state.uuid ?? "");
  },
});

const providerSchema = z.object({ endpoint: z.string().url().nullable(), token: z.string().nullable() });

export const fakeProvider = defineProvider<FakeClient, typeof providerSchema>({
  name: "fake",
  source: "backplan/fake",
  version: "0.1.0",
  description: "A fake provider.",
  schema: providerSchema,
  attributes: { endpoint: optional({ description: "API URL." }), token: optional({ sensitive: true }) },
  async configure() {
    return { objects: new Map() };
  },
  resources: [task],
  dataSources: [],
});
