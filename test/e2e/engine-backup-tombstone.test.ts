import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { engineServices } from "../../src/engine/domain/services.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { ZStackClient } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

/**
 * Issue 15 item 5 made deterministic: the state a crash leaves in the middle of DeleteVmBackup — the tombstone
 * written, the backup records gone, the group descriptor and the data still on disk — is built by hand between
 * two runs of the engine on one data dir. The next start must finish the delete; SyncVmBackup must not list the
 * deleted backups again. (The SIGKILL version, test/e2e/engine-hardening-crash.test.ts, depends on where its
 * kills land.)
 */
describe("an interrupted backup delete is finished (at start, or by the delete sent again) and never listed again", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-tombstone-"));
  let engine: TestEngine | undefined;
  afterAll(async () => {
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A VM with two backups, `kept` and `doomed`, through `c`; the doomed group's backup uuids. */
  const twoBackups = async (c: ZStackClient, name: string) => {
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const vm = await c.adminVm(name, [2 * MiB]);
    await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(2 * MiB));
    const backup = async (name: string) =>
      (await c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name } })).inventories[0].groupUuid as string;
    const kept = await backup("kept");
    const doomed = await backup("doomed");
    const ids = (await c.query(`/zstack/v1/volume-backups?q=groupUuid=${doomed}`)).map((b: any) => b.uuid as string);
    expect(ids.length).toBeGreaterThan(0);
    return { bs, kept, doomed, ids };
  };

  it("tombstone left, records gone, data present: the restart removes the data; SyncVmBackup lists nothing of it", async () => {
    engine = await startTestEngine({ demo: true, dataDir });
    let c = new ZStackClient(engine.url);
    await c.login();
    const { bs, kept, doomed, ids } = await twoBackups(c, "victim");
    await engine.close();
    engine = undefined;

    // Phase one of the delete as deleteGroup does it, then the crash: tombstone durable, records deleted.
    writeFileSync(join(bs.url, "vm-backup-groups", `${doomed}.deleting`), JSON.stringify({ groupUuid: doomed, backupUuids: ids }));
    const db = new Database(join(dataDir, "engine.db"));
    for (const id of ids) db.prepare("DELETE FROM objects WHERE kind = 'volume-backup' AND uuid = ?").run(id);
    db.close();
    const manifests = () => readdirSync(join(bs.url, "manifests")).filter((m) => ids.some((id) => m === `${id}.json`));
    expect(manifests()).toHaveLength(ids.length);

    engine = await startTestEngine({ dataDir });
    c = new ZStackClient(engine.url);
    await c.login();
    await c.ok("PUT", `/zstack/v1/vm-backups/imageStore/${bs.uuid}/actions`, { syncVmBackup: {} });
    expect(await c.query(`/zstack/v1/volume-backups?q=groupUuid=${doomed}`)).toEqual([]);
    expect(manifests()).toEqual([]);
    expect(readdirSync(join(bs.url, "vm-backup-groups")).filter((n) => n.startsWith(doomed))).toEqual([]);
    expect((await c.query(`/zstack/v1/volume-backups?q=groupUuid=${kept}`)).length).toBeGreaterThan(0);
    const verify = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(verify.json).toMatchObject({ ok: true, problems: [], missing: [] });
  });

  it("the same state left by another engine node that died (this one running): DeleteVmBackup sent again finishes it", async () => {
    const c = new ZStackClient(engine!.url);
    await c.login();
    const { bs, kept, doomed, ids } = await twoBackups(c, "victim-2");

    // What a node killed in the middle of DeleteVmBackup leaves, made while this engine serves: the tombstone
    // written, the records gone (as another node's writes arrive), the descriptor and the data still there.
    writeFileSync(join(bs.url, "vm-backup-groups", `${doomed}.deleting`), JSON.stringify({ groupUuid: doomed, backupUuids: ids }));
    const { vmBackups } = engineServices(engine!.context);
    for (const id of ids) vmBackups.backups.delete(id);
    const manifests = () => readdirSync(join(bs.url, "manifests")).filter((m) => ids.some((id) => m === `${id}.json`));
    expect(manifests()).toHaveLength(ids.length);
    expect(await c.query(`/zstack/v1/volume-backups?q=groupUuid=${doomed}`)).toEqual([]);

    await c.ok("DELETE", `/zstack/v1/vm-backups/${doomed}`);
    expect(manifests()).toEqual([]);
    expect(readdirSync(join(bs.url, "vm-backup-groups")).filter((n) => n.startsWith(doomed))).toEqual([]);
    expect((await c.query(`/zstack/v1/volume-backups?q=groupUuid=${kept}`)).length).toBeGreaterThan(0);
    const verify = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(verify.json).toMatchObject({ ok: true, problems: [], missing: [] });
  });
});
