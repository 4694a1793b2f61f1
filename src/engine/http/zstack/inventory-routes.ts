import { z } from "zod";
import { asyncApi, deleteModeOf, type Api } from "./api.js";
import { queryApi } from "./queries.js";
import {
  backupStorageSchema,
  backupStorageView,
  clusterSchema,
  clusterView,
  hostSchema,
  hostView,
  instanceOfferingSchema,
  instanceOfferingView,
  l3NetworkSchema,
  l3NetworkView,
  primaryStorageSchema,
  primaryStorageView,
  vmSchema,
  vmView,
  volumeSchema,
  volumeView,
  zoneSchema,
  zoneView,
} from "./views.js";

/** Queries of the lab inventory a user references in CDP and backup calls, and destroying VMs. */
export function registerInventoryRoutes(api: Api): void {
  const inv = api.ctx.inventory;
  const of = <D extends { uuid: string }>(c: { all(): D[]; get(u: string): D | undefined }) => ({ all: () => c.all(), byUuid: (u: string) => c.get(u) });
  queryApi(api, "/zones", { schema: zoneSchema, ...of(inv.zones), view: zoneView });
  queryApi(api, "/clusters", { schema: clusterSchema, ...of(inv.clusters), view: clusterView });
  queryApi(api, "/hosts", { schema: hostSchema, ...of(inv.hosts), view: hostView });
  queryApi(api, "/primary-storage", { schema: primaryStorageSchema, ...of(inv.primaryStorages), view: primaryStorageView });
  queryApi(api, "/instance-offerings", { schema: instanceOfferingSchema, ...of(inv.instanceOfferings), view: instanceOfferingView });
  queryApi(api, "/l3-networks", { schema: l3NetworkSchema, ...of(inv.l3Networks), view: l3NetworkView });
  queryApi(api, "/backup-storage", { schema: backupStorageSchema, ...of(inv.backupStorages), view: backupStorageView });
  queryApi(api, "/backup-storage/image-store", {
    schema: { ...backupStorageSchema, name: "ImageStoreBackupStorageInventory" },
    all: () => inv.backupStorages.all().filter((b) => b.type === "ImageStoreBackupStorage"),
    byUuid: (u) => {
      const b = inv.backupStorages.get(u);
      return b?.type === "ImageStoreBackupStorage" ? b : undefined;
    },
    view: backupStorageView,
  });
  queryApi(api, "/vm-instances", { schema: vmSchema, ...of(inv.vms), view: (vm) => vmView(vm, inv) });
  queryApi(api, "/volumes", { schema: volumeSchema, ...of(inv.volumes), view: volumeView });

  // DestroyVmInstance: the engine expunges at once, so ExpungeVmInstance afterwards is a successful no-op.
  asyncApi(api, "DELETE", "/vm-instances/:uuid", {
    apiName: "DestroyVmInstance",
    query: deleteModeOf,
    run: async ({ req }) => {
      await api.services.cdp.destroyVm(req.params.uuid!);
      return {};
    },
  });
  asyncApi(api, "PUT", "/vm-instances/:uuid/actions", {
    apiName: "ExpungeVmInstance",
    actionName: "expungeVmInstance",
    params: z.strictObject({}),
    run: async ({ req }) => {
      await api.services.cdp.destroyVm(req.params.uuid!);
      return {};
    },
  });
}
