import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, PartialCreateError, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import { asObject, bool, defined, list, str, type JsonObject } from "../http/json.js";
import { RETRY_BACKOFF } from "../http/backoff.js";
import { waitUntil } from "../http/wait.js";
import { CSBS_PROVIDER_ID } from "./backup_policy.js";
import { checkpointItemSchema, itemOf } from "./checkpoint_view.js";
import type { CsbsClient } from "./client.js";
import { deleteWhenAccepted, SETTLED } from "./delete-record.js";
import { extraInfoOf, listAll, listItems } from "./inventory.js";
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

function checkpointsPath(providerId: string): string {
  return `/providers/${encodeURIComponent(providerId)}/checkpoints`;
}

/** The checkpoint record through Karbor's route, or null when it does not exist (404, or status `deleted`). */
async function getKarborCheckpoint(client: CsbsClient, d: Deadline, providerId: string, id: string): Promise<JsonObject | null> {
  const reply = await client.get(d, `${checkpointsPath(providerId)}/${encodeURIComponent(id)}`);
  const cp = reply ? asObject(reply["checkpoint"]) : undefined;
  return cp && str(cp, "status") !== "deleted" ? cp : null;
}

async function itemsOf(client: CsbsClient, d: Deadline, checkpointId: string, policyId?: string): Promise<JsonObject[]> {
  const reply = await client.call(d, { method: "GET", path: "/checkpoint_items", query: { checkpoint_id: checkpointId, policy_id: policyId } });
  return list(reply, "checkpoint_items").filter((i) => str(i, "checkpoint_id") === checkpointId && str(i, "status") !== "deleted");
}

/**
 * A checkpoint's status from its backups (what CSBS documents per `checkpoint_item`): `error` once every backup
 * has settled and one failed, `available` when all are, else the first unsettled status. Pure.
 */
export function statusOfItems(items: readonly JsonObject[]): string {
  const statuses = items.map((i) => str(i, "status") ?? "protecting");
  const open = statuses.find((st) => !SETTLED.has(st));
  if (open) return open;
  return statuses.includes("error") ? "error" : "available";
}

/**
 * What a checkpoint is now: its record and backups, or null when it is gone. Through `checkpoint_items` (CSBS)
 * the record is built from the backups, `known` supplying what only the execute reply carried (the plan);
 * no backups at all means gone unless `pendingIfEmpty` (right after the execute, before CSBS lists them).
 */
async function lookUp(
  client: CsbsClient,
  d: Deadline,
  providerId: string,
  id: string,
  known: JsonObject | null,
  pendingIfEmpty = false,
): Promise<{ cp: JsonObject; items: JsonObject[] } | null> {
  if (client.config.apiFlavor === "karbor") {
    const cp = await getKarborCheckpoint(client, d, providerId, id);
    return cp ? { cp, items: await itemsOf(client, d, id) } : null;
  }
  const items = await itemsOf(client, d, id);
  if (items.length === 0) return pendingIfEmpty ? { cp: { ...(known ?? {}), id, status: "protecting" }, items } : null;
  const created = items.map((i) => str(i, "created_at")).filter((t): t is string => t !== null).sort()[0] ?? null;
  return { cp: { ...(known ?? {}), id, status: statusOfItems(items), created_at: str(known ?? {}, "created_at") ?? created }, items };
}

/** A checkpoint's `protection_plan` in state form, from its wire form. */
function planOf(plan: JsonObject | undefined): Checkpoint["protection_plan"] {
  return plan
    ? [
        {
          id: str(plan, "id"),
          name: str(plan, "name"),
          resources: list(plan, "resources").map((r) => ({ id: str(r, "id") ?? "", type: str(r, "type"), name: str(r, "name") })),
        },
      ]
    : null;
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
    created_at: str(cp, "created_at") ?? prior?.created_at ?? null,
    protection_plan: planOf(plan) ?? prior?.protection_plan ?? null,
    checkpoint_items: items.map(itemOf),
  };
}

/**
 * Which policy made a checkpoint, found through the documented `checkpoint_items?policy_id=` filter (a backup
 * record names no policy): the policy's wire form, or null when no policy lists it.
 */
