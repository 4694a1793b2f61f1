import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport, VmResult } from "../../src/restoretest/report.js";
import { call, CSBS_PROVIDER, login, policyBody, until } from "./engine-csbs-lab.js";
import { startLab, type Lab } from "./engine-zstack-client.js";
import { backplan, cliEnv } from "./plan-harness.js";

/**
 * `backplan restore-test` of CSBS-protected servers against a real engine: each server's latest checkpoint is
 * restored through the CSBS restore API into a new server, its bytes compared with the source through the admin
 * API, and the copy deleted; a checkpoint corrupted through the admin API fails with the store's reason. The
 * zstack provider block signs with an AccessKey (no ZSTACK_* variables are set), CSBS comes from OS_* variables.
 */

const MiB = 1024 * 1024;
const TAG = "backplan-restore-test::";

describe("restore-test of CSBS backups", () => {
  let lab: Lab;
  let dir: string;
  let token: string;
  let projectId: string;
  const vm: Record<string, any> = {};
  const v1 = (path: string) => `/v1/${projectId}${path}`;

  /** Executes the policy once and waits until every backup of the checkpoint is available; returns them. */
  const checkpoint = async (planId: string) => {
    const r = await call(lab.engine.url, "POST", v1(`/providers/${CSBS_PROVIDER}/checkpoints`), { token, body: { checkpoint: { plan_id: planId, parameters: {} } } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return until(async () => {
      const items = (await call(lab.engine.url, "GET", v1(`/checkpoint_items?checkpoint_id=${r.body.checkpoint.id}`), { token })).body.checkpoint_items;
      return items.length === 2 && items.every((i: any) => i.status === "available") ? items : undefined;
    }, "an available checkpoint");
  };

  beforeAll(async () => {
    lab = await startLab();
    ({ token, projectId } = await login(lab.engine.url, "demo", "password", "demo"));
    for (const name of ["cs-good-1", "cs-bad-1"]) {
      vm[name] = await lab.client.adminVm(name, [2 * MiB, MiB]);
      for (const v of vm[name].allVolumes) await lab.client.writeVolume(v.uuid, 0, randomBytes(256 * 1024));
    }
    const policy = await call(lab.engine.url, "POST", v1("/policies"), {
      token,
      body: policyBody("rt-csbs", ["cs-good-1", "cs-bad-1"].map((n) => ({ id: vm[n].uuid, name: n }))),
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    await checkpoint(policy.body.policy.id);
    // The latest checkpoint holds these newer bytes: restoring the older one would not match the source.
    for (const name of ["cs-good-1", "cs-bad-1"]) await lab.client.writeVolume(vm[name].allVolumes[1].uuid, 4096, randomBytes(64 * 1024));
    const latest = await checkpoint(policy.body.policy.id);
    const bad = latest.find((i: any) => i.resource_id === vm["cs-bad-1"].uuid);
    const corrupt = await lab.client.request("POST", `/engine/v1/csbs/checkpoint-items/${bad.id}/corrupt`, { body: {} });
    expect(corrupt.status, corrupt.text).toBe(200);

    const key = await lab.client.request("POST", "/engine/v1/access-keys", { body: { description: "restore-test" } });
    expect(key.status, key.text).toBe(200);
    dir = mkdtempSync(join(tmpdir(), "backplan-restore-csbs-"));
    writeFileSync(
      join(dir, "main.tf"),
      [
        'terraform {\n  required_providers {\n    zstack = { source = "backplan/zstack" }\n  }\n}',
        'variable "endpoint" {\n  type = string\n}\nvariable "key_id" {\n  type = string\n}\nvariable "key_secret" {\n  type      = string\n  sensitive = true\n}',
        'provider "zstack" {\n  endpoint          = var.endpoint\n  access_key_id     = var.key_id\n  access_key_secret = var.key_secret\n}',
        'data "zstack_instance_offerings" "all" {}',
      ].join("\n\n") + "\n",
    );
    writeFileSync(
      join(dir, "backplan.restore-tests.json"),
      JSON.stringify(
        {
          restore_tests: [
            {
              name: "csbs-nightly",
              select: { names: ["cs-*"] },
              source: "csbs",
              point: "latest",
              target: { l3_network_uuids: [lab.l3.uuid], instance_offering_uuid: lab.offering.uuid },
              validate: { running: true, volume_sizes: true, engine_checksums: "source" },
              rto: "5m",
            },
          ],
        },
        null,
        2,
      ),
    );
    const vars = `endpoint = "${lab.engine.url}"\nkey_id = "${key.json.inventory.AccessKeyID}"\nkey_secret = "${key.json.inventory.AccessKeySecret}"\n`;
    writeFileSync(join(dir, "terraform.tfvars"), vars);
  }, 60_000);

  afterAll(async () => {
    await lab?.engine.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("restores the latest checkpoint into a new server, fails the corrupt one with the store's reason, deletes every copy", async () => {
    const env = cliEnv({ OS_AUTH_URL: `${lab.engine.url}/v3`, OS_USERNAME: "demo", OS_PASSWORD: "password", OS_PROJECT_NAME: "demo", OS_USER_DOMAIN_NAME: "Default" });
    for (const k of Object.keys(env)) if (k.startsWith("ZSTACK_")) delete env[k];
    const r = await backplan(["restore-test", "-json-file=report.json", "-junit-file=junit.xml", "-markdown-file=report.md", "."], dir, { env });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^ZStack http:\/\/127\.0\.0\.1:\d+ as AccessKey \S+ \(provider "zstack" of .*\); CSBS from environment \(OS_\*\)$/m);
    expect(r.stderr).toMatch(/cs-good-1: restoring CSBS backup [0-9a-f-]{36} of checkpoint [0-9a-f-]{36}/);

    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as RunReport;
    const by: Record<string, VmResult> = Object.fromEntries(report.results.map((x) => [x.name ?? x.vm, x]));
    const good = by["cs-good-1"]!;
    expect(good.outcome, JSON.stringify(good)).toBe("passed");
    expect(good.point!.kind).toBe("csbs");
    expect(good.checks.map((c) => c.check)).toEqual(["point", "restore", "running", "volume_sizes", "engine_checksums", "rto"]);
    expect(good.checks.find((c) => c.check === "engine_checksums")!.detail).toBe("2 volume(s) byte-identical to the source VM");
    expect(good.cleanup).toEqual({ done: true, detail: `deleted ${good.restoredVm}` });

    const bad = by["cs-bad-1"]!;
    expect(bad.outcome).toBe("failed");
    expect(bad.reason).toMatch(/^restore: CSBS restore [0-9a-f-]{36} fail: chunk [0-9a-f]{64} of backup \S+ is corrupt/);
    expect(bad.restoredVm).toBeNull();

    // Every copy is gone, as the query API lists VMs; the sources are untouched.
    const vms = await lab.client.query("/zstack/v1/vm-instances");
    expect(vms.filter((v) => String(v.description).startsWith(TAG) || String(v.name).startsWith("brt-"))).toEqual([]);
    expect(vms.map((v) => v.name)).toEqual(expect.arrayContaining(["cs-good-1", "cs-bad-1"]));
    expect(vms.find((v) => v.uuid === good.restoredVm)).toBeUndefined();
    // CSBS remembers both restores and why one failed.
    const restores = (await call(lab.engine.url, "GET", v1("/restores"), { token })).body.restores;
    expect(restores.map((x: any) => x.status).sort()).toEqual(["fail", "success"]);

    expect(spawnSync("xmllint", ["--noout", join(dir, "junit.xml")], { encoding: "utf8" }).status).toBe(0);
    expect(readFileSync(join(dir, "junit.xml"), "utf8")).toContain('<testsuites name="backplan restore-test" tests="2" failures="1" errors="0">');
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/\| \*\*cs-good-1\*\* \| ✅ passed \| csbs /);
  }, 60_000);
});
