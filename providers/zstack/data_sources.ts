import { z } from "zod";
import { computed, defineDataSource, optional, required } from "../../src/sdk/index.js";
import { waitUntil } from "../http/wait.js";
import { deadlineOf } from "../http/deadline.js";
import { asObject } from "../http/json.js";
import type { ZStackClient } from "./client.js";
import { nicsOf, vmNicSchema, vmVolumeSchema, volumesOf } from "./vm_view.js";
import { num, str } from "./wire.js";

/** `q=` conditions for the filters that are set (`name=web`), in a fixed order. */
function conditions(filters: Readonly<Record<string, string | null | undefined>>): string[] {
  return Object.entries(filters)
    .filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== "")
    .map(([field, value]) => `${field}=${value}`);
}

const vmSchema = z.object({
  name: z.string().nullable(),
  uuid: z.string().nullable(),
  state: z.string().nullable(),
  vm_instances: z
    .array(
      z.object({
        uuid: z.string(),
        name: z.string().nullable(),
        description: z.string().nullable(),
        state: z.string().nullable(),
        zone_uuid: z.string().nullable(),
        cluster_uuid: z.string().nullable(),
        host_uuid: z.string().nullable(),
        instance_offering_uuid: z.string().nullable(),
        root_volume_uuid: z.string().nullable(),
        default_l3_network_uuid: z.string().nullable(),
        cpu_num: z.number().nullable(),
        memory_size: z.number().nullable(),
        platform: z.string().nullable(),
        vm_nics: z.array(vmNicSchema),
        all_volumes: z.array(vmVolumeSchema),
      }),
    )
    .nullable(),
});

