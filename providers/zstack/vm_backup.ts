import { z } from "zod";
import { computed, defineResource, optional, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import type { ZStackClient } from "./client.js";
import { createOnce } from "./idempotent.js";
import { queryAll } from "./inventory.js";
import { backupGroupData, surveyVms, vmBackupFacts } from "./protection.js";
import { defined, isNotFound, list, newZStackUuid, num, str, type Inventory } from "./wire.js";

const volumeBackup = z.object({
  uuid: z.string(),
  volume_uuid: z.string().nullable(),
  type: z.string().nullable(),
  name: z.string().nullable(),
  size: z.number().nullable(),
  status: z.string().nullable(),
  state: z.string().nullable(),
  mode: z.string().nullable(),
});

const bandwidth = z.number().int().min(1024).nullable();

const schema = z.object({
  uuid: z.string().nullable(),
  group_uuid: z.string().nullable(),
  root_volume_uuid: z.string().min(1),
  backup_storage_uuid: z.string().min(1),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  mode: z.enum(["full"]).nullable(),
  volume_read_bandwidth: bandwidth,
  volume_write_bandwidth: bandwidth,
  network_read_bandwidth: bandwidth,
  network_write_bandwidth: bandwidth,
  triggers: z.record(z.string(), z.string()).nullable(),
  vm_instance_uuid: z.string().nullable(),
  backups: z.array(volumeBackup).nullable(),
  total_size: z.number().nullable(),
});
type VmBackup = z.infer<typeof schema>;

const QUERY = "/volume-backups";

/** Backups of one group, root volume first, without ones already deleted. */
function live(invs: readonly Inventory[]): Inventory[] {
  return invs
    .filter((i) => str(i, "status") !== "Deleted")
    .sort((a, b) => (str(a, "type") === "Root" ? -1 : str(b, "type") === "Root" ? 1 : 0));
}

/**
 * The state of a backup group. `name`, `description` and `triggers` keep their configured values: ZStack
 * rewrites VM backup names (`<name>-<timestamp>`) and the others are not stored remotely.
 */
function fromGroup(group: readonly Inventory[], prior: VmBackup | null): VmBackup {
  const root = group.find((i) => str(i, "type") === "Root") ?? group[0]!;
  const backups = group.map((i) => ({
    uuid: str(i, "uuid") ?? "",
    volume_uuid: str(i, "volumeUuid"),
    type: str(i, "type"),
    name: str(i, "name"),
    size: num(i, "size"),
    status: str(i, "status"),
    state: str(i, "state"),
    mode: str(i, "mode"),
  }));
  const refs = list(root, "backupStorageRefs");
  return {
    uuid: prior?.uuid ?? str(root, "uuid"),
    group_uuid: str(root, "groupUuid"),
    root_volume_uuid: prior?.root_volume_uuid ?? str(root, "volumeUuid") ?? "",
    backup_storage_uuid: prior?.backup_storage_uuid ?? (refs[0] ? str(refs[0], "backupStorageUuid") : null) ?? "",
    name: prior?.name ?? requestedName(str(root, "name") ?? ""),
    description: prior?.description ?? (str(root, "description") || null),
    mode: prior?.mode ?? null,
    volume_read_bandwidth: prior?.volume_read_bandwidth ?? null,
    volume_write_bandwidth: prior?.volume_write_bandwidth ?? null,
    network_read_bandwidth: prior?.network_read_bandwidth ?? null,
    network_write_bandwidth: prior?.network_write_bandwidth ?? null,
    triggers: prior?.triggers ?? null,
    vm_instance_uuid: str(root, "vmInstanceUuid"),
    backups,
    total_size: backups.reduce((sum, b) => sum + (b.size ?? 0), 0),
  };
}

/** ZStack's `<name>-<java.sql.Timestamp>` root-backup name back to the requested `<name>`. */
export function requestedName(stored: string): string {
  return stored.replace(/-\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2}(\.\d+)?$/, "");
}

