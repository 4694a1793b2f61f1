import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { backUpVmVolumes } from "../../src/engine/domain/csbs/vm-volume-backup.js";
import { ZStackClient } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dirname, "../..");

/** `backplan engine verify` run from the sources (no build needed), on a stopped engine's data dir. */
function verifyCli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "engine", "verify", ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("engine verify (admin route and offline CLI), SyncVmBackup and damaged data", () => {
  let engine: TestEngine;
  let c: ZStackClient;
  let bs: any;
  let vm: any;
  let groups: { groupUuid: string; ids: string[] }[] = [];
  let source: string;

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    c = new ZStackClient(engine.url);
    await c.login();
    [bs] = await c.query("/zstack/v1/backup-storage");
    vm = await c.adminVm("verified", [8 * MiB, MiB]);
    await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(8 * MiB));
    await c.writeVolume(vm.allVolumes[1].uuid, 0, randomBytes(MiB));
    source = await c.volumeSha256(vm.allVolumes[0].uuid);
    for (const name of ["one", "two"]) {
      const r = await c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name } });
      groups.push({ groupUuid: r.inventories[0].groupUuid, ids: r.inventories.map((b: any) => b.uuid) });
    }
  });
  afterAll(() => engine.dispose());

  it("passes on intact data, online and offline", async () => {
    const r = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, backupStorageUuid: bs.uuid, problems: [], missing: [] });
    expect(r.json.chunksChecked).toBeGreaterThanOrEqual(3);
    const unknown = await c.request("POST", "/engine/v1/backup-storages/00000000000000000000000000000000/verify");
    expect(unknown.status).toBe(404);
  });

  it("offline: exit 1 naming a corrupt chunk and a backup whose manifest is gone; SyncVmBackup forgets it; a restore reports the damage", async () => {
    const dataDir = engine.dataDir;
    await engine.close();
    const manifest = JSON.parse(readFileSync(join(bs.url, "manifests", `${groups[0]!.ids[0]}.json`), "utf8"));
    const hash: string = manifest.chunks[1];
    const chunk = join(bs.url, "chunks", hash.slice(0, 2), hash);
    const good = readFileSync(chunk);
    const bad = Buffer.from(good);
    bad[100] = bad[100]! ^ 1;
    writeFileSync(chunk, bad);
    const gone = groups[1]!.ids[1]!; // the data volume's backup of the second group
    rmSync(join(bs.url, "manifests", `${gone}.json`));

    const damaged = verifyCli("--data", dataDir, bs.uuid);
    expect(damaged.status, damaged.out).toBe(1);
    expect(damaged.out).toContain("DAMAGED");
    expect(damaged.out).toContain(`corrupt_chunk ${hash}`);
    expect(damaged.out).toContain(`missing_backup ${gone}`);
    const json = verifyCli("--data", dataDir, "--json");
    expect(json.status).toBe(1);
    expect(JSON.parse(json.out.slice(json.out.indexOf("{")))).toMatchObject({ ok: false });
    const wrong = verifyCli("--data", dataDir, "ffffffffffffffffffffffffffffffff");
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toContain("ffffffffffffffffffffffffffffffff");

    engine = await startTestEngine({ dataDir });
    c = new ZStackClient(engine.url);
    await c.login();
    // A restore through a corrupt chunk fails with an API error rather than write wrong bytes.
    const restore = await c.call("POST", `/zstack/v1/vm-instances/from/vm-backups/${groups[0]!.groupUuid}`, { params: { name: "bad", backupStorageUuid: bs.uuid } });
    expect(restore.status).toBe(503);
    expect(restore.json.error.details).toContain(hash);
    // SyncVmBackup reconciles the records with the store: the backup without data is forgotten.
    const synced = await c.ok("PUT", `/zstack/v1/vm-backups/imageStore/${bs.uuid}/actions`, { syncVmBackup: {} });
    expect(synced.result).toMatchObject({ deletedBackupCount: 1, newBackupCount: 0 });
    expect(await c.query(`/zstack/v1/volume-backups/${gone}`)).toEqual([]);
    writeFileSync(chunk, good);
    const after = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(after.json).toMatchObject({ ok: true, problems: [], missing: [] });
    const restored = (await c.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${groups[0]!.groupUuid}`, { params: { name: "good", backupStorageUuid: bs.uuid } })).inventory;
    expect(await c.volumeSha256(restored.allVolumes[0].uuid)).toBe(source);
  });

  it("CSBS checkpoint copies are incremental: the second copy of a volume reads and stores only the chunk written since", async () => {
    const { inventory, backupStore } = engine.context;
    const item = await c.adminVm("csbs-incremental", [16 * MiB]);
    await c.writeVolume(item.allVolumes[0].uuid, 0, randomBytes(16 * MiB));
    const first = await backUpVmVolumes(inventory, backupStore, item.uuid, "00000000000000000000000000000001", () => undefined);
    expect(first[0]).toMatchObject({ mode: "full", storedSize: 16 * MiB });
    await c.writeVolume(item.allVolumes[0].uuid, 5 * MiB, randomBytes(4096));
    const second = await backUpVmVolumes(inventory, backupStore, item.uuid, "00000000000000000000000000000002", () => undefined);
    expect(second[0]).toMatchObject({ mode: "incremental", storedSize: 4 * MiB });
    const dest = join(engine.dataDir, "csbs-restore.raw");
    await backupStore.restore(second[0]!.storageDir, second[0]!.backupId, dest);
    expect(createHash("sha256").update(readFileSync(dest)).digest("hex")).toBe(await c.volumeSha256(item.allVolumes[0].uuid));
    rmSync(dest);
  });
});
