import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killHard, startEngineProcess, verifyOffline, type EngineProcess } from "../support/engine-process.js";
import { sleep, waitFor, ZStackClient } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

describe("engine crash safety (kill -9 of a real engine process)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-crash-engine-"));
  let running: EngineProcess | undefined;
  afterAll(async () => {
    if (running) await killHard(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("killed during a backup, a CDP journal append and a GC: nothing is half-visible, verify passes, everything restores", async () => {
    running = await startEngineProcess(dataDir, true);
    let c = new ZStackClient(running.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const [offering] = await c.query("/zstack/v1/instance-offerings");
    const backedUp = await c.adminVm("backed-up", [24 * MiB]);
    const vol = backedUp.allVolumes[0].uuid;
    for (let off = 0; off < 24 * MiB; off += 8 * MiB) await c.writeVolume(vol, off, randomBytes(8 * MiB));
    const backedUpHash = await c.volumeSha256(vol);
    const backup = () => c.ok("POST", `/zstack/v1/volumes/${backedUp.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name: "b" } });
    await backup();
    await backup();

    const protectedVm = await c.adminVm("protected", [2 * MiB]);
    const pvol = protectedVm.allVolumes[0].uuid;
    const policy = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "1s", recoveryPointPerSecond: 1 } })).inventory;
    const task = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "t", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [protectedVm.uuid] },
    })).inventory;
    await waitFor(async () => ((await c.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), "CDP Running");

    for (let round = 0; round < 2; round++) {
      // In flight at once: a new backup, a delete (its GC) of an older group, and a stream of journaled writes.
      const groups = [...new Set((await c.query(`/zstack/v1/volume-backups?q=volumeUuid=${vol}`)).map((b: any) => b.groupUuid))];
      const started = c.request("POST", `/zstack/v1/volumes/${backedUp.rootVolumeUuid}/vm-backups`, { body: { params: { backupStorageUuid: bs.uuid, name: `b${round}` } } });
      const deleting = c.request("DELETE", `/zstack/v1/vm-backups/${groups[0]}`);
      let writing = true;
      const writer = (async () => {
        while (writing) await c.writeVolume(pvol, randomInt(0, 2 * MiB - 65536), randomBytes(65536)).catch(() => (writing = false));
      })();
      await Promise.all([started, deleting]);
      await sleep(randomInt(30, 250));
      await killHard(running);
      writing = false;
      await writer;

      const offline = verifyOffline(dataDir);
      expect(offline.out).toContain("OK");
      expect(offline.status, offline.out).toBe(0);

      running = await startEngineProcess(dataDir, false);
      c = new ZStackClient(running.url);
      await c.login();
      // Nothing of an interrupted operation is listed: every listed group restores byte-exact.
      const listed = await c.query(`/zstack/v1/volume-backups?q=volumeUuid=${vol}`);
      for (const g of new Set(listed.map((b: any) => b.groupUuid))) {
        const vm = (await c.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${g}`, { params: { name: `r-${round}`, backupStorageUuid: bs.uuid, strategy: "CreateStopped" } })).inventory;
        expect(await c.volumeSha256(vm.allVolumes[0].uuid)).toBe(backedUpHash);
        await c.ok("DELETE", `/zstack/v1/vm-instances/${vm.uuid}?deleteMode=Permissive`);
      }
      // No manifest is left that the engine does not list (and no listed backup lacks its manifest: verify).
      const manifests = readdirSync(join(bs.url, "manifests")).map((f) => f.replace(/\.json$/, ""));
      const vmBackupIds = new Set(listed.map((b: any) => b.uuid));
      expect(manifests.filter((m) => !vmBackupIds.has(m) && !m.includes("-"))).toEqual([]);
      // The CDP task resumes; its newest point equals the volume as it is now, earlier points still restore.
      const now = await c.volumeSha256(pvol);
      const seen = Math.max(...Object.keys((await c.get(`/zstack/v1/vm-instances/${protectedVm.uuid}/recovery-points`)).json.recoveryPoints).map(Number));
      const points = await waitFor(async () => {
        const ids = Object.keys((await c.get(`/zstack/v1/vm-instances/${protectedVm.uuid}/recovery-points`)).json.recoveryPoints).map(Number);
        return Math.max(...ids) > seen ? ids.sort((a, b) => a - b) : undefined;
      }, "a recovery point after the restart");
      expect((await c.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status).toBe("Running");
      for (const groupId of [points[0]!, points.at(-1)!]) {
        const vm = (await c.ok("PUT", "/zstack/v1/cdp-backups/actions", { createVmFromCdpBackup: { name: `cdp-${groupId}`, groupId, cdpTaskUuid: task.uuid, instanceOfferingUuid: offering.uuid } })).inventory;
        if (groupId === points.at(-1)) expect(await c.volumeSha256(vm.allVolumes[0].uuid)).toBe(now);
        await c.ok("DELETE", `/zstack/v1/vm-instances/${vm.uuid}?deleteMode=Permissive`);
      }
      const online = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
      expect(online.json).toMatchObject({ ok: true, problems: [], missing: [] });
      await backup();
    }
    await killHard(running);
  }, 240_000);
});
