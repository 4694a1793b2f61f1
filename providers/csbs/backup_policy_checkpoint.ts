import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import { asObject, defined, list, str, type JsonObject } from "../http/json.js";
import { RETRY_BACKOFF } from "../http/backoff.js";
import { waitUntil } from "../http/wait.js";
import { CSBS_PROVIDER_ID } from "./backup_policy.js";
import { checkpointItemSchema, itemOf } from "./checkpoint_view.js";
import type { CsbsClient } from "./client.js";
import { extraInfoOf, listAll } from "./inventory.js";
import { checkpointData, checkpointFacts } from "./protection.js";

const planSchema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  resources: z.array(z.object({ id: z.string(), type: z.string().nullable(), name: z.string().nullable() })),
});

const schema = z.object({
  id: z.string().nullable(),
  plan_id: z.string().min(1),
  provider_id: z.string().nullable(),
  resources: z.array(z.string().min(1)).nullable(),
  auto_trigger: z.boolean().nullable(),
  status: z.string().nullable(),
  created_at: z.string().nullable(),
  protection_plan: z.array(planSchema).nullable(),
  checkpoint_items: z.array(checkpointItemSchema).nullable(),
});
type Checkpoint = z.infer<typeof schema>;

/** "The policy is executing backup" / "auto plan executing": the policy is busy, nothing was done. */
const BUSY_CODES = new Set(["CSBS.1001", "CSBS.6030"]);

/** Statuses in which the checkpoint is finished (successfully or not). */
const SETTLED = new Set(["available", "error"]);

function checkpointsPath(providerId: string): string {
  return `/providers/${encodeURIComponent(providerId)}/checkpoints`;
}

/** The checkpoint, or null when it does not exist (404, or status `deleted`). */
async function getCheckpoint(client: CsbsClient, d: Deadline, providerId: string, id: string): Promise<JsonObject | null> {
  const reply = await client.get(d, `${checkpointsPath(providerId)}/${encodeURIComponent(id)}`);
  const cp = reply ? asObject(reply["checkpoint"]) : undefined;
  return cp && str(cp, "status") !== "deleted" ? cp : null;
}

async function itemsOf(client: CsbsClient, d: Deadline, checkpointId: string): Promise<JsonObject[]> {
  const reply = await client.call(d, { method: "GET", path: "/checkpoint_items", query: { checkpoint_id: checkpointId } });
  return list(reply, "checkpoint_items");
}

function fromCheckpoint(cp: JsonObject, items: readonly JsonObject[], prior: Checkpoint | null, providerId: string): Checkpoint {
  const plan = asObject(cp["protection_plan"]);
  return {
    id: str(cp, "id"),
    plan_id: prior?.plan_id ?? (plan ? str(plan, "id") : null) ?? "",
    provider_id: prior?.provider_id ?? providerId,
    resources: prior ? prior.resources : null,
    auto_trigger: prior ? prior.auto_trigger : null,
    status: str(cp, "status"),
    created_at: str(cp, "created_at"),
    protection_plan: plan
      ? [
          {
            id: str(plan, "id"),
            name: str(plan, "name"),
            resources: list(plan, "resources").map((r) => ({ id: str(r, "id") ?? "", type: str(r, "type"), name: str(r, "name") })),
          },
        ]
      : null,
    checkpoint_items: items.map(itemOf),
  };
}

/** The provider of a plan, for paths; CSBS's fixed provider when the plan does not say. */
async function providerOf(client: CsbsClient, d: Deadline, planId: string): Promise<string> {
  const reply = await client.get(d, `/policies/${encodeURIComponent(planId)}`);
  const policy = reply ? asObject(reply["policy"]) : undefined;
  return (policy ? str(policy, "provider_id") : null) ?? CSBS_PROVIDER_ID;
}

