import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killHard, requireBuiltCli, startEngineProcess, type EngineProcess } from "../support/engine-process.js";
import { query, startPostgres, type Postgres } from "../support/postgres.js";
import { call, login } from "./engine-csbs-lab.js";
import { sha512 } from "./engine-zstack-client.js";

/**
 * Two `backplan engine serve` processes of the built CLI (the bundle, with its bundled PostgreSQL worker) on one
 * PostgreSQL database and different data dirs: whatever is done through one node is seen through the other.
 */
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", "password");
const lockInfo = (id: string, who: string) => ({ ID: id, Operation: "OperationTypeApply", Info: "", Who: who, Version: "1.11.4", Created: "2026-12-07T17:00:00Z", Path: "" });

describe("engine nodes sharing PostgreSQL metadata (built CLI)", () => {
  let pgsrv: Postgres;
  let url: string;
  const dirs: string[] = [];
  const nodes: EngineProcess[] = [];
  let node1: EngineProcess;
  let node2: EngineProcess;

  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), "bp-pgmeta-node-"));
    dirs.push(d);
    return d;
  };
  const startNode = async (dataDir: string) => {
    const n = await startEngineProcess(dataDir, true, { built: true, args: ["--metadata", url] });
    nodes.push(n);
    return n;
  };
  const sql = <R extends pg.QueryResultRow>(text: string) => query<R>(url, text);
  const zstack = async (base: string, method: string, path: string, session: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `OAuth ${session}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, json: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary
  };
  const states = (base: string, method: string, path: string, body?: unknown) =>
    fetch(`${base}/engine/v1/states${path}`, {
      method,
      headers: { authorization: ADMIN, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    requireBuiltCli();
    pgsrv = await startPostgres();
    url = await pgsrv.createDatabase("engine");
    // Both at once, both with --demo: the migrations and the demo lab must happen once.
    [node1, node2] = await Promise.all([startNode(newDir()), startNode(newDir())]);
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) await killHard(n);
    await pgsrv?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("ran each migration once and created the admin account and the demo lab once, though both nodes started together", async () => {
    expect(await sql("SELECT version FROM engine_schema_migrations")).toEqual([{ version: 1 }]);
    const count = async (kind: string) => (await sql<{ n: string }>(`SELECT count(*) AS n FROM engine_documents WHERE kind = '${kind}' AND doc IS NOT NULL`))[0]!.n;
    expect(await count("zone")).toBe("1");
    expect(await count("account")).toBe("1");
    expect(node1.output()).toContain(`metadata:   ${url}`);
  });

  it("takes a ZStack session opened on node 1 on node 2, and answers both the same", async () => {
    const r = await fetch(`${node1.url}/zstack/v1/accounts/login`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: sha512("password") } }),
    });
    expect(r.status).toBe(200);
    const session = ((await r.json()) as { inventory: { uuid: string } }).inventory.uuid;
    const one = await zstack(node1.url, "GET", "/zstack/v1/vm-instances", session);
    const two = await zstack(node2.url, "GET", "/zstack/v1/vm-instances", session);
    expect(two.status).toBe(200);
    expect(two.json.inventories.length).toBeGreaterThan(0);
    expect(two.json).toEqual(one.json);
    // Logging out on node 2 ends the session on node 1 too.
    expect((await zstack(node2.url, "DELETE", `/zstack/v1/accounts/sessions/${session}`, session)).status).toBe(200);
    const gone = await zstack(node1.url, "GET", "/zstack/v1/vm-instances", session);
    expect(gone.status).toBe(503);
    expect(gone.json.error.code).toBe("ID.1001");
  });

  it("takes a Keystone token issued by node 1 on node 2", async () => {
    const { token, projectId } = await login(node1.url, "demo", "password", "demo");
    const r = await call(node2.url, "GET", `/v1/${projectId}/policies`, { token });
    expect(r.status).toBe(200);
    expect(r.body.policies).toEqual([]);
    const check = await call(node2.url, "GET", "/v3/auth/tokens", { token, headers: { "x-subject-token": token } });
    expect(check.status).toBe(200);
  });

  it("shows a CDP policy created through node 1 (its job polled through node 2) when queried through node 2", async () => {
    const session = await zstackSession(node2.url);
    const created = await zstack(node1.url, "POST", "/zstack/v1/cdp-backup-storage/policy", session, { params: { name: "shared-policy", recoveryPointPerSecond: 30 } });
    expect(created.status).toBe(202);
    const jobPath = new URL(created.json.location as string).pathname;
    let job = await zstack(node2.url, "GET", jobPath, session);
    for (let i = 0; job.status === 202 && i < 200; i++) job = await zstack(node2.url, "GET", jobPath, session);
    expect(job.status).toBe(200);
    const uuid = job.json.inventory.uuid as string;
    const seen = await zstack(node2.url, "GET", `/zstack/v1/cdp-backup-storage/policy/${uuid}`, session);
    expect(seen.json.inventories).toEqual([job.json.inventory]);
    const byName = await zstack(node2.url, "GET", "/zstack/v1/cdp-backup-storage/policy?q=name=shared-policy", session);
    expect(byName.json.inventories.map((p: { uuid: string }) => p.uuid)).toEqual([uuid]);
  });

  it("refuses through node 2 the Terraform state lock taken through node 1, with node 1's LockInfo", async () => {
    const first = lockInfo("11111111-1111-4111-8111-111111111111", "alice@ci");
    expect((await states(node1.url, "LOCK", "/shared/lock", first)).status).toBe(200);
    const second = await states(node2.url, "LOCK", "/shared/lock", lockInfo("22222222-2222-4222-8222-222222222222", "bob@laptop"));
    expect(second.status).toBe(423);
    expect(await second.json()).toEqual(first);
    const body = JSON.stringify({ version: 4, serial: 1, lineage: "l-1", outputs: {}, resources: [] });
    expect((await fetch(`${node2.url}/engine/v1/states/shared`, { method: "POST", headers: { authorization: ADMIN }, body })).status).toBe(423);
    expect((await fetch(`${node2.url}/engine/v1/states/shared?ID=${first.ID}`, { method: "POST", headers: { authorization: ADMIN }, body })).status).toBe(200);
    expect((await states(node1.url, "UNLOCK", "/shared/lock", first)).status).toBe(200);
    expect((await states(node2.url, "LOCK", "/shared/lock", lockInfo("22222222-2222-4222-8222-222222222222", "bob@laptop"))).status).toBe(200);
    const current = await fetch(`${node1.url}/engine/v1/states/shared`, { headers: { authorization: ADMIN } });
    expect(await current.text()).toBe(body);
  });

  it("serves the same data after a node restarts, and the migrations still ran once", async () => {
    const session = await zstackSession(node1.url);
    const before = await zstack(node1.url, "GET", "/zstack/v1/cdp-backup-storage/policy", session);
    node2.child.kill("SIGTERM");
    expect(await node2.exited).toBe(0);
    node2 = await startNode(dirs[1]!);
    const after = await zstack(node2.url, "GET", "/zstack/v1/cdp-backup-storage/policy", session);
    expect(after.status).toBe(200);
    expect(after.json).toEqual(before.json);
    expect(after.json.inventories.length).toBe(1);
    expect(await sql("SELECT version, applied_by FROM engine_schema_migrations")).toHaveLength(1);
  });

  /** A fresh admin session opened through `base`. */
  async function zstackSession(base: string): Promise<string> {
    const r = await fetch(`${base}/zstack/v1/accounts/login`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: sha512("password") } }),
    });
    return ((await r.json()) as { inventory: { uuid: string } }).inventory.uuid;
  }
});
