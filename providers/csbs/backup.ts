import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, PartialCreateError, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import { asObject, bool, defined, list, str, type JsonObject } from "../http/json.js";
import { waitUntil } from "../http/wait.js";
import { CSBS_PROVIDER_ID } from "./backup_policy.js";
import { deleteWhenAccepted, SETTLED } from "./delete-record.js";
import { vmMetadataOf, vmMetadataSchema, volumeBackupSchema, volumeBackupsOf } from "./checkpoint_view.js";
import type { CsbsClient } from "./client.js";
import { listAll, listItems } from "./inventory.js";
import { backupData, backupFacts } from "./protection.js";

export const SERVER_TYPE = "OS::Nova::Server";

const tagItem = z.object({ key: z.string().min(1).max(36), value: z.string().max(43) });

const schema = z.object({
  id: z.string().nullable(),
  resource_id: z.string().min(1),
  backup_name: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\w-]+$/, "may contain only letters, digits, underscores and hyphens")
    .nullable(),
  description: z
    .string()
    .max(255)
    .regex(/^[^<>]*$/, "must not contain < or >")
    .nullable(),
  resource_type: z.string().min(1),
  tags: z.array(tagItem).min(1).max(10).nullable(),
  backup_record_id: z.string().nullable(),
  status: z.string().nullable(),
  created_at: z.string().nullable(),
  auto_trigger: z.boolean().nullable(),
  volume_backups: z.array(volumeBackupSchema).nullable(),
  vm_metadata: z.array(vmMetadataSchema).nullable(),
});
type Backup = z.infer<typeof schema>;

/** From this many backups on, readMany lists the project's backups instead of fetching each. */
const LIST_THRESHOLD = 3;

const itemPath = (id: string) => `/checkpoint_items/${encodeURIComponent(id)}`;
const checkpointPath = (checkpointId: string) => `/providers/${CSBS_PROVIDER_ID}/checkpoints/${encodeURIComponent(checkpointId)}`;

/** The backup (checkpoint item), or null when it does not exist (404, or status `deleted`). */
async function getItem(client: CsbsClient, d: Deadline, id: string): Promise<JsonObject | null> {
  const reply = await client.get(d, itemPath(id));
  const item = reply ? asObject(reply["checkpoint_item"]) : undefined;
  return item && str(item, "status") !== "deleted" ? item : null;
}

/** The first live backup of a backup record (checkpoint), or null: how OTC's provider finds the backup it made. */
async function firstItemOf(client: CsbsClient, d: Deadline, checkpointId: string): Promise<JsonObject | null> {
  const items = await listItems(client, d, { checkpoint_id: checkpointId });
  return items.find((i) => str(i, "checkpoint_id") === checkpointId) ?? null;
}

/**
 * State from a backup's wire form. The arguments come from the API where it echoes them and the prior state
 * holds them too (an unset `tags` stays unset though CSBS answers `[]`); without a prior (import) from the API.
 */
export function fromItem(i: JsonObject, prior: Backup | null): Backup {
  const ext = asObject(i["extend_info"]) ?? {};
  const tags = list(i, "tags").map((t) => ({ key: str(t, "key") ?? "", value: str(t, "value") ?? "" }));
  const description = str(i, "description");
  return {
    id: str(i, "id"),
    resource_id: str(i, "resource_id") ?? prior?.resource_id ?? "",
    backup_name: str(i, "name") ?? prior?.backup_name ?? null,
    description: description === "" && (prior?.description ?? null) === null ? null : (description ?? prior?.description ?? null),
    resource_type: str(i, "resource_type") ?? str(ext, "resource_type") ?? prior?.resource_type ?? SERVER_TYPE,
    tags: tags.length > 0 ? tags : (prior?.tags ?? null),
    backup_record_id: str(i, "checkpoint_id") ?? prior?.backup_record_id ?? null,
    status: str(i, "status"),
    created_at: str(i, "created_at"),
    auto_trigger: bool(ext, "auto_trigger"),
    volume_backups: volumeBackupsOf(i),
    vm_metadata: vmMetadataOf(i),
  };
}

/** The backup now, or null when it is gone. */
async function readBackup(client: CsbsClient, d: Deadline, state: Backup): Promise<Backup | null> {
  // A create cut off before the backup was listed recorded only its backup record: find the backup through it.
  const item = state.id ? await getItem(client, d, state.id) : state.backup_record_id ? await firstItemOf(client, d, state.backup_record_id) : null;
  return item ? fromItem(item, state) : null;
}

