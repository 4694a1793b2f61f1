import type { Checkpoint, CheckpointItem } from "../../domain/csbs/checkpoints.js";
import type { OperationDefinition, Policy, PolicyResource, ScheduledOperation } from "../../domain/csbs/policies.js";
import type { Restore } from "../../domain/csbs/restores.js";
import { dashed } from "../../domain/csbs/vm-ref.js";
import { csbsTime, csbsTriggerTime } from "./wire-time.js";

/** Wire views: how CSBS and Karbor print the domain objects. Pure functions of the objects. */

function resourceView(r: PolicyResource): Record<string, unknown> {
  return r.extraInfo ? { id: r.id, type: r.type, name: r.name, extra_info: r.extraInfo } : { id: r.id, type: r.type, name: r.name };
}

function definitionView(d: OperationDefinition, p: Policy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.maxBackups !== undefined) out.max_backups = d.maxBackups;
  if (d.retentionDurationDays !== undefined) out.retention_duration_days = d.retentionDurationDays;
  if (d.permanent !== undefined) out.permanent = d.permanent;
  if (d.dayBackups !== undefined) out.day_backups = d.dayBackups;
  if (d.weekBackups !== undefined) out.week_backups = d.weekBackups;
  if (d.monthBackups !== undefined) out.month_backups = d.monthBackups;
  if (d.yearBackups !== undefined) out.year_backups = d.yearBackups;
  if (d.timezone !== undefined) out.timezone = d.timezone;
  out.plan_id = p.uuid;
  out.provider_id = p.providerId;
  return out;
}

function operationView(op: ScheduledOperation, p: Policy): Record<string, unknown> {
  return {
    id: op.id,
    name: op.name,
    description: op.description,
    enabled: op.enabled,
    operation_type: op.operationType,
    operation_definition: definitionView(op.definition, p),
    trigger_id: op.trigger.id,
    trigger: {
      id: op.trigger.id,
      name: op.trigger.name,
      type: op.trigger.type,
      properties: { pattern: op.trigger.pattern, start_time: csbsTriggerTime(op.trigger.startTime) },
    },
  };
}

/** CSBS `policy` (Querying a Backup Policy). */
export function policyView(p: Policy): Record<string, unknown> {
  return {
    id: p.uuid,
    name: p.name,
    description: p.description,
    status: p.status,
    project_id: p.projectId,
    provider_id: p.providerId,
    parameters: p.parameters,
    created_at: csbsTime(p.createdAt),
    resources: p.resources.map(resourceView),
    scheduled_operations: p.scheduledOperations.map((op) => operationView(op, p)),
    tags: p.tags,
  };
}

/** Karbor `plan`. */
export function planView(p: Policy): Record<string, unknown> {
  return {
    id: p.uuid,
    name: p.name,
    description: p.description,
    status: p.status,
    provider_id: p.providerId,
    project_id: p.projectId,
    parameters: p.parameters,
    resources: p.resources.map(resourceView),
  };
}

function protectionPlan(cp: Checkpoint): Record<string, unknown> {
  return {
    id: cp.planId,
    name: cp.planName,
    resources: cp.resources.map((r) => ({ id: r.id, type: r.type, name: r.name, extra_info: pythonJson(r.extraInfo ?? {}) })),
  };
}

/**
 * CSBS `checkpoint_resp` exactly as "Executing a Backup Policy" documents it: `extra_info` and each resource's
 * `extra_info` are JSON *strings*, `resource_graph` is null.
 */
export function checkpointView(cp: Checkpoint): Record<string, unknown> {
  return {
    id: cp.uuid,
    project_id: cp.projectId,
    status: cp.status,
    created_at: csbsTime(cp.createdAt),
    resource_graph: null,
    protection_plan: protectionPlan(cp),
    extra_info: pythonJson(cp.extraInfo),
  };
}

/**
 * Karbor's checkpoint view: `extra_info` is an object and `protection_plan` carries `provider_id` (the client
 * uses it to reload a checkpoint). `resource_graph` is a JSON string the client pretty-prints once the
 * checkpoint is available.
 */
