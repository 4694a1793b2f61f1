import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createOnce } from "./idempotent.js";
import { readManyByUuid } from "./read-many.js";
import { queryAll } from "./inventory.js";
import { deletePermissive, listByUuid } from "./uuid-objects.js";
import { cdpTaskData, cdpTaskFacts, surveyVms } from "./protection.js";
import { defined, inventoryOf, keepOrder, list, newZStackUuid, num, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  task_type: z.string().min(1),
  policy_uuid: z.string().min(1),
  backup_storage_uuid: z.string().min(1),
  resource_uuids: z.array(z.string().min(1)).min(1),
  backup_bandwidth: z.number().int().min(0).nullable(),
  max_capacity: z.number().int().min(0).nullable(),
  max_latency: z.number().int().min(0).nullable(),
  enabled: z.boolean().nullable(),
  status: z.string().nullable(),
  state: z.string().nullable(),
  used_capacity: z.number().nullable(),
  last_latency: z.number().nullable(),
});
type Task = z.infer<typeof schema>;

const CREATE = "/cdp-backup-storage/task";
const QUERY = "/cdp-task";

function fromInventory(inv: Inventory, prior: Task | null): Task {
  const refs = list(inv, "resourceRefs")
    .map((r) => str(r, "resourceUuid"))
    .filter((u): u is string => u !== null);
  const state = str(inv, "state");
  return {
    uuid: str(inv, "uuid"),
    name: str(inv, "name") ?? prior?.name ?? "",
    description: str(inv, "description") || (prior?.description ?? null),
    task_type: str(inv, "taskType") ?? prior?.task_type ?? "VM",
    policy_uuid: str(inv, "policyUuid") ?? prior?.policy_uuid ?? "",
    backup_storage_uuid: str(inv, "backupStorageUuid") ?? prior?.backup_storage_uuid ?? "",
    // Some ZStack versions leave resourceRefs out of the reply; the configured list is then the best knowledge.
    resource_uuids: refs.length > 0 ? keepOrder(refs, prior?.resource_uuids) : (prior?.resource_uuids ?? []),
    backup_bandwidth: num(inv, "backupBandwidth"),
    max_capacity: num(inv, "maxCapacity"),
    max_latency: num(inv, "maxLatency"),
    enabled: state === null ? (prior?.enabled ?? null) : state === "Enabled",
    status: str(inv, "status"),
    state,
    used_capacity: num(inv, "usedCapacity"),
    last_latency: num(inv, "lastLatency") ?? num(inv, "currentLatency"),
  };
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: Task | null): Promise<Task | null> {
  const [inv] = await client.query(d, QUERY, [`uuid=${uuid}`]);
  return inv ? fromInventory(inv, prior) : null;
}

/** Enables or disables the task (separate ZStack calls; there is no "change state" API). */
async function setEnabled(client: ZStackClient, d: Deadline, uuid: string, enabled: boolean, prior: Task): Promise<Task> {
  const path = `/cdp-task/${enabled ? "enable" : "disable"}/${uuid}`;
  const reply = await client.call(d, { method: "POST", path, body: { params: {} }, idempotent: true });
  const inv = reply["inventory"];
  if (inv && typeof inv === "object") return fromInventory(inv as Inventory, prior);
  return (await find(client, d, uuid, prior)) ?? prior;
}

