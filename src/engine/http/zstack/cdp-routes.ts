import { z } from "zod";
import { invalidArgument } from "../../domain/errors.js";
import { asyncApi, boolParam, deleteModeOf, getApi, type Api } from "./api.js";
import { description, long, name, uuid } from "./envelope.js";
import { RequestError } from "./errors.js";
import { checkPlacement } from "./placement.js";
import { queryApi } from "./queries.js";
import { cdpPolicySchema, cdpPolicyView, cdpTaskSchema, cdpTaskView, recoveryPointView, vmView } from "./views.js";
import { formatZStackDate } from "./timestamp.js";
import { toWire } from "./wire.js";

const intIn = (min: number, max: number) => z.number().int("must be an integer").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const nonNegative = long.refine((n) => n >= 0, "must not be negative");
const tagUuids = z.array(z.string()).optional();

const policyFields = {
  name,
  description: description.optional(),
  retentionTimePerDay: intIn(1, 30).optional(),
  hourlyRpSinceDay: intIn(1, 30).optional(),
  dailyRpSinceDay: intIn(0, 3650).optional(),
  expireTimeInDay: intIn(0, 3650).optional(),
  fullBackupIntervalInDay: intIn(1, 10).optional(),
  recoveryPointPerSecond: intIn(1, 3600),
};

const createPolicy = z.strictObject({ ...policyFields, resourceUuid: uuid.optional(), tagUuids });
const updatePolicy = z.strictObject({
  ...policyFields,
  name: name.optional(),
  recoveryPointPerSecond: policyFields.recoveryPointPerSecond.optional(),
  uuid: uuid.optional(),
});

const createTask = z.strictObject({
  name,
  description: description.optional(),
  // CreateCdpTaskAction's @Param lists no allowed values; every task protects the VMs in resourceUuids.
  taskType: z.string().min(1, "must not be empty").max(255, "must be at most 255 characters"),
  policyUuid: uuid,
  backupStorageUuid: uuid,
  resourceUuids: z.array(uuid).min(1, "must name at least one VM"),
  backupBandwidth: nonNegative.optional(),
  maxCapacity: nonNegative.optional(),
  maxLatency: nonNegative.optional(),
  resourceUuid: uuid.optional(),
  tagUuids,
});

// The Java SDK sends its defaults for unset fields: -1 for bandwidth and capacity, 0 for maxLatency ("unchanged").
const updateTask = z.strictObject({
  uuid: uuid.optional(),
  name: name.optional(),
  description: description.optional(),
  backupBandwidth: long.refine((n) => n >= -1, "must be -1 (unchanged) or more").optional(),
  maxCapacity: long.refine((n) => n >= -1, "must be -1 (unchanged) or more").optional(),
  maxLatency: nonNegative.optional(),
});

const enableTask = z.strictObject({ uuid: uuid.optional() });
const disableTask = z.strictObject({ uuid: uuid.optional(), force: z.boolean().optional() });

const createVmFromCdpBackup = z.strictObject({
  name,
  groupId: long.refine((n) => n >= 1, "must be at least 1"),
  cdpTaskUuid: uuid,
  instanceOfferingUuid: uuid,
  defaultL3NetworkUuid: uuid.optional(),
  l3NetworkUuids: z.array(uuid).optional(),
  type: z.enum(["UserVm", "ApplianceVm"], "must be UserVm or ApplianceVm").optional(),
  zoneUuid: uuid.optional(),
  clusterUuid: uuid.optional(),
  hostUuid: uuid.optional(),
  primaryStorageUuidForRootVolume: uuid.optional(),
  primaryStorageUuidForDataVolume: uuid.optional(),
  recoverBandwidth: nonNegative.optional(),
  description: description.optional(),
  rootVolumeSystemTags: z.array(z.string()).optional(),
  dataVolumeSystemTags: z.array(z.string()).optional(),
  resourceUuid: uuid.optional(),
  tagUuids,
});

