import { z } from "zod";
import { invalidArgument } from "../../domain/errors.js";
import { asyncApi, backupStorageUuidsOf, boolParam, deleteModeOf, type Api } from "./api.js";
import { description, long, name, uuid } from "./envelope.js";
import { checkPlacement } from "./placement.js";
import { queryApi } from "./queries.js";
import { vmView, volumeBackupSchema, volumeBackupView } from "./views.js";
import { toWire } from "./wire.js";

const bandwidth = long.refine((n) => n >= 1024, "must be at least 1024 bytes per second").optional();

const createVmBackup = z.strictObject({
  backupStorageUuid: uuid,
  name,
  description: description.optional(),
  mode: z.enum(["full"], "must be full").optional(),
  resourceUuid: uuid.optional(),
  volumeReadBandwidth: bandwidth,
  volumeWriteBandwidth: bandwidth,
  networkReadBandwidth: bandwidth,
  networkWriteBandwidth: bandwidth,
  tagUuids: z.array(z.string()).optional(),
});

const createVmFromVmBackup = z.strictObject({
  name,
  description: description.optional(),
  backupStorageUuid: uuid.optional(),
  instanceOfferingUuid: uuid.optional(),
  cpuNum: z.number().int("must be an integer").min(1, "must be at least 1").optional(),
  memorySize: long.refine((n) => n > 0, "must be positive").optional(),
  reservedMemorySize: long.optional(),
  l3NetworkUuids: z.array(uuid).optional(),
  defaultL3NetworkUuid: uuid.optional(),
  type: z.enum(["UserVm", "ApplianceVm"], "must be UserVm or ApplianceVm").optional(),
  zoneUuid: uuid.optional(),
  clusterUuid: uuid.optional(),
  hostUuid: uuid.optional(),
  primaryStorageUuidForRootVolume: uuid.optional(),
  primaryStorageUuidForDataVolume: uuid.optional(),
  rootVolumeSystemTags: z.array(z.string()).optional(),
  dataVolumeSystemTags: z.array(z.string()).optional(),
  strategy: z.enum(["InstantStart", "JustCreate", "CreateStopped"], "must be InstantStart, JustCreate or CreateStopped").optional(),
  resourceUuid: uuid.optional(),
  tagUuids: z.array(z.string()).optional(),
});

const revertVmFromVmBackup = z.strictObject({ backupStorageUuid: uuid.optional() });
const syncVmBackup = z.strictObject({ imageStoreUuid: uuid.optional() });

/** VM backups and their volume backups (research §3.1). */
export function registerBackupRoutes(api: Api): void {
  const { vmBackups } = api.services;
  const inv = api.ctx.inventory;

  queryApi(api, "/volume-backups", { schema: volumeBackupSchema, all: () => vmBackups.backups.all(), byUuid: (u) => vmBackups.backups.get(u), view: volumeBackupView });

  asyncApi(api, "POST", "/volumes/:rootVolumeUuid/vm-backups", {
    apiName: "CreateVmBackup",
    actionName: "createVmBackup",
    params: createVmBackup,
    run: async ({ params: p, req, signal }) => {
      const backups = await vmBackups.create(
        req.params.rootVolumeUuid!,
        {
          backupStorageUuid: p.backupStorageUuid,
          name: p.name,
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
          bandwidth: {
            ...(p.volumeReadBandwidth ? { volumeReadBandwidth: p.volumeReadBandwidth } : {}),
            ...(p.volumeWriteBandwidth ? { volumeWriteBandwidth: p.volumeWriteBandwidth } : {}),
            ...(p.networkReadBandwidth ? { networkReadBandwidth: p.networkReadBandwidth } : {}),
            ...(p.networkWriteBandwidth ? { networkWriteBandwidth: p.networkWriteBandwidth } : {}),
          },
        },
        signal,
      );
      return { inventories: backups.map((b) => toWire(volumeBackupView(b))) };
    },
  });

  asyncApi(api, "DELETE", "/vm-backups/:groupUuid", {
    apiName: "DeleteVmBackup",
    query: (q) => ({ deleteMode: deleteModeOf(q), handleDependency: boolParam(q, "handleDependency"), backupStorageUuids: backupStorageUuidsOf(q) }),
    run: async ({ req, query }) => {
      await vmBackups.deleteGroup(req.params.groupUuid!, query.backupStorageUuids);
      return {};
    },
  });

  asyncApi(api, "PUT", "/vm-backups/imageStore/:imageStoreUuid/actions", {
    apiName: "SyncVmBackup",
    actionName: "syncVmBackup",
    params: syncVmBackup,
    run: async ({ req }) => ({ result: await vmBackups.sync(req.params.imageStoreUuid!) }),
  });

  asyncApi(api, "PUT", "/vm-backups/:groupUuid/actions", {
    apiName: "RevertVmFromVmBackup",
    actionName: "revertVmFromVmBackup",
    params: revertVmFromVmBackup,
    run: async ({ params, req, signal }) => {
      await vmBackups.revertVm(req.params.groupUuid!, params.backupStorageUuid, signal);
      return {};
    },
  });

  asyncApi(api, "POST", "/vm-instances/from/vm-backups/:groupUuid", {
    apiName: "CreateVmFromVmBackup",
    actionName: "createVmFromVmBackup",
    params: createVmFromVmBackup,
    run: async ({ params: p, req, signal }) => {
      checkPlacement(inv, p);
      if (!p.instanceOfferingUuid && (p.cpuNum !== undefined || p.memorySize !== undefined)) {
        throw invalidArgument("instanceOfferingUuid", "this engine sizes VMs by instance offering: give instanceOfferingUuid instead of cpuNum/memorySize");
      }
      const vm = await vmBackups.createVm(req.params.groupUuid!, {
        name: p.name,
        ...(p.description !== undefined ? { description: p.description } : {}),
        ...(p.backupStorageUuid ? { backupStorageUuid: p.backupStorageUuid } : {}),
        ...(p.instanceOfferingUuid ? { instanceOfferingUuid: p.instanceOfferingUuid } : {}),
        ...(p.l3NetworkUuids ? { l3NetworkUuids: p.l3NetworkUuids } : {}),
        ...(p.defaultL3NetworkUuid ? { defaultL3NetworkUuid: p.defaultL3NetworkUuid } : {}),
        ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
        state: p.strategy === "JustCreate" || p.strategy === "CreateStopped" ? "Stopped" : "Running",
      }, signal);
      return { inventory: toWire(vmView(vm, inv)) };
    },
  });
}
