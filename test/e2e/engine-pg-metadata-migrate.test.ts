import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_MAIN, requireBuiltCli, startEngineProcess, type EngineProcess } from "../support/engine-process.js";
import { startTestEngine } from "../support/engine.js";
import { startPostgres, type Postgres } from "../support/postgres.js";
import { startTestS3, type TestS3 } from "../support/s3.js";
import { login } from "./engine-csbs-lab.js";
import { ZStackClient } from "./engine-zstack-client.js";

/**
 * `backplan engine migrate --to-metadata` (and `--to-chunks` in the same run) of a data dir the embedded engine
 * made by running the quickstart (CDP policy and task, VM backup, CSBS policy and checkpoint, a VM restored from
 * CDP) plus Terraform states the engine hosts; then an engine on the result serves the same objects: the same
 * API answers, and a plan of the quickstart finds nothing to change. All through the built CLI.
 */
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", "password");
const LOCK = { ID: "11111111-1111-4111-8111-111111111111", Operation: "OperationTypeApply", Info: "", Who: "alice@ci", Version: "1.11.4", Created: "2026-12-07T17:00:00Z", Path: "" };
const stateBody = (serial: number) => JSON.stringify({ version: 4, terraform_version: "1.11.4", serial, lineage: "l-1", outputs: {}, resources: [] });

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BUILT_MAIN, ...args], { cwd, env: { ...env, NO_COLOR: "1" }, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, out: r.stdout + r.stderr };
}

/** What an engine answers about the objects the quickstart made (those that do not change by themselves). */
async function objects(base: string): Promise<Record<string, unknown>> {
  const z = new ZStackClient(base);
  await z.login();
  const { token, projectId } = await login(base, "demo", "password", "demo");
  const csbs = async (path: string) => (await fetch(`${base}/v1/${projectId}${path}`, { headers: { "x-auth-token": token } })).json();
  const states = await fetch(`${base}/engine/v1/states`, { headers: { authorization: ADMIN } });
  return {
    vms: await z.query("/zstack/v1/vm-instances"),
    cdpPolicies: await z.query("/zstack/v1/cdp-backup-storage/policy"),
    volumeBackups: await z.query("/zstack/v1/volume-backups"),
    csbsPolicies: await csbs("/policies"),
    checkpointItems: await csbs("/checkpoint_items"),
    states: await states.json(),
  };
}