export const vmInstances = defineDataSource<ZStackClient, typeof vmSchema>({
  type: "zstack_vm_instances",
  description: "VM instances, optionally filtered by exact name, UUID or state.",
  schema: vmSchema,
  attributes: {
    name: optional({ description: "Only the VMs with this exact name." }),
    uuid: optional({ description: "Only the VM with this UUID." }),
    state: optional({ description: "Only VMs in this state (Running, Stopped...)." }),
    vm_instances: computed({
      description:
        "The matching VMs: uuid, name, description, state, zone/cluster/host uuids, instance_offering_uuid, root_volume_uuid, default_l3_network_uuid, cpu_num, memory_size (bytes), platform, vm_nics, all_volumes.",
    }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const invs = await ctx.client.query(deadlineOf(ctx), "/vm-instances", conditions({ name: config.name, uuid: config.uuid, state: config.state }));
    return {
      ...config,
      vm_instances: invs.map((vm) => ({
        uuid: str(vm, "uuid") ?? "",
        name: str(vm, "name"),
        description: str(vm, "description"),
        state: str(vm, "state"),
        zone_uuid: str(vm, "zoneUuid"),
        cluster_uuid: str(vm, "clusterUuid"),
        host_uuid: str(vm, "hostUuid"),
        instance_offering_uuid: str(vm, "instanceOfferingUuid"),
        root_volume_uuid: str(vm, "rootVolumeUuid"),
        default_l3_network_uuid: str(vm, "defaultL3NetworkUuid"),
        cpu_num: num(vm, "cpuNum"),
        memory_size: num(vm, "memorySize"),
        platform: str(vm, "platform"),
        vm_nics: nicsOf(vm),
        all_volumes: volumesOf(vm),
      })),
    };
  },
});

const bsSchema = z.object({
  name: z.string().nullable(),
  type: z.string().nullable(),
  backup_storages: z
    .array(
      z.object({
        uuid: z.string(),
        name: z.string().nullable(),
        description: z.string().nullable(),
        type: z.string().nullable(),
        state: z.string().nullable(),
        status: z.string().nullable(),
        total_capacity: z.number().nullable(),
        available_capacity: z.number().nullable(),
        attached_zone_uuids: z.array(z.string()),
      }),
    )
    .nullable(),
});

export const backupStorages = defineDataSource<ZStackClient, typeof bsSchema>({
  type: "zstack_backup_storages",
  description: "Backup storages, optionally filtered by exact name or type (e.g. `ImageStoreBackupStorage`).",
  schema: bsSchema,
  attributes: {
    name: optional({ description: "Only the backup storages with this exact name." }),
    type: optional({ description: "Only backup storages of this type; VM backups and CDP need `ImageStoreBackupStorage`." }),
    backup_storages: computed({
      description: "The matching backup storages: uuid, name, description, type, state, status, total_capacity, available_capacity (bytes), attached_zone_uuids.",
    }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const invs = await ctx.client.query(deadlineOf(ctx), "/backup-storage", conditions({ name: config.name, type: config.type }));
    return {
      ...config,
      backup_storages: invs.map((bs) => ({
        uuid: str(bs, "uuid") ?? "",
        name: str(bs, "name"),
        description: str(bs, "description"),
        type: str(bs, "type"),
        state: str(bs, "state"),
        status: str(bs, "status"),
        total_capacity: num(bs, "totalCapacity"),
        available_capacity: num(bs, "availableCapacity"),
        attached_zone_uuids: Array.isArray(bs["attachedZoneUuids"]) ? (bs["attachedZoneUuids"] as unknown[]).map(String) : [],
      })),
    };
  },
});

const offeringSchema = z.object({
  name: z.string().nullable(),
  instance_offerings: z
    .array(
      z.object({
        uuid: z.string(),
        name: z.string().nullable(),
        description: z.string().nullable(),
        cpu_num: z.number().nullable(),
        cpu_speed: z.number().nullable(),
        memory_size: z.number().nullable(),
        state: z.string().nullable(),
      }),
    )
    .nullable(),
});

export const instanceOfferings = defineDataSource<ZStackClient, typeof offeringSchema>({
  type: "zstack_instance_offerings",
  description: "Instance offerings (CPU and memory sizes for new VMs), optionally filtered by exact name.",
  schema: offeringSchema,
  attributes: {
    name: optional({ description: "Only the offerings with this exact name." }),
    instance_offerings: computed({ description: "The matching offerings: uuid, name, description, cpu_num, cpu_speed, memory_size (bytes), state." }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const invs = await ctx.client.query(deadlineOf(ctx), "/instance-offerings", conditions({ name: config.name }));
    return {
      ...config,
      instance_offerings: invs.map((o) => ({
        uuid: str(o, "uuid") ?? "",
        name: str(o, "name"),
        description: str(o, "description"),
        cpu_num: num(o, "cpuNum"),
        cpu_speed: num(o, "cpuSpeed"),
        memory_size: num(o, "memorySize"),
        state: str(o, "state"),
      })),
    };
  },
});

const l3Schema = z.object({
  name: z.string().nullable(),
  zone_uuid: z.string().nullable(),
  l3_networks: z
    .array(
      z.object({
        uuid: z.string(),
        name: z.string().nullable(),
        description: z.string().nullable(),
        zone_uuid: z.string().nullable(),
        l2_network_uuid: z.string().nullable(),
        category: z.string().nullable(),
        type: z.string().nullable(),
        state: z.string().nullable(),
        system: z.boolean().nullable(),
      }),
    )
    .nullable(),
});

export const l3Networks = defineDataSource<ZStackClient, typeof l3Schema>({
  type: "zstack_l3_networks",
  description: "L3 networks, optionally filtered by exact name or zone.",
  schema: l3Schema,
  attributes: {
    name: optional({ description: "Only the networks with this exact name." }),
    zone_uuid: optional({ description: "Only the networks of this zone." }),
    l3_networks: computed({ description: "The matching networks: uuid, name, description, zone_uuid, l2_network_uuid, category, type, state, system." }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const invs = await ctx.client.query(deadlineOf(ctx), "/l3-networks", conditions({ name: config.name, zoneUuid: config.zone_uuid }));
    return {
      ...config,
      l3_networks: invs.map((n) => ({
        uuid: str(n, "uuid") ?? "",
        name: str(n, "name"),
        description: str(n, "description"),
        zone_uuid: str(n, "zoneUuid"),
        l2_network_uuid: str(n, "l2NetworkUuid"),
        category: str(n, "category"),
        type: str(n, "type"),
        state: str(n, "state"),
        system: typeof n["system"] === "boolean" ? n["system"] : null,
      })),
    };
  },
});

const rpSchema = z.object({
  vm_instance_uuid: z.string().min(1),
  start_time: z.iso.datetime({ offset: true }).nullable(),
  end_time: z.iso.datetime({ offset: true }).nullable(),
  wait_for_points: z.number().int().min(0).max(1000).nullable(),
  recovery_points: z
    .array(z.object({ group_id: z.number(), time: z.string().nullable(), timestamp_ms: z.number().nullable(), cdp_task_uuid: z.string().nullable() }))
    .nullable(),
  latest_group_id: z.number().nullable(),
});

type RecoveryPointRecord = { group_id: number; time: string | null; timestamp_ms: number | null; cdp_task_uuid: string | null };

/**
 * Normalizes a recoveryPoints reply into records, oldest first, one per group. Read are ZStack's SDK shape — a
 * list per key of `{id, grpId, size, volId, ts, desc}`, one entry per volume, grouped here by `grpId` (the key
 * when `grpId` is absent) — and the earlier single-object shapes: `{ "<groupId>": <epoch ms | time text |
 * {timestamp...}> }` and a list of objects carrying `groupId`.
 */
export function parseRecoveryPoints(raw: unknown): RecoveryPointRecord[] {
  const entries: [unknown, unknown][] = Array.isArray(raw)
    ? raw.map((p) => [asObject(p)?.["groupId"] ?? asObject(p)?.["grpId"] ?? asObject(p)?.["id"], p])
    : Object.entries(asObject(raw) ?? {}).flatMap(([key, value]): [unknown, unknown][] =>
        Array.isArray(value) ? value.map((e) => [asObject(e)?.["grpId"] ?? asObject(e)?.["groupId"] ?? key, e]) : [[key, value]],
      );
  const byGroup = new Map<number, RecoveryPointRecord>();
  for (const [key, value] of entries) {
    const obj = asObject(value);
    const groupId = Number(key ?? obj?.["groupId"]);
    if (!Number.isInteger(groupId) || groupId < 1) continue;
    const t = obj ? (obj["ts"] ?? obj["timestamp"] ?? obj["time"] ?? obj["createDate"] ?? obj["date"]) : value;
    const ms = timeMs(t);
    const task = obj && typeof obj["cdpTaskUuid"] === "string" ? obj["cdpTaskUuid"] : null;
    const seen = byGroup.get(groupId);
    // Volumes of one group may carry slightly different times; the group's is its earliest.
    if (seen && (seen.timestamp_ms === null || ms === null || seen.timestamp_ms <= ms)) {
      seen.cdp_task_uuid ??= task;
      continue;
    }
    byGroup.set(groupId, {
      group_id: groupId,
      time: ms !== null ? new Date(ms).toISOString() : typeof t === "string" ? t : null,
      timestamp_ms: ms,
      cdp_task_uuid: task ?? seen?.cdp_task_uuid ?? null,
    });
  }
  return [...byGroup.values()].sort((a, b) => a.group_id - b.group_id);
}

/** Epoch ms of a time given as epoch ms (number or digits; 10-digit values as epoch seconds) or date text. */
function timeMs(t: unknown): number | null {
  const ms =
    typeof t === "number"
      ? t
      : typeof t === "string" && t.trim() !== ""
        ? /^\d+$/.test(t.trim())
          ? Number(t.trim()) * (t.trim().length <= 10 ? 1000 : 1)
          : Date.parse(t)
        : NaN;
  return Number.isFinite(ms) ? ms : null;
}

export const cdpRecoveryPoints = defineDataSource<ZStackClient, typeof rpSchema>({
  type: "zstack_cdp_recovery_points",
  description: "Recovery points a CDP task has cut for a VM (GetVmInstanceRecoveryPoints), optionally within a time range.",
  schema: rpSchema,
  attributes: {
    vm_instance_uuid: required({ description: "UUID of the protected VM." }),
    start_time: optional({ description: "Only points at or after this RFC 3339 time." }),
    end_time: optional({ description: "Only points at or before this RFC 3339 time." }),
    wait_for_points: optional({
      description:
        "Wait (up to the read timeout) until at least this many points are in range: useful right after the CDP task is created, with depends_on on it.",
    }),
    recovery_points: computed({
      description: "The points, oldest first: group_id (use with `zstack_vm_from_cdp_backup`), time (RFC 3339), timestamp_ms, cdp_task_uuid (the task that cut it).",
    }),
    latest_group_id: computed({ description: "group_id of the newest point in range, or null when there is none." }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const startMs = config.start_time ? Date.parse(config.start_time) : undefined;
    const endMs = config.end_time ? Date.parse(config.end_time) : undefined;
    if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
      throw new Error(`zstack_cdp_recovery_points: start_time ${config.start_time} is after end_time ${config.end_time}`);
    }
    const d = deadlineOf(ctx);
    const fetch = async () => {
      const reply = await ctx.client.call(d, {
        method: "GET",
        path: `/vm-instances/${config.vm_instance_uuid}/recovery-points`,
        // As the SDK sends them: date-time strings with their zone, here exactly as configured.
        query: { startTime: config.start_time ?? undefined, endTime: config.end_time ?? undefined },
      });
      return parseRecoveryPoints(reply["recoveryPoints"]).filter(
        (p) => p.timestamp_ms === null || ((startMs === undefined || p.timestamp_ms >= startMs) && (endMs === undefined || p.timestamp_ms <= endMs)),
      );
    };
    const want = config.wait_for_points ?? 0;
    const points = await waitUntil(
      d,
      fetch,
      (ps) => ps.length >= want,
      (last) => new Error(`zstack_cdp_recovery_points: VM ${config.vm_instance_uuid} had ${last?.length ?? 0} recovery points in range after ${d.timeoutMs} ms; wait_for_points = ${want}`),
    );
    return { ...config, recovery_points: points, latest_group_id: points.length ? points[points.length - 1]!.group_id : null };
  },
});

export const zstackDataSources = [vmInstances, backupStorages, instanceOfferings, l3Networks, cdpRecoveryPoints] as const;
