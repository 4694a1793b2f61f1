import { z } from "zod";
import { computed, defineResource, optional, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createWithUuid, deletePermissive, listByUuid } from "./uuid-objects.js";
import { readManyByUuid } from "./read-many.js";
import { list, newZStackUuid, num, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  volume_uuid: z.string().min(1),
  backup_storage_uuid: z.string().min(1),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  triggers: z.record(z.string(), z.string()).nullable(),
  type: z.string().nullable(),
  state: z.string().nullable(),
  status: z.string().nullable(),
  size: z.number().nullable(),
  mode: z.string().nullable(),
  vm_instance_uuid: z.string().nullable(),
});
type VolumeBackup = z.infer<typeof schema>;

const QUERY = "/volume-backups";

/** A backup deleted on the server (status Deleted) counts as gone. */
function fromInventory(inv: Inventory, prior: VolumeBackup | null): VolumeBackup | null {
  if (str(inv, "status") === "Deleted") return null;
  const refs = list(inv, "backupStorageRefs");
  return {
    uuid: str(inv, "uuid"),
    volume_uuid: str(inv, "volumeUuid") ?? prior?.volume_uuid ?? "",
    backup_storage_uuid: prior?.backup_storage_uuid ?? (refs[0] ? str(refs[0], "backupStorageUuid") : null) ?? "",
    name: str(inv, "name") ?? prior?.name ?? "",
    description: str(inv, "description") || (prior?.description ?? null),
    triggers: prior?.triggers ?? null,
    type: str(inv, "type"),
    state: str(inv, "state"),
    status: str(inv, "status"),
    size: num(inv, "size"),
    mode: str(inv, "mode"),
    vm_instance_uuid: str(inv, "vmInstanceUuid") || null,
  };
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: VolumeBackup | null): Promise<VolumeBackup | null> {
  const [inv] = await client.query(d, QUERY, [`uuid=${uuid}`]);
  return inv ? fromInventory(inv, prior) : null;
}

export const volumeBackup = defineResource<ZStackClient, typeof schema>({
  type: "zstack_volume_backup",
  description:
    "A backup of one volume (root or data) made with CreateVolumeBackup. Every argument forces a new backup, as in ZStack's own provider; change `triggers` to take a fresh one. The backup storage must be an ImageStore.",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "The backup's UUID (chosen by the client and sent as `resourceUuid`); the import id." }),
    volume_uuid: required({ forceNew: true, description: "UUID of the volume to back up." }),
    backup_storage_uuid: required({ forceNew: true, description: "UUID of the ImageStore backup storage to write to." }),
    name: required({ forceNew: true, description: "Backup name (kept as given, unlike VM backups)." }),
    description: optional({ forceNew: true, description: "Free-form description." }),
    triggers: optional({ forceNew: true, description: "Arbitrary map; any change takes a new backup (e.g. `{ week = \"2026-48\" }`)." }),
    type: computed({ stable: true, description: "Root or Data: the kind of volume backed up." }),
    state: computed({ description: "Enabled or Disabled." }),
    status: computed({ description: "Ready once the backup is complete." }),
    size: computed({ stable: true, description: "Virtual size of the backed-up volume, bytes." }),
    mode: computed({ stable: true, description: "full or incremental: how the backup was stored." }),
    vm_instance_uuid: computed({ stable: true, description: "UUID of the VM the volume belonged to when backed up, if any." }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "60m", delete: "30m", read: "5m" },

  async read(ctx, state) {
    return state.uuid ? find(ctx.client, deadlineOf(ctx), state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    return readManyByUuid(ctx.client, deadlineOf(ctx), QUERY, states, fromInventory);
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    const withId = { ...planned, uuid };
    return createWithUuid(ctx.client, d, {
      path: `/volumes/${planned.volume_uuid}/volume-backups`,
      uuid,
      params: { backupStorageUuid: planned.backup_storage_uuid, name: planned.name, description: planned.description },
      find: () => find(ctx.client, d, uuid, withId),
      toState: (inv) => fromInventory(inv, withId) ?? withId,
    });
  },

  async delete(ctx, state) {
    if (state.uuid) await deletePermissive(ctx.client, deadlineOf(ctx), `${QUERY}/${state.uuid}`);
  },

  async import(ctx, id) {
    return find(ctx.client, deadlineOf(ctx), id, null);
  },

  inventory: {
    idAttribute: "uuid",
    // Only plain volume backups: those of a VM backup carry a groupUuid and are listed as zstack_vm_backup.
    list: (ctx) => listByUuid(ctx.client, deadlineOf(ctx), QUERY, (inv) => !str(inv, "groupUuid") && str(inv, "status") !== "Deleted"),
  },
});
