import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, required, type ProtectionFact } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { queryAll } from "./inventory.js";
import { createWithUuid, deletePermissive, listByUuid } from "./uuid-objects.js";
import { surveyVms } from "./protection.js";
import { readManyByUuid } from "./read-many.js";
import { defined, inventoryOf, isNotFound, keepOrder, newZStackUuid, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  type: z.enum(["vmBackup", "volumeBackup", "startVm", "stopVm", "rebootVm", "volumeSnapshot"]),
  target_resource_uuid: z.string().min(1),
  backup_storage_uuid: z.string().min(1).nullable(),
  parameters: z.record(z.string(), z.string()).nullable(),
  trigger_uuids: z.array(z.string().min(1)).nullable(),
  state: z.string().nullable(),
  job_data: z.string().nullable(),
});
type Job = z.infer<typeof schema>;

const PATH = "/scheduler/jobs";

function fromInventory(inv: Inventory, prior: Job | null): Job {
  const triggers = Array.isArray(inv["triggersUuid"]) ? (inv["triggersUuid"] as unknown[]).filter((t): t is string => typeof t === "string") : null;
  const jobType = str(inv, "jobType");
  return {
    uuid: str(inv, "uuid"),
    name: str(inv, "name") ?? prior?.name ?? "",
    description: str(inv, "description") || (prior?.description ?? null),
    // ZStack's inventory does not carry the type; the configured one is kept (this engine also reports `jobType`).
    type: prior?.type ?? (jobType && schema.shape.type.safeParse(jobType).success ? (jobType as Job["type"]) : "vmBackup"),
    target_resource_uuid: str(inv, "targetResourceUuid") ?? prior?.target_resource_uuid ?? "",
    backup_storage_uuid: prior?.backup_storage_uuid ?? parametersOf(inv)?.["backupStorageUuid"] ?? null,
    parameters: prior?.parameters ?? null,
    // An unset list and an empty one both mean "no trigger": an empty reply keeps what was configured.
    trigger_uuids: triggers && (triggers.length > 0 || prior?.trigger_uuids) ? keepOrder(triggers, prior?.trigger_uuids) : (prior?.trigger_uuids ?? null),
    state: str(inv, "state"),
    job_data: str(inv, "jobData"),
  };
}

