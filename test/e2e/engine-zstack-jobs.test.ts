import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, TestClock, type ZStackClient } from "./engine-zstack-client.js";
import type { TestEngine } from "../support/engine.js";

describe("ZStack async jobs", () => {
  let engine: TestEngine;
  let client: ZStackClient;
  const clock = new TestClock();

  beforeAll(async () => {
    ({ engine, client } = await startLab({ clock, jobExpirySeconds: 3600 }));
  });
  afterAll(() => engine.dispose());

  const createPolicy = (name: string, headers?: Record<string, string>) =>
    client.request("POST", "/zstack/v1/cdp-backup-storage/policy", { body: { params: { name, recoveryPointPerSecond: 60 } }, ...(headers ? { headers } : {}) });

  it("answers 202 with an absolute location and apiTimeout, then 200 with the result", async () => {
    const r = await createPolicy("job-1");
    expect(r.status).toBe(202);
    expect(Object.keys(r.json).sort()).toEqual(["apiTimeout", "location"]);
    expect(r.json.location).toMatch(new RegExp(`^${engine.url}/zstack/v1/api-jobs/[0-9a-f]{32}$`));
    expect(r.json.apiTimeout).toBe(1_800_000);
    const done = await client.poll(r.json.location);
    expect(done.status).toBe(200);
    expect(done.json.inventory.name).toBe("job-1");
    // Polling again gives the same answer until the job expires.
    expect((await client.poll(r.json.location)).json).toEqual(done.json);
  });

  it("answers 202 {} while a job runs", async () => {
    // A bandwidth-limited backup: 1 MiB of data at 1 MiB/s runs for at least a second.
    const vm = await client.adminVm("slow", [1024 * 1024]);
    await client.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(1024 * 1024));
    const [bs] = await client.query("/zstack/v1/backup-storage");
    const r = await client.request("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, {
      body: { params: { backupStorageUuid: bs.uuid, name: "slow", volumeReadBandwidth: 1024 * 1024 } },
    });
    expect(r.status).toBe(202);
    const first = await client.request("GET", new URL(r.json.location).pathname);
    expect(first.status).toBe(202);
    expect(first.json).toEqual({});
    const done = await client.poll(r.json.location);
    expect(done.status).toBe(200);
    expect(done.json.inventories).toHaveLength(1);
  });

  it("fails a job with 503 and the ZStack error object", async () => {
    const r = await client.call("PUT", "/zstack/v1/cdp-backup-storage/policy/0123456789abcdef0123456789abcdef/actions", { updateCdpPolicy: { name: "x" } });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ error: { code: "SYS.1003", description: "Resource not found", details: "CdpPolicy[uuid:0123456789abcdef0123456789abcdef] is not found" } });
  });

  it("honours X-Job-UUID and refuses a duplicate or malformed one with 400", async () => {
    const jobUuid = "1234567890abcdef1234567890abcdef";
    const r = await createPolicy("job-2", { "X-Job-UUID": jobUuid });
    expect(r.status).toBe(202);
    expect(r.json.location).toBe(`${engine.url}/zstack/v1/api-jobs/${jobUuid}`);
    expect((await client.poll(r.json.location)).status).toBe(200);
    const dup = await createPolicy("job-3", { "X-Job-UUID": jobUuid });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain("Duplicate job uuid");
    expect(await client.query("/zstack/v1/cdp-backup-storage/policy?q=name=job-3")).toEqual([]);
    const bad = await createPolicy("job-4", { "X-Job-UUID": "not-a-uuid" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("X-Job-UUID");
  });

  it("takes apiTimeout from X-API-Timeout (seconds)", async () => {
    const r = await createPolicy("job-5", { "X-API-Timeout": "90" });
    expect(r.json.apiTimeout).toBe(90_000);
    await client.poll(r.json.location);
  });

  it("forgets finished jobs after the expiry period (404), by the engine clock", async () => {
    const r = await createPolicy("job-6");
    const path = new URL(r.json.location).pathname;
    await client.poll(r.json.location);
    clock.advance(3_599_000);
    expect((await client.request("GET", path)).status).toBe(200);
    clock.advance(2_000);
    const gone = await client.request("GET", path);
    expect(gone.status).toBe(404);
    expect(gone.text).toBe("the job has been expired");
  });

  it("answers 404 for an unknown job and 405 for a non-GET on a job", async () => {
    expect((await client.request("GET", "/zstack/v1/api-jobs/ffffffffffffffffffffffffffffffff")).status).toBe(404);
    expect((await client.request("DELETE", "/zstack/v1/api-jobs/ffffffffffffffffffffffffffffffff")).status).toBe(405);
  });
});