const revertVmFromCdpBackup = z.strictObject({
  backupStorageUuid: uuid,
  groupId: long.refine((n) => n >= 1, "must be at least 1"),
  primaryStorageUuidForRootVolume: uuid.optional(),
  primaryStorageUuidForDataVolume: uuid.optional(),
  hostUuid: uuid.optional(),
  useExistingVolume: z.literal(true, "must be true: this engine reverts into the existing volumes").optional(),
  recoverBandwidth: nonNegative.optional(),
});

/** CDP policies, CDP tasks, recovery points, CreateVmFromCdpBackup and RevertVmFromCdpBackup (research §2.1). */
export function registerCdpRoutes(api: Api): void {
  const { cdp } = api.services;
  const inv = api.ctx.inventory;

  queryApi(api, "/cdp-backup-storage/policy", { schema: cdpPolicySchema, all: () => cdp.policies.all(), byUuid: (u) => cdp.policies.get(u), view: cdpPolicyView });
  queryApi(api, "/cdp-task", { schema: cdpTaskSchema, all: () => cdp.tasks.all(), byUuid: (u) => cdp.tasks.get(u), view: cdpTaskView });

  const policyInventory = (p: Parameters<typeof cdpPolicyView>[0]) => ({ inventory: toWire(cdpPolicyView(p)) });
  const taskInventory = (t: Parameters<typeof cdpTaskView>[0]) => ({ inventory: toWire(cdpTaskView(t)) });

  asyncApi(api, "POST", "/cdp-backup-storage/policy", {
    apiName: "CreateCdpPolicy",
    actionName: "createCdpPolicy",
    params: createPolicy,
    run: async ({ params: { tagUuids: _t, ...p } }) => policyInventory(cdp.createPolicy(p)),
  });
  asyncApi(api, "PUT", "/cdp-backup-storage/policy/:uuid/actions", {
    apiName: "UpdateCdpPolicy",
    actionName: "updateCdpPolicy",
    params: updatePolicy,
    run: async ({ params: { uuid: _u, ...changes }, req }) => policyInventory(cdp.updatePolicy(req.params.uuid!, changes)),
  });
  asyncApi(api, "DELETE", "/cdp-backup-storage/policy/:uuid", {
    apiName: "DeleteCdpPolicy",
    query: deleteModeOf,
    run: async ({ req }) => {
      cdp.deletePolicy(req.params.uuid!);
      return {};
    },
  });

  asyncApi(api, "POST", "/cdp-backup-storage/task", {
    apiName: "CreateCdpTask",
    actionName: "createCdpTask",
    params: createTask,
    run: async ({ params: { tagUuids: _t, ...p } }) => taskInventory(cdp.createTask(p)),
  });
  asyncApi(api, "PUT", "/cdp-backup-storage/task/:uuid/actions", {
    apiName: "UpdateCdpTask",
    actionName: "updateCdpTask",
    params: updateTask,
    run: async ({ params, req }) =>
      taskInventory(
        cdp.updateTask(req.params.uuid!, {
          name: params.name,
          description: params.description,
          backupBandwidth: params.backupBandwidth === -1 ? undefined : params.backupBandwidth,
          maxCapacity: params.maxCapacity === -1 ? undefined : params.maxCapacity,
          maxLatency: params.maxLatency === 0 ? undefined : params.maxLatency,
        }),
      ),
  });
  asyncApi(api, "DELETE", "/cdp-task/:uuid", {
    apiName: "DeleteCdpTask",
    query: (q) => ({ deleteMode: deleteModeOf(q), force: boolParam(q, "force") }),
    run: async ({ req }) => {
      await cdp.deleteTask(req.params.uuid!);
      return {};
    },
  });
  asyncApi(api, "POST", "/cdp-task/enable/:uuid", {
    apiName: "EnableCdpTask",
    actionName: "enableCdpTask",
    params: enableTask,
    run: async ({ req }) => taskInventory(await cdp.enableTask(req.params.uuid!)),
  });
  asyncApi(api, "POST", "/cdp-task/disable/:uuid", {
    apiName: "DisableCdpTask",
    actionName: "disableCdpTask",
    params: disableTask,
    run: async ({ req }) => taskInventory(await cdp.disableTask(req.params.uuid!)),
  });

  getApi(api, "/vm-instances/:uuid/recovery-points", (req) => {
    const vmUuid = req.params.uuid!;
    const startTime = epochParam(req.query, "startTime");
    const endTime = epochParam(req.query, "endTime");
    const limit = intParam(req.query, "limit") ?? 1000;
    const start = intParam(req.query, "start") ?? 0;
    const points = cdp
      .pointsOfVm(vmUuid)
      .filter((p) => (startTime === undefined || p.createDate >= startTime) && (endTime === undefined || p.createDate <= endTime))
      .slice(start, start + limit);
    const recoveryPoints: Record<string, unknown> = {};
    for (const p of points) recoveryPoints[String(p.groupId)] = recoveryPointView(p, vmUuid);
    return { status: 200, json: { recoveryPoints } };
  });

  getApi(api, "/vm-instances/:uuid/recovery-point", (req) => {
    const vmUuid = req.params.uuid!;
    const groupId = intParam(req.query, "groupId");
    if (groupId === undefined) throw new RequestError(400, "Invalid query parameter. 'groupId' is required");
    const point = cdp.pointsOfVm(vmUuid).find((p) => p.groupId === groupId);
    if (!point) throw invalidArgument("groupId", `VM[uuid:${vmUuid}] has no recovery point with groupId ${groupId}`);
    const vm = point.vms.find((v) => v.vmInstanceUuid === vmUuid)!;
    return {
      status: 200,
      json: {
        realSizes: Object.fromEntries(vm.volumes.map((v) => [v.volumeUuid, v.storedSize])),
        virtualSizes: Object.fromEntries(vm.volumes.map((v) => [v.volumeUuid, v.size])),
        timestamp: formatZStackDate(point.createDate),
      },
    };
  });

  asyncApi(api, "PUT", "/cdp-backups/actions", {
    apiName: "CreateVmFromCdpBackup",
    actionName: "createVmFromCdpBackup",
    params: createVmFromCdpBackup,
    run: async ({ params: p, signal }) => {
      checkPlacement(inv, p);
      const vm = await cdp.createVmFromPoint(p.cdpTaskUuid, p.groupId, {
        name: p.name,
        ...(p.description !== undefined ? { description: p.description } : {}),
        instanceOfferingUuid: p.instanceOfferingUuid,
        ...(p.l3NetworkUuids ? { l3NetworkUuids: p.l3NetworkUuids } : {}),
        ...(p.defaultL3NetworkUuid ? { defaultL3NetworkUuid: p.defaultL3NetworkUuid } : {}),
        ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
      }, signal);
      return { inventory: toWire(vmView(vm, inv)) };
    },
  });

  asyncApi(api, "PUT", "/cdp-backups/:vmInstanceUuid/actions", {
    apiName: "RevertVmFromCdpBackup",
    actionName: "revertVmFromCdpBackup",
    params: revertVmFromCdpBackup,
    run: async ({ params: p, req, signal }) => {
      checkPlacement(inv, p);
      await cdp.revertVmToPoint(req.params.vmInstanceUuid!, p.groupId, p.backupStorageUuid, signal);
      return {};
    },
  });
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new RequestError(400, `Invalid query parameter. '${name}' must be an integer`);
  return Number(raw);
}

/**
 * `startTime`/`endTime`: epoch milliseconds, or a date-time with an explicit zone as ZStack's SDKs send it
 * (`2023-06-06T00:00:00+08:00`, typed as a string in the Go SDK's `QueryRecoveryPointParam`).
 */
function epochParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || /^\d+$/.test(raw)) return intParam(q, name);
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw.trim());
  const ms = zoned ? Date.parse(raw.trim().replace(" ", "T")) : NaN;
  if (Number.isNaN(ms)) {
    throw new RequestError(400, `Invalid query parameter. '${name}' must be epoch milliseconds or a date-time with a zone such as 2023-06-06T00:00:00+08:00, got '${raw}'`);
  }
  return ms;
}
