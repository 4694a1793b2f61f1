import { z } from "zod";
import { asyncApi, backupStorageUuidsOf, deleteModeOf, type Api } from "./api.js";
import { description, name, uuid } from "./envelope.js";
import { volumeBackupView } from "./views.js";
import { toWire } from "./wire.js";

const createVolumeBackup = z.strictObject({
  backupStorageUuid: uuid,
  name,
  description: description.optional(),
  mode: z.enum(["full"], "must be full").optional(),
  resourceUuid: uuid.optional(),
  tagUuids: z.array(z.string()).optional(),
});

const revertVolumeFromVolumeBackup = z.strictObject({ backupStorageUuid: uuid.optional() });

/**
 * Plain volume backups (research §3.1): CreateVolumeBackup, DeleteVolumeBackup, RevertVolumeFromVolumeBackup.
 * QueryVolumeBackup is the query VM backups share (backup-routes.ts); the data lives in the same store.
 */
export function registerVolumeBackupRoutes(api: Api): void {
  const { vmBackups } = api.services;

  asyncApi(api, "POST", "/volumes/:volumeUuid/volume-backups", {
    apiName: "CreateVolumeBackup",
    actionName: "createVolumeBackup",
    params: createVolumeBackup,
    run: async ({ params: p, req, signal }) => {
      const backup = await vmBackups.createVolume(
        req.params.volumeUuid!,
        {
          backupStorageUuid: p.backupStorageUuid,
          name: p.name,
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
        },
        signal,
      );
      return { inventory: toWire(volumeBackupView(backup)) };
    },
  });

  asyncApi(api, "DELETE", "/volume-backups/:uuid", {
    apiName: "DeleteVolumeBackup",
    query: (q) => ({ deleteMode: deleteModeOf(q), backupStorageUuids: backupStorageUuidsOf(q) }),
    run: async ({ req, query }) => {
      await vmBackups.deleteVolumeBackup(req.params.uuid!, query.backupStorageUuids);
      return {};
    },
  });

  asyncApi(api, "PUT", "/volume-backups/:uuid/actions", {
    apiName: "RevertVolumeFromVolumeBackup",
    actionName: "revertVolumeFromVolumeBackup",
    params: revertVolumeFromVolumeBackup,
    run: async ({ req, signal }) => {
      await vmBackups.revertVolume(req.params.uuid!, signal);
      return {};
    },
  });
}
