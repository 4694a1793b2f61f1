import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHUTDOWN_MESSAGE } from "../../src/engine/domain/jobs.js";
import { startLab, waitFor, ZStackClient, type Lab } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;

/** Close an engine and reopen its data dir: the same answers, the demo lab not seeded twice, cut-off jobs failed. */
describe("ZStack engine restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-zstack-restart-"));
  let lab: Lab | undefined;
  afterAll(async () => {
    await lab?.engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves exactly what it served before, and fails the job that was running", async () => {
    lab = await startLab({ dataDir });
    const c = lab.client;
    const session = (c.auth as { session: string }).session;
    const policy = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "keep", recoveryPointPerSecond: 1 } })).inventory;
    const stopped = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "stopped", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [lab.vms[0].uuid] },
    })).inventory;
    const running = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "running", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [lab.vms[1].uuid] },
    })).inventory;
    await waitFor(async () => ((await c.query(`/zstack/v1/cdp-task/${stopped.uuid}`))[0].status === "Running" ? true : undefined), "first task running");
    await c.ok("POST", `/zstack/v1/cdp-task/disable/${stopped.uuid}`, { params: {} });
    await c.ok("POST", `/zstack/v1/volumes/${lab.vms[2].rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: lab.bs.uuid, name: "before-restart" } });

    const paths = [
      "/zstack/v1/zones",
      "/zstack/v1/clusters",
      "/zstack/v1/hosts",
      "/zstack/v1/primary-storage",
      "/zstack/v1/instance-offerings",
      "/zstack/v1/l3-networks",
      "/zstack/v1/backup-storage",
      "/zstack/v1/vm-instances",
      "/zstack/v1/volumes",
      "/zstack/v1/volume-backups",
      "/zstack/v1/cdp-backup-storage/policy",
      `/zstack/v1/cdp-task/${stopped.uuid}`,
      `/zstack/v1/vm-instances/${lab.vms[0].uuid}/recovery-points`,
    ];
    const before = await Promise.all(paths.map((p) => c.get(p).then((r) => r.json)));
    const sums = await Promise.all(lab.vms[3].allVolumes.map((v: any) => c.volumeSha256(v.uuid)));
    const runningPointsBefore = Object.keys((await c.get(`/zstack/v1/vm-instances/${lab.vms[1].uuid}/recovery-points`)).json.recoveryPoints).length;

    // A bandwidth-limited backup (1 MiB at 1 MiB/s): still running when the engine stops.
    const slowVm = await c.adminVm("slow", [MiB]);
    await c.writeVolume(slowVm.allVolumes[0].uuid, 0, randomBytes(MiB));
    const before2 = await Promise.all(paths.slice(7, 10).map((p) => c.get(p).then((r) => r.json)));
    const slow = await c.request("POST", `/zstack/v1/volumes/${slowVm.rootVolumeUuid}/vm-backups`, {
      body: { params: { backupStorageUuid: lab.bs.uuid, name: "cut-off", volumeReadBandwidth: MiB } },
    });
    expect(slow.status).toBe(202);
    expect((await c.request("GET", new URL(slow.json.location).pathname)).status).toBe(202);
    await lab.engine.close();

    lab = await startLab({ dataDir });
    const again = new ZStackClient(lab.engine.url);
    again.auth = { session };
    const after = await Promise.all(paths.map((p) => again.get(p).then((r) => r.json)));
    // The demo lab was not seeded a second time; the VMs listed include the one made before the restart.
    expect(after.slice(0, 7)).toEqual(before.slice(0, 7));
    expect(after.slice(7, 10)).toEqual(before2);
    expect(after.slice(10)).toEqual(before.slice(10));
    expect(await Promise.all(lab.vms[3].allVolumes.map((v: any) => again.volumeSha256(v.uuid)))).toEqual(sums);

    const job = await again.request("GET", `/zstack/v1/api-jobs/${new URL(slow.json.location).pathname.split("/").pop()}`);
    expect(job.status).toBe(503);
    expect(job.json.error.details).toBe(SHUTDOWN_MESSAGE);
    expect(await again.query("/zstack/v1/volume-backups?q=name~=cut-off%")).toEqual([]);

    // The enabled task resumed: it keeps cutting recovery points after the restart.
    await waitFor(async () => {
      const r = await again.get(`/zstack/v1/vm-instances/${lab!.vms[1].uuid}/recovery-points`);
      return Object.keys(r.json.recoveryPoints).length > runningPointsBefore ? true : undefined;
    }, "a recovery point after the restart");
    expect((await again.query(`/zstack/v1/cdp-task/${running.uuid}`))[0]).toMatchObject({ status: "Running", state: "Enabled" });
  });
});
