import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport, VmResult } from "../../src/restoretest/report.js";
import { backplan, cliEnv, finished, startBackplan, terraform } from "./plan-harness.js";
import { startLab, waitFor, type Lab } from "./engine-zstack-client.js";

/**
 * `backplan restore-test` against a real engine: a CDP-protected VM, a backed-up VM and a backed-up VM whose
 * backup was corrupted through the admin API. Each is restored through the public APIs, validated and deleted;
 * the corrupt one fails with the engine's reason; runs killed with SIGINT and SIGKILL leave nothing behind once
 * the next run (or -cleanup) has run.
 */

const MiB = 1024 * 1024;
const TAG = "backplan-restore-test::";

describe("restore-test", () => {
  let lab: Lab;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const vm: Record<string, any> = {};
  const tagged = async () => (await lab.client.query("/zstack/v1/vm-instances")).filter((v) => String(v.description).startsWith(TAG));

  beforeAll(async () => {
    lab = await startLab();
    env = cliEnv({ ZSTACK_ENDPOINT: lab.engine.url, ZSTACK_ACCOUNT_NAME: "admin", ZSTACK_ACCOUNT_PASSWORD: "password" });
    for (const name of ["rt-cdp-1", "rt-bak-1", "rt-bad-1"]) {
      vm[name] = await lab.client.adminVm(name, [2 * MiB, MiB]);
      for (const v of vm[name].allVolumes) await lab.client.writeVolume(v.uuid, 0, randomBytes(256 * 1024));
    }
    const policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "rt", recoveryPointPerSecond: 1 } })).inventory;
    await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "rt-cdp", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [vm["rt-cdp-1"].uuid], maxLatency: 1000 },
    });
    // Points taken after the last write hold exactly the source's current bytes.
    await waitFor(async () => {
      const r = await lab.client.get(`/zstack/v1/vm-instances/${vm["rt-cdp-1"].uuid}/recovery-points`);
      return Object.keys(r.json.recoveryPoints).length >= 3 ? true : undefined;
    }, "three recovery points", 60_000);
    for (const name of ["rt-bak-1", "rt-bad-1"]) {
      await lab.client.ok("POST", `/zstack/v1/volumes/${vm[name].rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: lab.bs.uuid, name: `${name}-backup` } });
    }
    const [bad] = await lab.client.query(`/zstack/v1/volume-backups?q=volumeUuid=${vm["rt-bad-1"].rootVolumeUuid}`);
    const corrupt = await lab.client.request("POST", `/engine/v1/volume-backups/${bad.uuid}/corrupt`, { body: {} });
    expect(corrupt.status, corrupt.text).toBe(200);
    expect(corrupt.json.chunk).toMatch(/^[0-9a-f]{64}$/);

    dir = mkdtempSync(join(tmpdir(), "backplan-restore-"));
    writeFileSync(join(dir, "main.tf"), 'variable "site" {\n  type    = string\n  default = "lab"\n}\n\noutput "site" {\n  value = var.site\n}\n');
    writeFileSync(
      join(dir, "backplan.restore-tests.json"),
      JSON.stringify(
        {
          restore_tests: [
            {
              name: "nightly",
              select: { names: ["rt-*"] },
              point: "latest",
              target: { l3_network_uuids: [lab.l3.uuid], instance_offering_uuid: lab.offering.uuid },
              validate: { running: true, volume_sizes: true, engine_checksums: true },
              rto: "5m",
              parallelism: 2,
            },
          ],
        },
        null,
        2,
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await lab?.engine.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("restores each VM, fails the corrupt one with the engine's reason, deletes every restored VM, writes parseable JUnit", async () => {
    const r = await backplan(["restore-test", "-json-file=report.json", "-junit-file=junit.xml", "-markdown-file=report.md", "."], dir, { env });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rt-cdp-1: restoring CDP point \d+ of task [0-9a-f]{32}/);
    expect(r.stderr).toMatch(/\[ *\d+\.\ds\] rt-bak-1: deleting [0-9a-f]{32}/);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as RunReport;
    expect(report.format).toBe("backplan-restore-test/1");
    const by: Record<string, VmResult> = Object.fromEntries(report.results.map((x) => [x.name ?? x.vm, x]));
    expect(Object.keys(by).sort()).toEqual(["rt-bad-1", "rt-bak-1", "rt-cdp-1"]);
    for (const name of ["rt-cdp-1", "rt-bak-1"]) {
      expect(by[name]!.outcome, JSON.stringify(by[name])).toBe("passed");
      expect(by[name]!.checks.map((c) => c.check)).toEqual(["point", "restore", "running", "volume_sizes", "engine_checksums", "rto"]);
      expect(by[name]!.cleanup.done).toBe(true);
      expect(by[name]!.restoreSeconds).toBeGreaterThan(0);
    }
    expect(by["rt-cdp-1"]!.point!.kind).toBe("cdp");
    expect(by["rt-bak-1"]!.point!.kind).toBe("backup");
    expect(by["rt-cdp-1"]!.checks.find((c) => c.check === "engine_checksums")!.detail).toBe("2 volume(s) byte-identical to the recovery point");
    const bad = by["rt-bad-1"]!;
    expect(bad.outcome).toBe("failed");
    expect(bad.reason).toMatch(/^restore: .*chunk [0-9a-f]{64} .*is corrupt/);
    expect(r.stdout).toContain("FAIL rt-bad-1");
    expect(r.stdout).toContain("2 of 3 VM(s) passed.");

    // The admin checksum of a backup equals the source's volumes (not written since); a corrupt one is refused.
    const [bak] = await lab.client.query(`/zstack/v1/volume-backups?q=volumeUuid=${vm["rt-bak-1"].rootVolumeUuid}`);
    const sums = await lab.client.get(`/engine/v1/vm-backups/${bak.groupUuid}/sha256`);
    expect(sums.status, sums.text).toBe(200);
    expect(sums.json.volumes.map((v: { sha256: string }) => v.sha256)).toEqual([await lab.client.volumeSha256(vm["rt-bak-1"].allVolumes[0].uuid), await lab.client.volumeSha256(vm["rt-bak-1"].allVolumes[1].uuid)]);
    const cdpVm = vm["rt-cdp-1"];
    // The SDK's shape: per groupId, one entry per volume.
    const groups = Object.values((await lab.client.get(`/zstack/v1/vm-instances/${cdpVm.uuid}/recovery-points`)).json.recoveryPoints) as { grpId: number; cdpTaskUuid: string }[][];
    const points = groups.map((g) => ({ groupId: g[0]!.grpId, cdpTaskUuid: g[0]!.cdpTaskUuid }));
    const last = points.sort((a, b) => b.groupId - a.groupId)[0]!;
    const cdpSums = await lab.client.get(`/engine/v1/cdp-tasks/${last.cdpTaskUuid}/recovery-points/${last.groupId}/sha256`);
    expect(cdpSums.status, cdpSums.text).toBe(200);
    expect(cdpSums.json.volumes.map((v: { sha256: string }) => v.sha256)).toEqual([await lab.client.volumeSha256(cdpVm.allVolumes[0].uuid), await lab.client.volumeSha256(cdpVm.allVolumes[1].uuid)]);
    const [badBackup] = await lab.client.query(`/zstack/v1/volume-backups?q=volumeUuid=${vm["rt-bad-1"].rootVolumeUuid}`);
    const badSums = await lab.client.get(`/engine/v1/vm-backups/${badBackup.groupUuid}/sha256`);
    expect(badSums.status).toBe(409);
    expect(badSums.text).toContain("corrupt");

    expect(await tagged()).toEqual([]);
    const names = (await lab.client.query("/zstack/v1/vm-instances")).map((v) => v.name);
    expect(names.filter((n: string) => n.startsWith("brt-"))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["rt-cdp-1", "rt-bak-1", "rt-bad-1"]));

    const lint = spawnSync("xmllint", ["--noout", join(dir, "junit.xml")], { encoding: "utf8" });
    expect(lint.status, lint.stderr).toBe(0);
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    expect(junit).toContain('<testsuites name="backplan restore-test" tests="3" failures="1" errors="0">');
    expect(junit).toMatch(/<testcase classname="nightly" name="rt-bad-1 \([0-9a-f]{32}\)" time="[\d.]+">\n      <failure message="restore: /);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("### Restore test FAILED: 2 of 3 VM(s)");
  }, 240_000);

  it("the directory with its restore tests and history stays valid for Terraform", () => {
    const init = terraform(["init", "-backend=false", "-input=false"], dir);
    expect(init.code, init.stderr).toBe(0);
    const validate = terraform(["validate", "-json"], dir);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
    expect(readFileSync(join(dir, ".backplan/restore-tests.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
  }, 120_000);

  it("SIGINT: deletes what it restored and exits 1", async () => {
    const child = startBackplan(["restore-test", "-keep-for=5m", "."], dir, env);
    const done = finished(child);
    await waitFor(async () => ((await tagged()).length > 0 ? true : undefined), "a restored VM", 120_000);
    child.kill("SIGINT");
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("Interrupt received: deleting restored VMs");
    expect(await tagged()).toEqual([]);
  }, 240_000);

  it("SIGKILL: -cleanup removes the VMs the killed run left, found by their tag; so does the next run", async () => {
    const kill = async () => {
      const child = startBackplan(["restore-test", "-keep-for=5m", "."], dir, env);
      const done = finished(child);
      await waitFor(async () => ((await tagged()).length > 0 ? true : undefined), "a restored VM", 120_000);
      child.kill("SIGKILL");
      await done;
      const left = await tagged();
      expect(left.length).toBeGreaterThan(0);
      return left.map((v) => v.uuid as string);
    };
    const left = await kill();
    const cleaned = await backplan(["restore-test", "-cleanup"], dir, { env });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    for (const u of left) expect(cleaned.stdout).toContain(u);
    expect(await tagged()).toEqual([]);

    const again = await kill();
    const next = await backplan(["restore-test", "-json", "."], dir, { env });
    expect(next.code, next.stderr).toBe(2);
    const report = JSON.parse(next.stdout) as RunReport;
    expect(report.leftoversRemoved.sort()).toEqual(expect.arrayContaining(again.sort()));
    expect(await tagged()).toEqual([]);
  }, 400_000);
});