export const backupPolicyCheckpoint = defineResource<CsbsClient, typeof schema>({
  type: "csbs_backup_policy_checkpoint",
  description:
    "Executes a backup policy now (POST /providers/{provider_id}/checkpoints) and waits until the backups are available. Every argument forces a new checkpoint; destroying it deletes the backups.",
  schema,
  attributes: {
    id: computed({ stable: true, description: "The checkpoint (backup record) id; the import id." }),
    plan_id: required({ forceNew: true, description: "Id of the backup policy to execute (`csbs_backup_policy.x.id`)." }),
    provider_id: optionalComputed({ forceNew: true, description: "Backup provider id; the policy's provider when unset." }),
    resources: optional({ forceNew: true, unordered: true, description: "Ids of the policy's resources to back up; all of them when unset." }),
    auto_trigger: optional({ forceNew: true, description: "Mark the backup as automatically triggered." }),
    status: computed({ description: "`protecting`, `available`, `error`, `deleting`." }),
    created_at: computed({ stable: true, description: "Creation time, as the API reports it." }),
    protection_plan: computed({ stable: true, description: "The executed policy: id, name and resources (id, type, name)." }),
    checkpoint_items: computed({
      description: "The backups made, one per resource: id, checkpoint_id, name, resource_id, resource_type, resource_name, status, created_at, updated_at, size_mb, progress, incremental, fail_reason.",
    }),
  },
  timeouts: { create: "30m", delete: "30m", read: "5m" },

  async read(ctx, state) {
    if (!state.id) return null;
    const d = deadlineOf(ctx);
    const providerId = state.provider_id ?? (await providerOf(ctx.client, d, state.plan_id));
    const cp = await getCheckpoint(ctx.client, d, providerId, state.id);
    return cp ? fromCheckpoint(cp, await itemsOf(ctx.client, d, state.id), state, providerId) : null;
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const providerId = planned.provider_id ?? (await providerOf(ctx.client, d, planned.plan_id));
    const path = checkpointsPath(providerId);
    const body = {
      checkpoint: {
        plan_id: planned.plan_id,
        parameters: defined({ auto_trigger: planned.auto_trigger, resources: planned.resources }),
      },
    };
    // While the policy is already running (a scheduled run, another execution) CSBS refuses with CSBS.1001 or
    // CSBS.6030 without doing anything, so asking again later is safe even though the create is not idempotent.
    let refused: ApiError | undefined;
    const reply = await waitUntil(
      d,
      async () => {
        try {
          return await ctx.client.call(d, { method: "POST", path, body });
        } catch (e) {
          if (e instanceof ApiError && BUSY_CODES.has(e.code)) {
            refused = e;
            return null;
          }
          throw e;
        }
      },
      (r) => r !== null,
      () => refused ?? ctx.client.timeout(d, "POST", path, "policy still busy"),
      RETRY_BACKOFF,
    );
    if (!reply) throw new Error("unreachable: waitUntil resolved without a reply");
    const created = asObject(reply["checkpoint"]);
    const id = created ? str(created, "id") : null;
    const full = await ctx.client.pathOf(d, path);
    if (!created || !id) throw new ApiError("CSBS", "HTTP.200", "reply has no checkpoint id", "POST", full, 200);
    const settled = await waitUntil(
      d,
      () => getCheckpoint(ctx.client, d, providerId, id),
      (cp) => cp === null || SETTLED.has(str(cp, "status") ?? ""),
      (last) =>
        ctx.client.timeout(d, "POST", full, `checkpoint ${id} of policy ${planned.plan_id} still ${last ? (str(last, "status") ?? "pending") : "pending"}; import it with this id once it is available`),
    );
    if (settled === null) throw new ApiError("CSBS", "HTTP.404", `checkpoint ${id} disappeared while protecting`, "POST", full, 404);
    const items = await itemsOf(ctx.client, d, id);
    if (str(settled, "status") === "error") {
      const reasons = items
        .map(itemOf)
        .filter((i) => i.status === "error" || i.fail_reason)
        .map((i) => `${i.resource_id ?? i.id}: ${i.fail_reason ?? "error"}`);
      // A failed checkpoint holds no usable backup; remove it so it is not left behind untracked.
      await ctx.client.call(d, { method: "DELETE", path: `${path}/${encodeURIComponent(id)}` }).catch(() => undefined);
      throw new Error(
        `CSBS checkpoint ${id} of policy ${planned.plan_id} failed (status error)${reasons.length ? `: ${reasons.join("; ")}` : ""}; the failed checkpoint was deleted`,
      );
    }
    return fromCheckpoint(settled, items, { ...planned, provider_id: providerId }, providerId);
  },

  async delete(ctx, state) {
    if (!state.id) return;
    const d = deadlineOf(ctx);
    const providerId = state.provider_id ?? (await providerOf(ctx.client, d, state.plan_id));
    const path = `${checkpointsPath(providerId)}/${encodeURIComponent(state.id)}`;
    const full = await ctx.client.pathOf(d, path);
    // Deletion is refused while the checkpoint is busy (400/409, or Karbor's 500); ask again until accepted.
    await waitUntil(
      d,
      async () => {
        try {
          await ctx.client.call(d, { method: "DELETE", path });
          return true;
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return true;
          if (e instanceof ApiError && (e.status === 400 || e.status === 409)) return false;
          throw e;
        }
      },
      (accepted) => accepted,
      () => ctx.client.timeout(d, "DELETE", full, `checkpoint ${state.id} is still busy and refuses deletion`),
    );
    await waitUntil(
      d,
      () => getCheckpoint(ctx.client, d, providerId, state.id!),
      (cp) => cp === null,
      (last) => ctx.client.timeout(d, "DELETE", full, `checkpoint ${state.id} still ${last ? (str(last, "status") ?? "present") : "present"}`),
    );
  },

  async import(ctx, id) {
    const d = deadlineOf(ctx);
    // The import id may be `<checkpoint id>` or `<provider id>/<checkpoint id>`.
    const [providerId, checkpointId] = id.includes("/") ? (id.split("/", 2) as [string, string]) : [CSBS_PROVIDER_ID, id];
    const cp = await getCheckpoint(ctx.client, d, providerId, checkpointId);
    return cp ? fromCheckpoint(cp, await itemsOf(ctx.client, d, checkpointId), null, providerId) : null;
  },

  inventory: {
    idAttribute: "id",
    async list(ctx) {
      const checkpoints = await listAll(ctx.client, deadlineOf(ctx), checkpointsPath(CSBS_PROVIDER_ID), "checkpoints");
      return checkpoints.flatMap((cp) => {
        const id = str(cp, "id");
        if (!id || str(cp, "status") === "deleted") return [];
        const plan = asObject(cp["protection_plan"]);
        const planId = plan ? str(plan, "id") : null;
        // Checkpoints a policy's schedule took belong to that policy (its retention rules delete them).
        const scheduled = str(extraInfoOf(cp), "created_by") === "operation-engine";
        return [{ id, name: plan ? str(plan, "name") : null, ...(scheduled && planId ? { createdBy: { type: "csbs_backup_policy", id: planId } } : {}) }];
      });
    },
  },
  protection: {
    facts: checkpointFacts,
    recoveryData: async (_ctx, states) => states.map(checkpointData),
  },
});