/** The parameters inside `jobData` when it is JSON with a `parameters` object (as this engine writes it). */
function parametersOf(inv: Inventory): Record<string, string> | undefined {
  try {
    const data: unknown = JSON.parse(str(inv, "jobData") ?? "");
    const p = data && typeof data === "object" ? (data as { parameters?: unknown }).parameters : undefined;
    return p && typeof p === "object" ? (p as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: Job | null): Promise<Job | null> {
  const [inv] = await client.query(d, PATH, [`uuid=${uuid}`]);
  return inv ? fromInventory(inv, prior) : null;
}

/** Attaches and detaches triggers (AddSchedulerJobToSchedulerTrigger / Remove...) until the job runs on `want`. */
async function syncTriggers(client: ZStackClient, d: Deadline, job: Job, want: readonly string[]): Promise<void> {
  const have = job.trigger_uuids ?? [];
  for (const t of want.filter((t) => !have.includes(t))) {
    await client.call(d, { method: "POST", path: `${PATH}/${job.uuid}/scheduler/triggers/${t}`, body: {}, idempotent: true });
  }
  for (const t of have.filter((t) => !want.includes(t))) {
    try {
      await client.call(d, { method: "DELETE", path: `${PATH}/${job.uuid}/scheduler/triggers/${t}` });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/**
 * A scheduled VM backup covers its VM on the schedule of its (first) trigger; a job with no trigger, or disabled,
 * never runs. A vmBackup job may name the VM's root volume instead of the VM: the VM is then not known here.
 */
export function schedulerJobFacts(j: { type: string | null; target_resource_uuid: string | null; backup_storage_uuid: string | null; trigger_uuids: readonly string[] | null; state: string | null }): ProtectionFact[] {
  if (j.type !== "vmBackup" || !j.target_resource_uuid) return [];
  const trigger = j.trigger_uuids?.[0];
  return [
    {
      kind: "covers",
      vm: j.target_resource_uuid,
      vmName: null,
      method: "scheduled",
      rpoSeconds: null,
      retentionDays: null,
      storage: j.backup_storage_uuid,
      enabled: !!trigger && j.state !== "Disabled",
      ...(trigger ? { termsOf: trigger } : {}),
    },
  ];
}

export const schedulerJob = defineResource<ZStackClient, typeof schema>({
  type: "zstack_scheduler_job",
  description:
    "A scheduled job: what ZStack does to a resource each time one of its triggers (`zstack_scheduler_trigger`) fires — `vmBackup` (a VM backup of the VM, like `zstack_vm_backup`) or `volumeBackup` (a backup of one volume). Name, description and `trigger_uuids` change in place; the rest replaces the job.",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "The job's UUID (chosen by the client and sent as `resourceUuid`); the import id." }),
    name: required({ description: "Name of the job; scheduled backups are named after it (1–255 characters)." }),
    description: optionalComputed({ description: "Free-form description." }),
    type: required({ forceNew: true, description: "What the job does: `vmBackup` or `volumeBackup` (ZStack also knows startVm, stopVm, rebootVm and volumeSnapshot)." }),
    target_resource_uuid: required({ forceNew: true, description: "vmBackup: UUID of the VM (or its root volume); volumeBackup: UUID of the volume." }),
    backup_storage_uuid: optional({ forceNew: true, description: "UUID of the ImageStore backup storage backups go to (sent as `parameters.backupStorageUuid`); required for backup jobs." }),
    parameters: optional({ forceNew: true, description: "Further job parameters, sent as given in `parameters`." }),
    trigger_uuids: optional({ unordered: true, description: "UUIDs of the triggers that run the job (AddSchedulerJobToSchedulerTrigger); order does not matter." }),
    state: computed({ description: "Enabled or Disabled." }),
    job_data: computed({ description: "The job's stored data, as the server reports it." }),
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
    const created = await createWithUuid(ctx.client, d, {
      path: PATH,
      uuid,
      params: {
        name: planned.name,
        description: planned.description,
        type: planned.type,
        targetResourceUuid: planned.target_resource_uuid,
        parameters: { ...planned.parameters, ...defined({ backupStorageUuid: planned.backup_storage_uuid }) },
      },
      find: () => find(ctx.client, d, uuid, withId),
      toState: (inv) => fromInventory(inv, withId),
    });
    const want = planned.trigger_uuids ?? [];
    if (want.length === 0 && (created.trigger_uuids ?? []).length === 0) return { ...created, trigger_uuids: planned.trigger_uuids };
    await syncTriggers(ctx.client, d, created, want);
    return { ...((await find(ctx.client, d, uuid, withId)) ?? created), trigger_uuids: planned.trigger_uuids };
  },

  async update(ctx, prior, planned) {
    const d = deadlineOf(ctx);
    let current = prior;
    if (planned.name !== prior.name || planned.description !== prior.description) {
      const path = `${PATH}/${prior.uuid}/actions`;
      const reply = await ctx.client.call(d, { method: "PUT", path, body: { updateSchedulerJob: { name: planned.name, description: planned.description ?? "" } } });
      current = fromInventory(inventoryOf(reply, "PUT", ctx.client.fullPath(path)), prior);
    }
    await syncTriggers(ctx.client, d, current, planned.trigger_uuids ?? []);
    // prior, not planned, fills what the reply leaves out: planned computed attributes may be unknown
    return { ...((await find(ctx.client, d, prior.uuid!, prior)) ?? current), trigger_uuids: planned.trigger_uuids };
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
    facts: schedulerJobFacts,
    async survey(ctx) {
      const d = deadlineOf(ctx);
      const [invs, vms] = await Promise.all([queryAll(ctx.client, d, PATH), surveyVms(ctx.client, d)]);
      return { objects: invs.map((inv) => fromInventory(inv, null)), vms };
    },
  },
});