/** Asks CSBS whether the server can be backed up now (`check_protectable`); throws its reason when not. */
async function mustBeProtectable(client: CsbsClient, d: Deadline, resourceId: string, resourceType: string): Promise<void> {
  const path = `/providers/${CSBS_PROVIDER_ID}/resources/action`;
  const reply = await client.call(d, { method: "POST", path, body: { check_protectable: [{ resource_id: resourceId, resource_type: resourceType }] }, idempotent: true });
  const answer = list(reply, "protectable").find((p) => str(p, "resource_id") === resourceId) ?? list(reply, "protectable")[0];
  if (answer && bool(answer, "result") === false) {
    const code = str(answer, "error_code") ?? "";
    throw new ApiError("CSBS", code, `resource_id ${resourceId} cannot be backed up: ${str(answer, "error_msg") ?? "not protectable"}`, "POST", await client.pathOf(d, path), 200);
  }
}

/**
 * Deletes a backup: its whole backup record when it is the record's only backup (what OTC's provider does),
 * else only this backup (`?checkpoint_items=`), so a backup imported from a policy's run leaves its siblings;
 * then waits until the backup is gone.
 */
async function deleteBackup(client: CsbsClient, d: Deadline, state: Backup): Promise<void> {
  if (!state.id) return;
  const item = await getItem(client, d, state.id);
  if (!item) return;
  const checkpointId = str(item, "checkpoint_id") ?? state.backup_record_id;
  if (!checkpointId) throw new Error(`csbs_backup ${state.id}: the API names no backup record (checkpoint_id) to delete it through`);
  const siblings = (await listItems(client, d, { checkpoint_id: checkpointId })).filter((i) => str(i, "id") !== state.id);
  const path = checkpointPath(checkpointId);
  const query = siblings.length > 0 ? { checkpoint_items: state.id } : undefined;
  await deleteWhenAccepted(client, d, path, query, `backup ${state.id}`);
  const full = await client.pathOf(d, path);
  await waitUntil(
    d,
    () => getItem(client, d, state.id!),
    (now) => now === null,
    (last) => client.timeout(d, "DELETE", full, `backup ${state.id} still ${last ? (str(last, "status") ?? "present") : "present"}`),
  );
}

