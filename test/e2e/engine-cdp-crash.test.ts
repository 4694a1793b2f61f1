import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killHard, startEngineProcess, verifyOffline, type EngineProcess } from "../support/engine-process.js";
import { sha256, sleep, waitFor, ZStackClient } from "./engine-zstack-client.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The engine SIGKILLed during a burst of CDP-journaled volume writes while a CDP task is being deleted (its
 * delete runs the journal removal and GC). After a restart: every acknowledged write is on the volume, the
 * deleted task stays deleted (not listed, its journal gone, not back after a second restart), the other task
 * keeps running, and offline `engine verify` is clean.
 */
describe("engine killed during CDP writes and a CDP task delete", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-cdp-crash-"));
  let running: EngineProcess | undefined;
  afterAll(async () => {
    if (running) await killHard(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("acknowledged writes are durable, a deleted task stays deleted, verify is clean", async () => {
    running = await startEngineProcess(dataDir, true);
    let c = new ZStackClient(running.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    const policy = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "1s", recoveryPointPerSecond: 1 } })).inventory;
    const protect = async (name: string) => {
      const vm = await c.adminVm(name, [MiB]);
      const task = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
        params: { name, taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid] },
      })).inventory;
      await waitFor(async () => ((await c.query(`/zstack/v1/cdp-task/${task.uuid}`))[0].status === "Running" ? true : undefined), `${name} Running`);
      return { vm, task, volume: vm.allVolumes[0].uuid as string };
    };
    const kept = await protect("kept");
    const doomed = await protect("doomed");
    await c.writeVolume(doomed.volume, 0, randomBytes(MiB));

    // One writer, one write in flight at a time: the mirror holds every acknowledged write.
    const mirror = Buffer.alloc(MiB);
    let inFlight: { offset: number; data: Buffer } | undefined;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const data = randomBytes(randomInt(1, 64 * KiB));
        const offset = randomInt(0, MiB - data.length);
        inFlight = { offset, data };
        try {
          await c.writeVolume(kept.volume, offset, data);
        } catch {
          return; // the engine died under this write: it was never acknowledged
        }
        data.copy(mirror, offset);
        inFlight = undefined;
      }
    })();
    await sleep(300);
    const deleting = await c.request("DELETE", `/zstack/v1/cdp-task/${doomed.task.uuid}`);
    expect(deleting.status).toBe(202);
    await sleep(randomInt(0, 60));
    await killHard(running);
    writing = false;
    await writer;

    const offline = verifyOffline(dataDir);
    expect(offline.status, offline.out).toBe(0);

    running = await startEngineProcess(dataDir, false);
    c = new ZStackClient(running.url);
    await c.login();
    const onDisk = await c.volumeSha256(kept.volume);
    const withInFlight = inFlight ? Buffer.from(mirror) : undefined;
    if (inFlight && withInFlight) inFlight.data.copy(withInFlight, inFlight.offset);
    expect([sha256(mirror), ...(withInFlight ? [sha256(withInFlight)] : [])]).toContain(onDisk);

    // The delete was accepted before the kill: either its job never ran (the task is whole and can be deleted
    // again) or it ran (the task is gone with its journal). Either way a second delete leaves it gone for good.
    // A listed task must be whole (a resurrected task whose journal is gone fails verify).
    const online = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(online.json).toMatchObject({ ok: true, problems: [], missing: [] });
    const listed = async () => (await c.query(`/zstack/v1/cdp-task?q=uuid=${doomed.task.uuid}`)).length;
    if ((await listed()) === 1) await c.ok("DELETE", `/zstack/v1/cdp-task/${doomed.task.uuid}`);
    expect(await listed()).toBe(0);
    expect(existsSync(join(bs.url, "cdp", doomed.task.uuid))).toBe(false);
    expect((await c.query(`/zstack/v1/cdp-task/${kept.task.uuid}`))[0].status).toBe("Running");

    await killHard(running);
    running = await startEngineProcess(dataDir, false);
    c = new ZStackClient(running.url);
    await c.login();
    expect(await listed()).toBe(0);
    expect(await c.volumeSha256(kept.volume)).toBe(onDisk);
    await killHard(running);
    const last = verifyOffline(dataDir);
    expect(last.status, last.out).toBe(0);
  }, 120_000);
});
