import type { EngineContext } from "../context.js";
import type { Accounts, AccessKey } from "./accounts.js";
import type { Inventory, VmInstance } from "./inventory.js";
import { engineServices } from "./services.js";

/** Marks the AccessKey the demo lab creates, so `engine serve --demo` can print it on every start. */
export const DEMO_ACCESS_KEY_DESCRIPTION = "demo lab automation key";

const MiB = 1024 * 1024;

const DEMO_VMS: readonly { name: string; description: string; rootMiB: number; dataMiB: number; offering: 0 | 1 }[] = [
  { name: "web-1", description: "nginx front end", rootMiB: 32, dataMiB: 16, offering: 0 },
  { name: "web-2", description: "nginx front end", rootMiB: 32, dataMiB: 16, offering: 0 },
  { name: "db-1", description: "PostgreSQL primary", rootMiB: 32, dataMiB: 48, offering: 1 },
  { name: "app-1", description: "application server", rootMiB: 32, dataMiB: 24, offering: 1 },
];

/**
 * Seeds the demo lab into an engine whose inventory is empty: one zone with a cluster, a host, local primary
 * storage, two instance offerings, a private L3 network, an ImageStore backup storage, four VMs with a root and a
 * data volume each holding some recognisable bytes, and an AccessKey for the `admin` account. Does nothing when
 * the inventory already has a zone, so a restarted engine keeps its data. Returns whether it seeded.
 */
export async function seedDemoOnce(ctx: EngineContext): Promise<boolean> {
  if (ctx.inventory.zones.size > 0) return false;
  const { accounts } = engineServices(ctx);
  await seedDemo(ctx.inventory, accounts);
  return true;
}

async function seedDemo(inv: Inventory, accounts: Accounts): Promise<void> {
  const zone = inv.addZone("ZONE-1", "demo zone");
  const cluster = inv.addCluster(zone.uuid, "CLUSTER-1");
  inv.addHost(cluster.uuid, "HOST-1", "172.20.0.11");
  inv.addPrimaryStorage(zone.uuid, "PS-LOCAL-1");
  const offerings = [inv.addInstanceOffering("1C2G", 1, 2 * 1024 * MiB, "1 vCPU, 2 GiB"), inv.addInstanceOffering("4C8G", 4, 8 * 1024 * MiB, "4 vCPU, 8 GiB")];
  const l3 = inv.addL3Network(zone.uuid, "L3-PRIVATE", "192.168.100.0/24", "demo private network");
  inv.addBackupStorage([zone.uuid], "IMAGESTORE-1", 1024 * 1024 * MiB, "demo ImageStore backup storage");
  for (const spec of DEMO_VMS) {
    const vm = await inv.createVm({
      name: spec.name,
      description: spec.description,
      instanceOfferingUuid: offerings[spec.offering]!.uuid,
      l3NetworkUuids: [l3.uuid],
      volumes: [{ size: spec.rootMiB * MiB }, { size: spec.dataMiB * MiB }],
    });
    await fillVolumes(inv, vm);
  }
  const admin = accounts.ensureAdmin();
  accounts.createAccessKey(admin.uuid, DEMO_ACCESS_KEY_DESCRIPTION);
}

/** Writes a boot-sector-like header, a text file and a few scattered blocks into each volume. */
async function fillVolumes(inv: Inventory, vm: VmInstance): Promise<void> {
  for (const vol of inv.vmVolumes(vm.uuid)) {
    const header = Buffer.alloc(512);
    header.write(`backplan demo ${vol.type} volume of ${vm.name}`, 0, "utf8");
    header[510] = 0x55;
    header[511] = 0xaa;
    await inv.writeVolume(vol.uuid, 0, header);
    const text = Buffer.from(`${vm.name} (${vm.uuid}) ${vol.type.toLowerCase()} disk\n`.repeat(2048), "utf8");
    await inv.writeVolume(vol.uuid, MiB, text.subarray(0, Math.min(text.length, vol.size - MiB)));
    for (let i = 1; i <= 4; i++) {
      const offset = Math.floor((vol.size * i) / 5);
      const block = Buffer.alloc(64 * 1024, (i * 37 + vol.deviceId) & 0xff);
      await inv.writeVolume(vol.uuid, offset - (offset % 4096), block);
    }
  }
}

/** The demo AccessKey, when the lab was seeded. */
export function demoAccessKey(accounts: Accounts): AccessKey | undefined {
  return accounts.accessKeys().find((k) => k.description === DEMO_ACCESS_KEY_DESCRIPTION);
}
