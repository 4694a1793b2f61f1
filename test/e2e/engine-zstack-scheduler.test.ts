import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, startLab, TestClock, UUID, waitFor, ZSTACK_DATE, type Lab } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

/** The engine's scheduled backups: volume backups, scheduler jobs and triggers, and the runner, over HTTP. */
describe("ZStack volume backups and scheduled backups", () => {
  const clock = new TestClock();
  let lab: Lab;
  let vm: any;
  let dataVol: any;

  beforeAll(async () => {
    lab = await startLab({ clock });
    vm = await lab.client.adminVm("scheduled", [2 * MiB, MiB]);
    dataVol = vm.allVolumes[1];
  });
  afterAll(() => lab.engine.dispose());

  const rootBackups = async () => (await lab.client.query(`/zstack/v1/volume-backups?q=vmInstanceUuid=${vm.uuid}&q=type=Root`)).filter((b) => b.groupUuid);
  const backupSha = async (uuid: string) => (await lab.client.get(`/engine/v1/volume-backups/${uuid}/sha256`)).json.volumes[0].sha256;

  it("backs up one volume under the requested name, reverts it byte-exact and deletes it", async () => {
    await lab.client.writeVolume(dataVol.uuid, 4096, randomBytes(64 * 1024));
    const before = await lab.client.volumeSha256(dataVol.uuid);
    const made = (await lab.client.ok("POST", `/zstack/v1/volumes/${dataVol.uuid}/volume-backups`, {
      params: { backupStorageUuid: lab.bs.uuid, name: "nightly", description: "one volume", resourceUuid: "aaaa1111222233334444555566667777" },
    })).inventory;
    expect(made).toMatchObject({ uuid: "aaaa1111222233334444555566667777", name: "nightly", description: "one volume", volumeUuid: dataVol.uuid, type: "Data", status: "Ready", size: MiB });
    expect(made.groupUuid).toBeUndefined();
    expect(made.createDate).toMatch(ZSTACK_DATE);
    expect(await lab.client.query(`/zstack/v1/volume-backups/${made.uuid}`)).toEqual([made]);
    expect(await backupSha(made.uuid)).toBe(before);

    await lab.client.writeVolume(dataVol.uuid, 0, randomBytes(8192));
    expect(await lab.client.volumeSha256(dataVol.uuid)).not.toBe(before);
    await lab.client.ok("PUT", `/zstack/v1/volume-backups/${made.uuid}/actions`, { revertVolumeFromVolumeBackup: {} });
    expect(await lab.client.volumeSha256(dataVol.uuid)).toBe(before);

    await lab.client.ok("DELETE", `/zstack/v1/volume-backups/${made.uuid}?deleteMode=Permissive`);
    expect(await lab.client.query(`/zstack/v1/volume-backups/${made.uuid}`)).toEqual([]);
    await lab.client.ok("DELETE", `/zstack/v1/volume-backups/${made.uuid}`);
  });

  it("refuses what ZStack's scheduler would not run, naming the field", async () => {
    const badCron = await lab.client.call("POST", "/zstack/v1/scheduler/triggers", { params: { name: "t", schedulerType: "cron", cron: "*/2 * * * * *" } });
    expect(badCron.json.error.details).toContain("day-of-month and day-of-week");
    const noBs = await lab.client.call("POST", "/zstack/v1/scheduler/jobs", { params: { name: "j", type: "vmBackup", targetResourceUuid: vm.uuid } });
    expect(noBs.json.error.details).toContain("parameters.backupStorageUuid");
    const startVm = await lab.client.call("POST", "/zstack/v1/scheduler/jobs", {
      params: { name: "j", type: "startVm", targetResourceUuid: vm.uuid, parameters: { backupStorageUuid: lab.bs.uuid } },
    });
    expect(startVm.json.error.details).toContain("vmBackup or volumeBackup");
  });

  it("a cron trigger takes real VM backups that restore byte-exact", async () => {
    const job = (await lab.client.ok("POST", "/zstack/v1/scheduler/jobs", {
      params: { name: "every-2s", type: "vmBackup", targetResourceUuid: vm.uuid, parameters: { backupStorageUuid: lab.bs.uuid } },
    })).inventory;
    expect(job).toMatchObject({ name: "every-2s", targetResourceUuid: vm.uuid, state: "Enabled", triggersUuid: [] });
    const trigger = (await lab.client.ok("POST", "/zstack/v1/scheduler/triggers", { params: { name: "cron-2s", schedulerType: "cron", cron: "*/2 * * * * ?" } })).inventory;
    expect(trigger).toMatchObject({ schedulerType: "cron", cron: "*/2 * * * * ?", startTime: expect.stringMatching(ZSTACK_DATE) });
    await lab.client.ok("POST", `/zstack/v1/scheduler/jobs/${job.uuid}/scheduler/triggers/${trigger.uuid}`);
    expect((await lab.client.query(`/zstack/v1/scheduler/jobs/${job.uuid}`))[0].triggersUuid).toEqual([trigger.uuid]);
    expect((await lab.client.query(`/zstack/v1/scheduler/triggers/${trigger.uuid}`))[0].jobsUuid).toEqual([job.uuid]);

    /**
     * Writes new bytes and waits for two scheduled backups recorded after the write: runs of one job never
     * overlap, so the second of them started after the write and must hold exactly these bytes.
     */
    const writeAndCatch = async (): Promise<{ group: string; sums: string[] }> => {
      for (const v of vm.allVolumes) await lab.client.writeVolume(v.uuid, 0, randomBytes(32 * 1024));
      const sums = await Promise.all(vm.allVolumes.map((v: any) => lab.client.volumeSha256(v.uuid)));
      const known = new Set((await rootBackups()).map((b) => b.uuid));
      const fresh = await waitFor(async () => {
        // Moving the engine's clock past a firing makes the next tick fire without waiting in real time.
        clock.advance(2000);
        const now = (await rootBackups()).filter((b) => !known.has(b.uuid));
        return now.length >= 2 ? now : undefined;
      }, "two scheduled VM backups");
      const newest = fresh.sort((a, b) => Date.parse(a.createDate) - Date.parse(b.createDate)).at(-1)!;
      expect(newest.name).toMatch(/^every-2s-\d{4}-/);
      return { group: newest.groupUuid, sums };
    };

    const first = await writeAndCatch();
    const second = await writeAndCatch();
    expect(second.sums).not.toEqual(first.sums);
    for (const { group, sums } of [first, second]) {
      const restored = (await lab.client.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${group}`, { params: { name: `restored-${group}`, strategy: "CreateStopped" } })).inventory;
      expect(await Promise.all(restored.allVolumes.map((v: any) => lab.client.volumeSha256(v.uuid)))).toEqual(sums);
    }

    // Deleting the trigger stops the schedule.
    await lab.client.ok("DELETE", `/zstack/v1/scheduler/triggers/${trigger.uuid}`);
    expect((await lab.client.query(`/zstack/v1/scheduler/jobs/${job.uuid}`))[0].triggersUuid).toEqual([]);
    await sleep(600); // a backup already running finishes
    const settled = (await rootBackups()).length;
    clock.advance(10_000);
    await sleep(1200);
    expect((await rootBackups()).length).toBe(settled);
    await lab.client.ok("DELETE", `/zstack/v1/scheduler/jobs/${job.uuid}`);
    expect(await lab.client.query(`/zstack/v1/scheduler/jobs/${job.uuid}`)).toEqual([]);
  });

  it("a simple trigger fires repeatCount times in all, taking volume backups of the job's volume", async () => {
    const job = (await lab.client.ok("POST", "/zstack/v1/scheduler/jobs", {
      params: { name: "data-vol", type: "volumeBackup", targetResourceUuid: dataVol.uuid, parameters: { backupStorageUuid: lab.bs.uuid } },
    })).inventory;
    const trigger = (await lab.client.ok("POST", "/zstack/v1/scheduler/triggers", {
      params: { name: "twice", schedulerType: "simple", schedulerInterval: 60, repeatCount: 2, startTime: Math.floor(clock.now() / 1000) + 30 },
    })).inventory;
    expect(trigger).toMatchObject({ schedulerInterval: 60, repeatCount: 2, stopTime: expect.stringMatching(ZSTACK_DATE) });
    expect(trigger.uuid).toMatch(UUID);
    await lab.client.ok("POST", `/zstack/v1/scheduler/jobs/${job.uuid}/scheduler/triggers/${trigger.uuid}`);
    const mine = async () => (await lab.client.query(`/zstack/v1/volume-backups?q=volumeUuid=${dataVol.uuid}&q=name=data-vol`));

    await sleep(600);
    expect(await mine()).toHaveLength(0); // the start time has not come
    for (const expected of [1, 2]) {
      clock.advance(60_000);
      await waitFor(async () => ((await mine()).length === expected ? true : undefined), `scheduled volume backup ${expected}`);
    }
    clock.advance(120_000);
    await sleep(1200);
    const backups = await mine();
    expect(backups).toHaveLength(2);
    expect(backups.every((b) => b.groupUuid === undefined && b.type === "Data")).toBe(true);
    expect(await backupSha(backups[1].uuid)).toBe(await lab.client.volumeSha256(dataVol.uuid));
  });
});