async function policyOfCheckpoint(client: CsbsClient, d: Deadline, checkpointId: string): Promise<JsonObject | null> {
  for (const p of await listAll(client, d, "/policies", "policies")) {
    const pid = str(p, "id");
    if (pid && (await itemsOf(client, d, checkpointId, pid)).length > 0) return p;
  }
  return null;
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
    "Executes a backup policy now (POST /providers/{provider_id}/checkpoints) and waits, through the backups it made (GET /checkpoint_items), until they are available. A checkpoint still running at the create timeout is recorded as tainted rather than lost. Every argument forces a new checkpoint; destroying it deletes the backups.",
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
    const now = await lookUp(ctx.client, d, providerId, state.id, null);
    return now ? fromCheckpoint(now.cp, now.items, state, providerId) : null;
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
    const expected = list(asObject(created["protection_plan"]) ?? {}, "resources").length;
    const soFar = (): Checkpoint => ({
      ...fromCheckpoint({ ...created, status: "protecting" }, [], { ...planned, provider_id: providerId }, providerId),
      id,
    });
    let settledNow: { cp: JsonObject; items: JsonObject[] } | null;
    try {
      settledNow = await waitUntil(
        d,
        () => lookUp(ctx.client, d, providerId, id, created, true),
        // Through checkpoint_items the checkpoint has settled once every resource's backup has.
        (now) => now === null || (SETTLED.has(str(now.cp, "status") ?? "") && (ctx.client.config.apiFlavor === "karbor" || now.items.length >= Math.max(1, expected))),
        (last) =>
          ctx.client.timeout(d, "POST", full, `checkpoint ${id} of policy ${planned.plan_id} still ${last ? (str(last.cp, "status") ?? "pending") : "pending"}`),
      );
    } catch (e) {
      // The backup runs on (and is billed): record it, tainted, rather than leave it outside the state.
      throw new PartialCreateError(`${(e as Error).message}; checkpoint ${id} is recorded in state as tainted`, soFar(), { cause: e });
    }
    if (settledNow === null) throw new ApiError("CSBS", "HTTP.404", `checkpoint ${id} disappeared while protecting`, "POST", full, 404);
    const { cp: settled, items } = settledNow;
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
    await deleteWhenAccepted(ctx.client, d, path, undefined, `checkpoint ${state.id}`);
    await waitUntil(
      d,
      () => lookUp(ctx.client, d, providerId, state.id!, null),
      (now) => now === null,
      (last) => ctx.client.timeout(d, "DELETE", full, `checkpoint ${state.id} still ${last ? (str(last.cp, "status") ?? "present") : "present"}`),
    );
  },

  async import(ctx, id) {
    const d = deadlineOf(ctx);
    // The import id may be `<checkpoint id>` or `<provider id>/<checkpoint id>`.
    const [providerId, checkpointId] = id.includes("/") ? (id.split("/", 2) as [string, string]) : [CSBS_PROVIDER_ID, id];
    if (ctx.client.config.apiFlavor === "karbor") {
      const now = await lookUp(ctx.client, d, providerId, checkpointId, null);
      return now ? fromCheckpoint(now.cp, now.items, null, providerId) : null;
    }
    const now = await lookUp(ctx.client, d, providerId, checkpointId, null);
    if (!now) return null;
    const policy = await policyOfCheckpoint(ctx.client, d, checkpointId);
    const plan = policy ? { id: str(policy, "id"), name: str(policy, "name"), resources: list(policy, "resources") } : undefined;
    return fromCheckpoint({ ...now.cp, ...(plan ? { protection_plan: plan } : {}) }, now.items, null, providerId);
  },

  inventory: {
    idAttribute: "id",
    async list(ctx) {
      const d = deadlineOf(ctx);
      if (ctx.client.config.apiFlavor === "karbor") {
        const checkpoints = await listAll(ctx.client, d, checkpointsPath(CSBS_PROVIDER_ID), "checkpoints");
        return checkpoints.flatMap((cp) => {
          const id = str(cp, "id");
          if (!id || str(cp, "status") === "deleted") return [];
          const plan = asObject(cp["protection_plan"]);
          const planId = plan ? str(plan, "id") : null;
          // Checkpoints a policy's schedule took belong to that policy (its retention rules delete them).
          const scheduled = str(extraInfoOf(cp), "created_by") === "operation-engine";
          return [{ id, name: plan ? str(plan, "name") : null, ...(scheduled && planId ? { createdBy: { type: "csbs_backup_policy", id: planId } } : {}) }];
        });
      }
      // CSBS: checkpoints are the checkpoint_ids of the backups; each policy's are found with `policy_id=`.
      const found = new Map<string, { id: string; name: string | null; createdBy?: { type: string; id: string } }>();
      for (const p of await listAll(ctx.client, d, "/policies", "policies")) {
        const pid = str(p, "id");
        if (!pid) continue;
        for (const item of await listItems(ctx.client, d, { policy_id: pid })) {
          const cid = str(item, "checkpoint_id");
          if (!cid || found.has(cid)) continue;
          const scheduled = bool(asObject(item["extend_info"]) ?? {}, "auto_trigger") === true;
          found.set(cid, { id: cid, name: str(p, "name"), ...(scheduled ? { createdBy: { type: "csbs_backup_policy", id: pid } } : {}) });
        }
      }
      // Backup records no policy made are per-server backups: csbs_backup lists them, by backup id.
      return [...found.values()];
    },
  },
  protection: {
    facts: checkpointFacts,
    recoveryData: async (_ctx, states) => states.map(checkpointData),
  },
});
