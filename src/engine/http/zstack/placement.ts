import { invalidArgument } from "../../domain/errors.js";
import type { Inventory } from "../../domain/inventory.js";

/** Optional placement fields of VM-creating calls; the engine checks they exist but places VMs itself. */
export interface Placement {
  zoneUuid?: string | undefined;
  clusterUuid?: string | undefined;
  hostUuid?: string | undefined;
  primaryStorageUuidForRootVolume?: string | undefined;
  primaryStorageUuidForDataVolume?: string | undefined;
}

/** Throws invalid_argument naming the first placement field that references nothing. */
export function checkPlacement(inv: Inventory, p: Placement): void {
  const checks: [keyof Placement, { has(u: string): boolean }, string][] = [
    ["zoneUuid", inv.zones, "zone"],
    ["clusterUuid", inv.clusters, "cluster"],
    ["hostUuid", inv.hosts, "host"],
    ["primaryStorageUuidForRootVolume", inv.primaryStorages, "primary storage"],
    ["primaryStorageUuidForDataVolume", inv.primaryStorages, "primary storage"],
  ];
  for (const [field, collection, what] of checks) {
    const uuid = p[field];
    if (uuid !== undefined && !collection.has(uuid)) throw invalidArgument(field, `${what}[uuid:${uuid}] is not found`);
  }
}
