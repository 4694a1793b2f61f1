import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engineCommand } from "../../src/cli/commands/engine.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { startTestS3, type TestS3 } from "../support/s3.js";
import { waitFor, ZStackClient } from "./engine-zstack-client.js";

const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dirname, "../..");

/**
 * The engine's chunk store on a real S3-compatible server (OpenStack Swift with s3api, scripts/s3-server.sh):
 * `--chunks s3://…` puts every chunk in the bucket — backups restore byte for byte from it, deletes collect their
 * chunks out of it, verify reads it — and `engine migrate` moves an embedded engine's chunks there.
 */
describe("engine chunks in an S3 bucket (Swift s3api)", { timeout: 300_000 }, () => {
  let s3: TestS3;
  const engines: TestEngine[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    s3 = await startTestS3();
    await s3.bucket("chunks");
  }, 300_000);
  afterAll(async () => {
    for (const e of engines) await e.close().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await s3?.stop();
  });

  const chunksUrl = (prefix: string, withKeys = true) =>
    `s3://chunks/${prefix}?endpoint=${s3.endpoint}&region=${s3.region}&path_style=true` +
    (withKeys ? `&access_key=${encodeURIComponent(s3.accessKey)}&secret_key=${s3.secretKey}` : "");

  /** Every key under `prefix` in the bucket, sorted. */
  async function bucketKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(new ListObjectsV2Command({ Bucket: "chunks", Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** The chunks the storage's volume backup manifests reference. */
  function referencedChunks(storageDir: string): Set<string> {
    const out = new Set<string>();
    const mdir = join(storageDir, "manifests");
    for (const f of existsSync(mdir) ? readdirSync(mdir) : []) {
      for (const c of JSON.parse(readFileSync(join(mdir, f), "utf8")).chunks) if (c) out.add(c);
    }
    return out;
  }

  const fileSha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  async function engineWith(opts: { dataDir?: string; chunks?: string }): Promise<{ engine: TestEngine; c: ZStackClient; bs: any }> {
    const engine = await startTestEngine({ demo: true, ...opts });
    engines.push(engine);
    const c = new ZStackClient(engine.url);
    await c.login();
    const [bs] = await c.query("/zstack/v1/backup-storage");
    return { engine, c, bs };
  }

  async function vmWithData(c: ZStackClient, name: string): Promise<any> {
    const vm = await c.adminVm(name, [8 * MiB, MiB]);
    await c.writeVolume(vm.allVolumes[0].uuid, 0, randomBytes(8 * MiB));
    await c.writeVolume(vm.allVolumes[1].uuid, 4096, randomBytes(64 * 1024));
    return vm;
  }

  async function backUp(c: ZStackClient, vm: any, bs: any, name: string): Promise<string> {
    const r = await c.ok("POST", `/zstack/v1/volumes/${vm.rootVolumeUuid}/vm-backups`, { params: { backupStorageUuid: bs.uuid, name } });
    return r.inventories[0].groupUuid;
  }

  /** A new VM from the backup group; its volumes' sha256, read straight from their files. */
  async function restoredSums(c: ZStackClient, bs: any, groupUuid: string, name: string): Promise<string[]> {
    const vm = (await c.ok("POST", `/zstack/v1/vm-instances/from/vm-backups/${groupUuid}`, { params: { name, backupStorageUuid: bs.uuid, strategy: "CreateStopped" } })).inventory;
    return vm.allVolumes.map((v: any) => fileSha256(v.installPath));
  }

  it("backs up into the bucket, restores byte-exact, collects deleted backups' chunks out of the bucket, verifies clean", async () => {
    const { engine, c, bs } = await engineWith({ chunks: chunksUrl("lab") });
    const prefix = `lab/${bs.uuid}/chunks/`;
    const vm = await vmWithData(c, "s3-source");
    const sums = vm.allVolumes.map((v: any) => fileSha256(v.installPath));

    const first = await backUp(c, vm, bs, "first");
    const afterFirst = await bucketKeys(prefix);
    expect(afterFirst.length).toBe(3); // two 4 MiB chunks of the root volume, one of the data volume
    expect(afterFirst.map((k) => k.slice(prefix.length))).toEqual([...referencedChunks(bs.url)].map((h) => `${h.slice(0, 2)}/${h}`).sort());
    expect(existsSync(join(bs.url, "chunks")) ? readdirSync(join(bs.url, "chunks")) : []).toEqual([]); // nothing local

    // A changed first chunk: the second backup adds one chunk and shares the other three.
    await c.writeVolume(vm.rootVolumeUuid, 0, randomBytes(4096));
    const second = await backUp(c, vm, bs, "second");
    expect((await bucketKeys(prefix)).length).toBe(4);

    expect(await restoredSums(c, bs, first, "s3-restored")).toEqual(sums);

    expect(await c.ok("DELETE", `/zstack/v1/vm-backups/${first}`)).toEqual({});
    const afterDelete = await bucketKeys(prefix);
    expect(afterDelete.length).toBe(3); // the first backup's own root chunk is gone from the bucket
    expect(afterDelete.map((k) => k.slice(prefix.length))).toEqual([...referencedChunks(bs.url)].map((h) => `${h.slice(0, 2)}/${h}`).sort());
    const verify = await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(verify.json).toMatchObject({ ok: true, backupsChecked: 2, chunksChecked: 3, problems: [], missing: [] });

    expect(await c.ok("DELETE", `/zstack/v1/vm-backups/${second}`)).toEqual({});
    expect(await bucketKeys(prefix)).toEqual([]);

    // CDP's base copy goes to the bucket as well (the domain opens its journal knowing nothing of buckets), and
    // deleting the task collects it.
    const policy = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "s3-cdp", recoveryPointPerSecond: 1 } })).inventory;
    const task = (await c.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "s3-cdp", taskType: "VM", policyUuid: policy.uuid, backupStorageUuid: bs.uuid, resourceUuids: [vm.uuid], maxLatency: 5000 },
    })).inventory;
    await waitFor(async () => (Object.keys((await c.get(`/zstack/v1/vm-instances/${vm.uuid}/recovery-points`)).json.recoveryPoints ?? {}).length > 0 ? true : undefined), "a first recovery point");
    expect((await bucketKeys(prefix)).length).toBe(3);
    expect((await c.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`)).json).toMatchObject({ ok: true, chunksChecked: 3, problems: [] });
    expect(await c.ok("DELETE", `/zstack/v1/cdp-task/${task.uuid}`)).toEqual({});
    expect(await bucketKeys(prefix)).toEqual([]);

    // The storage now records that its chunks are in the bucket: an engine without --chunks refuses the data dir.
    await engine.close();
    engines.splice(engines.indexOf(engine), 1);
    await expect(startTestEngine({ dataDir: engine.dataDir })).rejects.toThrow(`keeps its chunks in s3://chunks/lab/`);
    dirs.push(engine.dataDir);
  });

  it("engine migrate copies an embedded engine's chunks (resumably), verify passes, the engine restores from the bucket alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "backplan-migrate-"));
    dirs.push(dataDir);
    const local = await engineWith({ dataDir });
    const vm = await vmWithData(local.c, "to-migrate");
    const sums = vm.allVolumes.map((v: any) => fileSha256(v.installPath));
    const group = await backUp(local.c, vm, local.bs, "before-migration");
    const localChunks = readdirSync(join(local.bs.url, "chunks")).flatMap((d) => readdirSync(join(local.bs.url, "chunks", d)));
    await local.engine.close();
    engines.splice(engines.indexOf(local.engine), 1);

    // As a user runs it, credentials from the environment (not in the URL).
    const url = chunksUrl("moved", false);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey };
    const run = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "engine", "migrate", "--from", dataDir, "--to-chunks", url], { cwd: ROOT, env, encoding: "utf8" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`${localChunks.length} chunks, ${localChunks.length} copied`);
    const prefix = `moved/${local.bs.uuid}/chunks/`;
    expect((await bucketKeys(prefix)).map((k) => k.slice(k.lastIndexOf("/") + 1)).sort()).toEqual([...localChunks].sort());

    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      // Resumable: a run that finds one chunk missing (as after an interrupted copy) copies only that one...
      const keyed = chunksUrl("moved");
      const [lost] = await bucketKeys(prefix);
      await s3.client.send(new DeleteObjectCommand({ Bucket: "chunks", Key: lost! }));
      expect(await engineCommand.run(["migrate", "--from", dataDir, "--to-chunks", keyed])).toBe(0);
      expect(out.join("")).toMatch(new RegExp(`${localChunks.length} chunks, 1 copied \\([0-9.]+ MiB\\), ${localChunks.length - 1} already there — switched`));
      // ... and a run after a complete one copies nothing.
      out.length = 0;
      expect(await engineCommand.run(["migrate", "--from", dataDir, "--to-chunks", keyed])).toBe(0);
      expect(out.join("")).toContain(`${localChunks.length} chunks, 0 copied (0.0 MiB), ${localChunks.length} already there — switched`);
      // Verify reads the bucket; without --chunks it refuses rather than report every chunk missing.
      out.length = 0;
      expect(await engineCommand.run(["verify", "--data", dataDir, "--chunks", keyed])).toBe(0);
      expect(out.join("")).toContain(`backup storage ${local.bs.uuid}: OK — 2 manifests, ${localChunks.length} chunks`);
      await expect(engineCommand.run(["verify", "--data", dataDir])).rejects.toThrow("keeps its chunks in s3://chunks/moved/");
    } finally {
      spy.mockRestore();
    }

    // The local chunks go; the engine with --chunks restores from the bucket alone.
    rmSync(join(local.bs.url, "chunks"), { recursive: true });
    const moved = await engineWith({ dataDir, chunks: chunksUrl("moved") });
    expect(await restoredSums(moved.c, moved.bs, group, "from-bucket")).toEqual(sums);
  });
});
