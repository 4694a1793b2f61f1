import type { EngineContext } from "../../src/engine/context.js";
import { createCsbsUser } from "../../src/engine/domain/csbs/services.js";
import type { VmInstance } from "../../src/engine/domain/inventory.js";

/** A minimal lab for CSBS tests: one zone with a host, primary storage, network, offering and (optionally) an ImageStore backup storage. */
export interface CsbsLab {
  zoneUuid: string;
  offeringUuid: string;
  l3Uuid: string;
  projectId: string;
  /** Creates a VM with a root volume and one data volume (sizes in bytes). */
  vm(name: string, sizes?: number[]): Promise<VmInstance>;
}

export async function setUpLab(ctx: EngineContext, opts: { backupStorage?: boolean; user?: { name: string; password: string; project: string } } = {}): Promise<CsbsLab> {
  const inv = ctx.inventory;
  const zone = inv.addZone("zone-1");
  const cluster = inv.addCluster(zone.uuid, "cluster-1");
  inv.addHost(cluster.uuid, "host-1", "10.0.0.2");
  inv.addPrimaryStorage(zone.uuid, "ps-1");
  const offering = inv.addInstanceOffering("small", 2, 2 * 1024 ** 3);
  const l3 = inv.addL3Network(zone.uuid, "net-1", "192.168.10.0/24");
  if (opts.backupStorage ?? true) inv.addBackupStorage([zone.uuid], "bs-1", 100 * 1024 ** 3);
  const user = opts.user ?? { name: "alice", password: "s3cret-pw", project: "tenant-a" };
  const { project } = createCsbsUser(ctx, user);
  return {
    zoneUuid: zone.uuid,
    offeringUuid: offering.uuid,
    l3Uuid: l3.uuid,
    projectId: project.uuid,
    vm: (name, sizes = [4 * 1024 * 1024, 2 * 1024 * 1024]) =>
      inv.createVm({ name, instanceOfferingUuid: offering.uuid, l3NetworkUuids: [l3.uuid], volumes: sizes.map((size) => ({ size })) }),
  };
}