export const backup = defineResource<CsbsClient, typeof schema>({
  type: "csbs_backup",
  description:
    "A backup of one server outside any policy (CSBS \"Creating a Backup\": the per-server `protect` action), as opentelekomcloud_csbs_backup_v1 and huaweicloud_csbs_backup make it. Create checks the server can be backed up (`check_protectable`) and waits until the backup is available; a backup still running at the create timeout is recorded as tainted rather than lost. Every argument forces a new backup; destroying it deletes the backup.",
  schema,
  attributes: {
    id: computed({ stable: true, description: "The backup (checkpoint item) id; the import id." }),
    resource_id: required({ forceNew: true, description: "Id of the server to back up." }),
    backup_name: optionalComputed({ forceNew: true, description: "Name of the backup (letters, digits, `_` and `-`, up to 255); CSBS names it when unset." }),
    description: optionalComputed({ forceNew: true, description: "Description of the backup (up to 255 characters, no `<` or `>`)." }),
    resource_type: optional({ forceNew: true, default: SERVER_TYPE, description: `Type of the resource; \`${SERVER_TYPE}\`.` }),
    tags: optional({
      forceNew: true,
      unordered: true,
      description: "Tags of the backup (1 to 10).",
      block: { nesting: "set", attributes: { key: required({ description: "Tag key." }), value: required({ description: "Tag value." }) } },
    }),
    backup_record_id: computed({ stable: true, description: "The backup record (checkpoint) id the backup belongs to." }),
    status: computed({ description: "`protecting`, `available`, `error`, `deleting`." }),
    created_at: computed({ stable: true, description: "Creation time, as the API reports it." }),
    auto_trigger: computed({ stable: true, description: "Whether the backup was taken by a schedule (always false for this resource's own backups)." }),
    volume_backups: computed({
      unordered: true,
      description:
        "One entry per volume of the server: id, name, status, bootable, incremental, source_volume_id, source_volume_name, source_volume_size (GB), size (MB), space_saving_ratio, average_speed, snapshot_id, image_type.",
    }),
    vm_metadata: computed({
      unordered: true,
      description: "The server as it was backed up: name, eip, cloud_service_type, ram (MB), vcpus, private_ip, disk (GB), image_type.",
    }),
  },
  timeouts: { create: "30m", delete: "30m", read: "5m" },

  read(ctx, state) {
    return readBackup(ctx.client, deadlineOf(ctx), state);
  },

  async readMany(ctx, states) {
    const d = deadlineOf(ctx);
    if (states.length < LIST_THRESHOLD) return Promise.all(states.map((s) => readBackup(ctx.client, d, s)));
    // One listing (a page per 1000 backups) beats a GET per backup once a few are refreshed together.
    const byId = new Map<string, JsonObject>();
    const byRecord = new Map<string, JsonObject>();
    for (const i of await listItems(ctx.client, d, {})) {
      const id = str(i, "id");
      const cp = str(i, "checkpoint_id");
      if (id) byId.set(id, i);
      if (cp && !byRecord.has(cp)) byRecord.set(cp, i);
    }
    return states.map((s) => {
      const i = s.id ? byId.get(s.id) : s.backup_record_id ? byRecord.get(s.backup_record_id) : undefined;
      return i ? fromItem(i, s) : null;
    });
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    if (ctx.client.config.apiFlavor === "karbor") {
      throw new Error('csbs_backup needs the CSBS API: OpenStack Karbor has no per-server backup (set api_flavor = "csbs", or back the server up through a csbs_backup_policy and csbs_backup_policy_checkpoint)');
    }
    await mustBeProtectable(ctx.client, d, planned.resource_id, planned.resource_type);
    const path = `/providers/${CSBS_PROVIDER_ID}/resources/${encodeURIComponent(planned.resource_id)}/action`;
    const reply = await ctx.client.call(d, {
      method: "POST",
      path,
      body: { protect: defined({ backup_name: planned.backup_name, description: planned.description, resource_type: planned.resource_type, tags: planned.tags ?? undefined }) },
    });
    const cp = asObject(reply["checkpoint"]);
    const recordId = cp ? str(cp, "id") : null;
    const full = await ctx.client.pathOf(d, path);
    if (!cp || !recordId) throw new ApiError("CSBS", "HTTP.200", "reply has no checkpoint id", "POST", full, 200);
    let item: JsonObject | null = null;
    const soFar = (): Backup => ({
      ...(item ? fromItem(item, planned) : { ...planned, volume_backups: null, vm_metadata: null, auto_trigger: null, created_at: str(cp, "created_at") }),
      backup_record_id: recordId,
      status: (item && str(item, "status")) ?? "protecting",
    });
    let settled: JsonObject | null;
    try {
      // CSBS lists the backup shortly after the record exists; then its status is polled until it settles.
      settled = await waitUntil(
        d,
        async () => {
          item = item ? await getItem(ctx.client, d, str(item, "id")!) : await firstItemOf(ctx.client, d, recordId);
          return item;
        },
        (now) => now !== null && SETTLED.has(str(now, "status") ?? ""),
        (last) => ctx.client.timeout(d, "POST", full, `backup of ${planned.resource_id} (record ${recordId}) still ${last ? (str(last, "status") ?? "pending") : "not listed"}`),
      );
    } catch (e) {
      // The backup runs on (and is billed): record it, tainted, rather than leave it outside the state.
      throw new PartialCreateError(`${(e as Error).message}; backup record ${recordId} is recorded in state as tainted`, soFar(), { cause: e });
    }
    const done = settled!;
    if (str(done, "status") === "error") {
      const reason = str(asObject(done["extend_info"]) ?? {}, "fail_reason");
      const failed = fromItem(done, planned);
      // A failed backup holds nothing usable; remove it so it is not left behind untracked.
      await deleteBackup(ctx.client, d, failed).catch(() => undefined);
      throw new Error(`CSBS backup ${failed.id} of ${planned.resource_id} failed (status error)${reason ? `: ${reason}` : ""}; the failed backup was deleted`);
    }
    return fromItem(done, planned);
  },

  async delete(ctx, state) {
    await deleteBackup(ctx.client, deadlineOf(ctx), state);
  },

  // The import id is the backup id (what OTC's resource holds); a backup record id is accepted too, as OTC's
  // documentation suggests, and resolves to the record's first backup.
  async import(ctx, id) {
    const d = deadlineOf(ctx);
    const item = (await getItem(ctx.client, d, id)) ?? (await firstItemOf(ctx.client, d, id));
    return item ? fromItem(item, null) : null;
  },

  inventory: {
    idAttribute: "id",
    // Backups no policy made: a policy's are found with `policy_id=` and belong to csbs_backup_policy_checkpoint.
    async list(ctx) {
      const d = deadlineOf(ctx);
      const ofPolicies = new Set<string>();
      for (const p of await listAll(ctx.client, d, "/policies", "policies")) {
        const pid = str(p, "id");
        if (pid) for (const i of await listItems(ctx.client, d, { policy_id: pid })) ofPolicies.add(str(i, "checkpoint_id") ?? "");
      }
      return (await listItems(ctx.client, d, {})).flatMap((i) => {
        const id = str(i, "id");
        return id && !ofPolicies.has(str(i, "checkpoint_id") ?? "") ? [{ id, name: str(i, "name") }] : [];
      });
    },
  },
  protection: {
    facts: backupFacts,
    recoveryData: async (_ctx, states) => states.map(backupData),
  },
});