async function readGroup(client: ZStackClient, d: Deadline, groupUuid: string, prior: VmBackup | null): Promise<VmBackup | null> {
  const group = live(await client.query(d, QUERY, [`groupUuid=${groupUuid}`]));
  return group.length > 0 ? fromGroup(group, prior) : null;
}

/** Finds a group by the client-chosen uuid of its root-volume backup (before the group uuid is known). */
async function findByClientId(client: ZStackClient, d: Deadline, uuid: string, prior: VmBackup): Promise<VmBackup | null> {
  const [root] = await client.query(d, QUERY, [`uuid=${uuid}`]);
  const group = root ? str(root, "groupUuid") : null;
  return group ? readGroup(client, d, group, { ...prior, uuid }) : null;
}

export const vmBackup = defineResource<ZStackClient, typeof schema>({
  type: "zstack_vm_backup",
  description:
    "A backup of a whole VM (root and data volumes, one backup group) made with CreateVmBackup on the VM's root volume. Every argument forces a new backup; change `triggers` to take a fresh one.",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "UUID of the root-volume backup (chosen by the client and sent as `resourceUuid`)." }),
    group_uuid: computed({ stable: true, description: "UUID of the backup group tying the volume backups together; the import id." }),
    root_volume_uuid: required({ forceNew: true, description: "Root volume UUID of the VM to back up." }),
    backup_storage_uuid: required({ forceNew: true, description: "UUID of the ImageStore backup storage to write to." }),
    name: required({ forceNew: true, description: "Backup name. ZStack stores `<name>-<timestamp>` per volume; state keeps this value." }),
    description: optional({ forceNew: true, description: "Free-form description." }),
    mode: optional({ forceNew: true, description: "`full` forces a full backup; unset lets ZStack choose (incremental when a chain exists)." }),
    volume_read_bandwidth: optional({ forceNew: true, description: "Volume read limit, bytes/s (≥ 1024)." }),
    volume_write_bandwidth: optional({ forceNew: true, description: "Volume write limit, bytes/s (≥ 1024)." }),
    network_read_bandwidth: optional({ forceNew: true, description: "Network download limit, bytes/s (≥ 1024)." }),
    network_write_bandwidth: optional({ forceNew: true, description: "Network upload limit, bytes/s (≥ 1024)." }),
    triggers: optional({ forceNew: true, description: "Arbitrary map; any change takes a new backup (e.g. `{ week = \"2026-48\" }`)." }),
    vm_instance_uuid: computed({ stable: true, description: "UUID of the VM the backup belongs to." }),
    backups: computed({ stable: true, description: "The per-volume backups of the group: uuid, volume_uuid, type (Root/Data), name, size (bytes), status, state, mode." }),
    total_size: computed({ stable: true, description: "Sum of the volume backups' sizes, bytes." }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "60m", delete: "30m", read: "5m" },

  async read(ctx, state) {
    const d = deadlineOf(ctx);
    if (state.group_uuid) return readGroup(ctx.client, d, state.group_uuid, state);
    return state.uuid ? findByClientId(ctx.client, d, state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    const d = deadlineOf(ctx);
    const groups = states.map((s) => s.group_uuid).filter((g): g is string => !!g);
    const byGroup = new Map<string, Inventory[]>();
    for (const inv of await ctx.client.queryIn(d, QUERY, "groupUuid", groups)) {
      const g = str(inv, "groupUuid");
      if (g) byGroup.set(g, [...(byGroup.get(g) ?? []), inv]);
    }
    const out: (VmBackup | null)[] = [];
    for (const s of states) {
      if (!s.group_uuid) {
        out.push(s.uuid ? await findByClientId(ctx.client, d, s.uuid, s) : null);
        continue;
      }
      const group = live(byGroup.get(s.group_uuid) ?? []);
      out.push(group.length > 0 ? fromGroup(group, s) : null);
    }
    return out;
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    const withId = { ...planned, uuid };
    const path = `/volumes/${planned.root_volume_uuid}/vm-backups`;
    return createOnce(
      () => findByClientId(ctx.client, d, uuid, withId),
      async () => {
        const reply = await ctx.client.call(d, {
          method: "POST",
          path,
          body: {
            params: defined({
              backupStorageUuid: planned.backup_storage_uuid,
              name: planned.name,
              description: planned.description,
              mode: planned.mode,
              volumeReadBandwidth: planned.volume_read_bandwidth,
              volumeWriteBandwidth: planned.volume_write_bandwidth,
              networkReadBandwidth: planned.network_read_bandwidth,
              networkWriteBandwidth: planned.network_write_bandwidth,
              resourceUuid: uuid,
            }),
          },
          idempotent: true,
        });
        const invs = reply["inventories"];
        const group = Array.isArray(invs) ? live(invs.filter((x): x is Inventory => x !== null && typeof x === "object")) : [];
        if (group.length === 0) throw new ApiError("ZStack", "HTTP.200", "CreateVmBackup reply has no inventories", "POST", ctx.client.fullPath(path), 200);
        const made = fromGroup(group, withId);
        // The reply may list only some fields (the documented example omits groupUuid on data volumes); a read
        // of the whole group gives the complete picture.
        return (made.group_uuid ? await readGroup(ctx.client, d, made.group_uuid, withId) : null) ?? made;
      },
    );
  },

  async delete(ctx, state) {
    const d = deadlineOf(ctx);
    const group = state.group_uuid ?? (state.uuid ? (await findByClientId(ctx.client, d, state.uuid, state))?.group_uuid : null);
    if (!group) return;
    try {
      await ctx.client.call(d, { method: "DELETE", path: `/vm-backups/${group}`, query: { deleteMode: "Permissive" } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },

  async import(ctx, id) {
    return readGroup(ctx.client, deadlineOf(ctx), id, null);
  },

  inventory: {
    idAttribute: "group_uuid",
    async list(ctx) {
      // One object per backup group (a VM backup), named as it was requested (ZStack appends a timestamp).
      const groups = new Map<string, Inventory[]>();
      for (const inv of await queryAll(ctx.client, deadlineOf(ctx), QUERY)) {
        const g = str(inv, "groupUuid");
        if (g && str(inv, "status") !== "Deleted") groups.set(g, [...(groups.get(g) ?? []), inv]);
      }
      return [...groups].map(([id, invs]) => {
        const root = live(invs)[0]!;
        return { id, name: requestedName(str(root, "name") ?? "") || null };
      });
    },
  },
  protection: {
    facts: vmBackupFacts,
    async recoveryData(ctx, states) {
      // One query for every group: the volume backups carry sizes and creation times.
      const groups = states.map((s) => s.group_uuid).filter((g): g is string => !!g);
      const byGroup = new Map<string, Inventory[]>();
      for (const inv of groups.length ? await ctx.client.queryIn(deadlineOf(ctx), QUERY, "groupUuid", groups) : []) {
        const g = str(inv, "groupUuid");
        if (g && str(inv, "status") !== "Deleted") byGroup.set(g, [...(byGroup.get(g) ?? []), inv]);
      }
      return states.map((s) => backupGroupData(s.vm_instance_uuid, s.group_uuid ? (byGroup.get(s.group_uuid) ?? []) : []));
    },
    async survey(ctx) {
      const d = deadlineOf(ctx);
      const groups = new Map<string, Inventory[]>();
      for (const inv of await queryAll(ctx.client, d, QUERY)) {
        const g = str(inv, "groupUuid");
        if (g && str(inv, "status") !== "Deleted") groups.set(g, [...(groups.get(g) ?? []), inv]);
      }
      return { objects: [...groups.values()].map((invs) => fromGroup(live(invs), null)), vms: await surveyVms(ctx.client, d) };
    },
  },
});
