import { mkdtempSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storageRoots } from "../storage/storage-roots.js";
import { SqliteMetadataStore } from "../store/sqlite-store.js";
import { systemClock } from "./clock.js";
import { Inventory } from "./inventory.js";

let dir: string;
let db: SqliteMetadataStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "backplan-inventory-roots-"));
  db = new SqliteMetadataStore(join(dir, "data"));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function labVm(inventory: Inventory) {
  const zone = inventory.addZone("z");
  const cluster = inventory.addCluster(zone.uuid, "c");
  inventory.addHost(cluster.uuid, "h", "10.0.0.1");
  const ps = inventory.addPrimaryStorage(zone.uuid, "ps");
  const bs = inventory.addBackupStorage([zone.uuid], "bs", 1 << 30);
  const offering = inventory.addInstanceOffering("o", 1, 1 << 30);
  const l3 = inventory.addL3Network(zone.uuid, "n", "10.0.1.0/24");
  const vm = await inventory.createVm({ name: "vm", instanceOfferingUuid: offering.uuid, l3NetworkUuids: [l3.uuid], volumes: [{ size: 1 << 20 }] });
  return { ps, bs, volume: inventory.volumes.get(vm.rootVolumeUuid)! };
}

describe("Inventory storage roots", () => {
  it("puts primary storages (volume files) and backup storages in the data dir by default", async () => {
    const { ps, bs, volume } = await labVm(new Inventory(db, join(dir, "data"), systemClock));
    expect(ps.url).toBe(join(dir, "data", "primary", ps.uuid));
    expect(bs.url).toBe(join(dir, "data", "backup", bs.uuid));
    expect(volume.installPath).toBe(join(ps.url, `${volume.uuid}.raw`));
    expect((await stat(volume.installPath)).size).toBe(1 << 20);
  });

  it("puts them in the --primary-storage directory when one is given", async () => {
    const shared = join(dir, "shared");
    const { ps, bs, volume } = await labVm(new Inventory(db, join(dir, "data"), systemClock, storageRoots(join(dir, "data"), shared)));
    expect(ps.url).toBe(join(shared, ps.uuid));
    expect(bs.url).toBe(join(shared, "backup", bs.uuid));
    expect(volume.installPath.startsWith(`${shared}/`)).toBe(true);
    expect((await stat(bs.url)).isDirectory()).toBe(true);
  });
});