export const cdpTask = defineResource<ZStackClient, typeof schema>({
  type: "zstack_cdp_task",
  description:
    "A continuous data protection task: journals every write of the given VMs to a backup storage and cuts recovery points as its policy says. Name, description, bandwidth, capacity, latency and `enabled` change in place; the rest replaces the task.",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "The task's UUID (chosen by the client and sent as `resourceUuid`)." }),
    name: required({ description: "Name of the task (1–255 characters)." }),
    description: optionalComputed({ description: "Free-form description." }),
    task_type: optional({ forceNew: true, default: "VM", description: "The task's type, sent as given (ZStack lists no allowed values; the vendor's examples use `VM`, `Volume` and `incremental`). Every CDP task protects the VMs in `resource_uuids`." }),
    policy_uuid: required({ forceNew: true, description: "UUID of the CDP policy (`zstack_cdp_policy`)." }),
    backup_storage_uuid: required({ forceNew: true, description: "UUID of the (ImageStore) backup storage the journal is written to." }),
    resource_uuids: required({ forceNew: true, unordered: true, description: "UUIDs of the VMs to protect; order does not matter." }),
    backup_bandwidth: optionalComputed({ description: "Backup rate limit per volume, bytes/s (0 = unlimited)." }),
    max_capacity: optionalComputed({ description: "Planned capacity of the task, bytes (0 = unlimited)." }),
    max_latency: optionalComputed({ description: "Maximum RPO latency, milliseconds (ZStack default 600000)." }),
    enabled: optional({ default: true, description: "Whether the task runs (EnableCdpTask / DisableCdpTask)." }),
    status: computed({ description: "Runtime status: Created, Starting, Running, Stopped, Unknown, Failed or DataMerging." }),
    state: computed({ description: "Administrative state: Enabled or Disabled." }),
    used_capacity: computed({ description: "Bytes the task's journal uses on the backup storage." }),
    last_latency: computed({ description: "Latency of the last recovery point, milliseconds." }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "30m", update: "10m", delete: "20m", read: "5m" },

  async read(ctx, state) {
    return state.uuid ? find(ctx.client, deadlineOf(ctx), state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    return readManyByUuid(ctx.client, deadlineOf(ctx), QUERY, states, fromInventory);
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    const created = await createOnce(
      () => find(ctx.client, d, uuid, planned),
      async () => {
        const reply = await ctx.client.call(d, {
          method: "POST",
          path: CREATE,
          body: {
            params: defined({
              name: planned.name,
              description: planned.description,
              taskType: planned.task_type,
              policyUuid: planned.policy_uuid,
              backupStorageUuid: planned.backup_storage_uuid,
              resourceUuids: planned.resource_uuids,
              backupBandwidth: planned.backup_bandwidth,
              maxCapacity: planned.max_capacity,
              maxLatency: planned.max_latency,
              resourceUuid: uuid,
            }),
          },
          idempotent: true,
        });
        return fromInventory(inventoryOf(reply, "POST", ctx.client.fullPath(CREATE)), planned);
      },
    );
    const want = planned.enabled ?? true;
    if (want && created.status === "Created") return setEnabled(ctx.client, d, uuid, true, created);
    if (created.enabled !== want) return setEnabled(ctx.client, d, uuid, want, created);
    return created;
  },

  async update(ctx, prior, planned) {
    const d = deadlineOf(ctx);
    const uuid = prior.uuid!;
    let current: Task = prior;
    const changed =
      planned.name !== prior.name ||
      planned.description !== prior.description ||
      planned.backup_bandwidth !== prior.backup_bandwidth ||
      planned.max_capacity !== prior.max_capacity ||
      planned.max_latency !== prior.max_latency;
    if (changed) {
      const path = `${CREATE}/${uuid}/actions`;
      const reply = await ctx.client.call(d, {
        method: "PUT",
        path,
        body: {
          updateCdpTask: defined({
            name: planned.name,
            description: planned.description ?? "",
            backupBandwidth: planned.backup_bandwidth,
            maxCapacity: planned.max_capacity,
            maxLatency: planned.max_latency,
          }),
        },
      });
      current = fromInventory(inventoryOf(reply, "PUT", ctx.client.fullPath(path)), planned);
    }
    const want = planned.enabled ?? true;
    if (current.enabled !== want) current = await setEnabled(ctx.client, d, uuid, want, { ...current, enabled: planned.enabled });
    return { ...current, enabled: planned.enabled };
  },

  async delete(ctx, state) {
    if (state.uuid) await deletePermissive(ctx.client, deadlineOf(ctx), `/cdp-task/${state.uuid}`);
  },

  async import(ctx, id) {
    return find(ctx.client, deadlineOf(ctx), id, null);
  },

  inventory: {
    idAttribute: "uuid",
    list: (ctx) => listByUuid(ctx.client, deadlineOf(ctx), QUERY),
  },

  protection: {
    facts: cdpTaskFacts,
    recoveryData: (ctx, states) => cdpTaskData(ctx.client, deadlineOf(ctx), states),
    async survey(ctx) {
      const d = deadlineOf(ctx);
      const [invs, vms] = await Promise.all([queryAll(ctx.client, d, QUERY), surveyVms(ctx.client, d)]);
      return { objects: invs.map((inv) => fromInventory(inv, null)), vms };
    },
  },
});