describe("engine migrate --to-metadata (built CLI)", { timeout: 300_000 }, () => {
  let pgsrv: Postgres;
  let s3: TestS3;
  const work = mkdtempSync(join(tmpdir(), "bp-pgmeta-migrate-"));
  let running: EngineProcess | undefined;

  beforeAll(async () => {
    requireBuiltCli();
    [pgsrv, s3] = await Promise.all([startPostgres(), startTestS3()]);
    await s3.bucket("chunks");
  }, 300_000);
  afterAll(async () => {
    running?.child.kill("SIGKILL");
    await pgsrv?.stop();
    await s3?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the quickstart into `dir`, then adds a Terraform state (two versions) and a lock; returns the answers. */
  async function embeddedLab(dir: string): Promise<Record<string, unknown>> {
    const qs = cli(["quickstart", "--dir", dir], work);
    expect(qs.status, qs.out).toBe(0);
    const engine = await startTestEngine({ dataDir: join(work, dir, "engine") });
    try {
      for (const serial of [1, 2]) {
        expect((await fetch(`${engine.url}/engine/v1/states/app`, { method: "POST", headers: { authorization: ADMIN }, body: stateBody(serial) })).status).toBe(200);
      }
      expect((await fetch(`${engine.url}/engine/v1/states/app/lock`, { method: "LOCK", headers: { authorization: ADMIN }, body: JSON.stringify(LOCK) })).status).toBe(200);
      return await objects(engine.url);
    } finally {
      await engine.close();
    }
  }

  /** Starts the built CLI's engine on `dir` with `args`, checks it serves `before` and plans no change. */
  async function servesTheSame(dir: string, before: Record<string, unknown>, args: string[], env?: Record<string, string>): Promise<void> {
    running = await startEngineProcess(join(work, dir, "engine"), false, { built: true, args, ...(env ? { env } : {}) });
    try {
      expect(await objects(running.url)).toEqual(before);
      const plan = cli(["plan", join(dir, "config"), "-var", `endpoint=${running.url}`, "-detailed-exitcode"], work);
      expect(plan.out).toContain("No changes.");
      expect(plan.status, plan.out).toBe(0);
      const state = await fetch(`${running.url}/engine/v1/states/app`, { headers: { authorization: ADMIN } });
      expect(await state.text()).toBe(stateBody(2));
      const other = { ...LOCK, ID: "22222222-2222-4222-8222-222222222222", Who: "bob" };
      const refused = await fetch(`${running.url}/engine/v1/states/app/lock`, { method: "LOCK", headers: { authorization: ADMIN }, body: JSON.stringify(other) });
      expect(refused.status).toBe(423);
      expect(await refused.json()).toEqual(LOCK);
    } finally {
      running.child.kill("SIGTERM");
      expect(await running.exited).toBe(0);
      running = undefined;
    }
  }

  it("copies an embedded engine's metadata once (a re-run copies nothing); the engine on PostgreSQL serves the same objects; verify passes", async () => {
    const before = await embeddedLab("qs");
    const dataDir = join(work, "qs", "engine");
    const url = await pgsrv.createDatabase("moved");
    const first = cli(["engine", "migrate", "--from", dataDir, "--to-metadata", url], work);
    expect(first.status, first.out).toBe(0);
    expect(first.out).toMatch(new RegExp(`^metadata: \\d+ documents, 2 team state versions, 1 locks — copied to ${url.replace(/[?]/g, "\\?")}$`, "m"));
    const again = cli(["engine", "migrate", "--from", dataDir, "--to-metadata", url], work);
    expect(again.status, again.out).toBe(0);
    expect(again.out).toContain("2 team state versions, 1 locks — already in");

    // engine.db is history now: the embedded engine refuses the data dir, naming where the metadata went.
    const embedded = cli(["engine", "serve", "--data", dataDir, "--listen", "127.0.0.1:0"], work);
    expect(embedded.status).toBe(1);
    expect(embedded.out).toContain("its metadata was moved to PostgreSQL");

    await servesTheSame("qs", before, ["--metadata", url]);
    const verify = cli(["engine", "verify", "--data", dataDir, "--metadata", url], work);
    expect(verify.status, verify.out).toBe(0);
    expect(verify.out).toMatch(/: OK — \d+ manifests/);

    // Another embedded engine's data into the same (now used) database is refused, nothing written.
    const other = await startTestEngine({ demo: true });
    await other.close();
    const refused = cli(["engine", "migrate", "--from", other.dataDir, "--to-metadata", url], work);
    rmSync(other.dataDir, { recursive: true, force: true });
    expect(refused.status).toBe(1);
    expect(refused.out).toContain(`--to-metadata ${url} is not empty and does not hold the metadata of ${other.dataDir}`);
  });

  it("moves metadata and chunks in one run; the engine on PostgreSQL and the bucket serves the same objects from them alone", async () => {
    const before = await embeddedLab("qs2");
    const dataDir = join(work, "qs2", "engine");
    const url = await pgsrv.createDatabase("both");
    const chunks = `s3://chunks/qs2?endpoint=${s3.endpoint}&region=${s3.region}&path_style=true`;
    const env = { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey };
    const moved = cli(["engine", "migrate", "--from", dataDir, "--to-metadata", url, "--to-chunks", chunks, "--json"], work, env);
    expect(moved.status, moved.out).toBe(0);
    const report = JSON.parse(moved.stdout);
    expect(report).toMatchObject({ ok: true, metadata: { copied: true, teamStateVersions: 2, teamStateLocks: 1 }, storages: [{ switched: true }] });
    expect(report.storages[0].copied).toBeGreaterThan(0);

    // From here on the local chunks are not needed: the engine reads the bucket.
    const backup = join(dataDir, "backup");
    for (const bs of readdirSync(backup)) rmSync(join(backup, bs, "chunks"), { recursive: true, force: true });
    // The environment variables, as a service unit would set them.
    await servesTheSame("qs2", before, [], { BACKPLAN_ENGINE_METADATA: url, BACKPLAN_ENGINE_CHUNKS: chunks, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey });
    const verify = cli(["engine", "verify", "--data", dataDir, "--metadata", url, "--chunks", chunks], work, env);
    expect(verify.status, verify.out).toBe(0);
    expect(verify.out).toMatch(/: OK — \d+ manifests, [1-9]\d* chunks/);
  });
});