export function karborCheckpointView(cp: Checkpoint): Record<string, unknown> {
  const graph =
    cp.status === "available"
      ? JSON.stringify([Object.fromEntries(cp.resources.map((r, i) => [`0x${i.toString(16)}`, [r.type, r.id, r.name]])), []])
      : null;
  return {
    id: cp.uuid,
    project_id: cp.projectId,
    status: cp.status,
    created_at: csbsTime(cp.createdAt),
    resource_graph: graph,
    protection_plan: { ...protectionPlan(cp), provider_id: cp.providerId },
    extra_info: cp.extraInfo,
  };
}

/** CSBS `checkpoint_item` (Querying a Backup). Sizes are in MB, as CSBS reports them. */
export function itemView(i: CheckpointItem): Record<string, unknown> {
  const mb = (bytes: number) => Math.ceil(bytes / (1024 * 1024));
  const stored = i.volumeBackups.reduce((s, v) => s + v.storedSize, 0);
  const source = i.volumeBackups.reduce((s, v) => s + v.sourceSize, 0);
  return {
    id: i.uuid,
    checkpoint_id: i.checkpointId,
    name: i.name,
    description: i.description,
    resource_id: i.resourceId,
    resource_type: i.resourceType,
    status: i.status,
    created_at: csbsTime(i.createdAt),
    updated_at: csbsTime(i.updatedAt),
    tags: i.tags ?? [],
    backup_data: {
      eip: "",
      cloudservicetype: "QEMU",
      ram: i.vm.ram,
      vcpus: i.vm.vcpus,
      __openstack_region_name: "",
      private_ip: i.vm.privateIp,
      disk: i.vm.diskGb,
      imagetype: "gold",
    },
    extend_info: {
      auto_trigger: i.autoTrigger,
      average_speed: 0,
      copy_from: null,
      copy_status: "na",
      fail_code: i.failReason ? { Code: "CSBS.9999", Description: i.failReason } : {},
      fail_op: i.failOp,
      fail_reason: i.failReason ?? "",
      image_type: "backup",
      incremental: false,
      progress: i.progress,
      resource_az: i.vm.zoneUuid,
      resource_name: i.resourceName,
      resource_type: i.resourceType,
      size: mb(stored),
      space_saving_ratio: stored > 0 ? Math.round((source / stored) * 100) / 100 : 0,
      volume_backups: i.volumeBackups.map((v) => ({
        id: v.backupId,
        name: `${i.name}_${v.volumeName}`,
        status: i.status === "available" ? "available" : i.status,
        bootable: v.bootable,
        incremental: v.mode === "incremental",
        source_volume_id: v.volumeUuid,
        source_volume_name: v.volumeName,
        source_volume_size: Math.ceil(v.sourceSize / 1024 ** 3),
        size: mb(v.storedSize),
        space_saving_ratio: v.storedSize > 0 ? Math.round((v.sourceSize / v.storedSize) * 100) / 100 : 0,
        average_speed: 0,
        snapshot_id: "",
        image_type: "backup",
      })),
      finished_at: i.protectedAt === null ? "" : csbsTime(i.protectedAt),
      taskid: i.checkpointId,
      hypervisor_type: "QEMU",
      supported_restore_mode: "backup",
      support_lld: false,
      os_images_data: [],
    },
  };
}

/** JSON text as Python's `json.dumps` writes it (`{"a": 1, "b": 2}`), the form CSBS puts in string fields. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Karbor's restore view (`restores.py` RestoreViewBuilder), plus `restored_servers`: which server now holds each
 * resource's data, so a client can find a server the restore created (Karbor itself does not say).
 */
export function restoreView(r: Restore): Record<string, unknown> {
  return {
    id: r.uuid,
    project_id: r.projectId,
    provider_id: r.providerId,
    checkpoint_id: r.checkpointId,
    restore_target: r.restoreTarget,
    parameters: r.parameters,
    status: r.status,
    resources_status: r.resourcesStatus,
    resources_reason: r.resourcesReason,
    restored_servers: Object.fromEntries(Object.entries(r.restoredServers).map(([k, v]) => [k, dashed(v)])),
    created_at: csbsTime(r.createdAt),
  };
}
