import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type Postgres } from "../../../test/support/postgres.js";
import { StorageError } from "./errors.js";
import { PgCoordination } from "./pg-coordination.js";
import { OWNERS_TABLE, PINS_TABLE } from "./pg-coordination-schema.js";

/**
 * The PostgreSQL storage coordination against a real PostgreSQL 15: two coordinations in one process stand for
 * two engine nodes (each its own pools and pin owner); a child process stands for a node that is killed.
 */

const CHILD = fileURLToPath(new URL("./testdata/coordination-child.ts", import.meta.url));
const STORAGE = "/shared/backup/bs-1";
const h = (c: string) => c.repeat(64);

let server: Postgres;
let db: string;
const nodes: PgCoordination[] = [];

beforeAll(async () => {
  server = await startPostgres();
  db = await server.createDatabase("coord");
}, 120_000);
afterAll(async () => {
  for (const n of nodes) await n.close();
  await server?.stop();
});

async function node(pinLeaseMs?: number): Promise<PgCoordination> {
  const c = await PgCoordination.open(db, pinLeaseMs === undefined ? {} : { pinLeaseMs });
  nodes.push(c);
  return c;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

/** Starts the child (a "node" that pins and holds the shared lock) and resolves once it printed `ready`. */
function startChild(pinLeaseMs: number, hashes: string[]): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, db, String(pinLeaseMs), STORAGE, ...hashes], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready\n")) resolve(child);
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`coordination child exited (${code}) before it was ready: ${err}`)));
  });
}

describe("PgCoordination", { timeout: 60_000 }, () => {
  it("creates its tables once when several nodes open at the same time", async () => {
    const fresh = await server.createDatabase("coord_fresh");
    const both = await Promise.all([PgCoordination.open(fresh), PgCoordination.open(fresh)]);
    for (const c of both) await c.close();
  });

  it("refuses an unreachable database, naming it without the password", async () => {
    const e = await rejection(PgCoordination.open(`postgres://u:SECRET@127.0.0.1:9/nowhere?sslmode=disable`));
    expect(e.kind).toBe("invalid_argument");
    expect(e.field).toBe("metadata");
    expect(e.message).toContain("postgres://127.0.0.1:9/nowhere");
    expect(e.message).not.toContain("SECRET");
  });

  it("makes the exclusive lock exclusive across nodes, and lets shared holders of both nodes overlap", async () => {
    const [a, b] = [await node(), await node()];
    const log: string[] = [];
    let aIn!: () => void;
    const aEntered = new Promise<void>((r) => (aIn = r));
    let release!: () => void;
    const aMayLeave = new Promise<void>((r) => (release = r));
    const aShared = a.lock(STORAGE).shared(async () => {
      log.push("a shared in");
      aIn();
      await aMayLeave;
      log.push("a shared out");
    });
    await aEntered;
    // B's shared section overlaps A's.
    await b.lock(STORAGE).shared(async () => log.push("b shared"));
    const bExclusive = b.lock(STORAGE).exclusive(async (hold) => {
      await hold.confirm();
      log.push("b exclusive");
    });
    await tick(300);
    expect(log).toEqual(["a shared in", "b shared"]); // B's GC waits for A
    release();
    await Promise.all([aShared, bExclusive]);
    expect(log).toEqual(["a shared in", "b shared", "a shared out", "b exclusive"]);
    // Another storage's lock is another lock.
    await a.lock(STORAGE).exclusive(() => b.lock("/shared/backup/bs-2").exclusive(async () => undefined));
  });

  it("shows each node's pins to the other's GC, forgets released pins and the pins of a closed node", async () => {
    const [a, b] = [await node(), await node()];
    const pa = await a.pin(STORAGE);
    await pa.add([h("a"), null, h("b"), h("a")]);
    await pa.confirm();
    const pb = await b.pin(STORAGE);
    await pb.add([h("c")]);
    expect([...(await b.scanPins(STORAGE)).live].sort()).toEqual([h("a"), h("b"), h("c")]);
    expect((await b.scanPins("/elsewhere/bs-1")).live.size).toBe(3); // storages are named by their uuid
    expect((await b.scanPins("/shared/backup/bs-2")).live.size).toBe(0);
    await pa.release();
    expect([...(await b.scanPins(STORAGE)).live]).toEqual([h("c")]);
    await b.close();
    expect((await a.scanPins(STORAGE)).live.size).toBe(0);
  });

  it("fences a node whose lease lapsed: its pins stop counting, its operations fail, new ones get a new owner", async () => {
    const [a, b] = [await node(2_000), await node()];
    const pin = await a.pin(STORAGE);
    await pin.add([h("d")]);
    // The lease runs out as if A had stopped heartbeating (frozen, cut off): its row's expiry is passed.
    const direct = new pg.Client({ connectionString: db });
    await direct.connect();
    try {
      const r = await direct.query(
        `UPDATE ${OWNERS_TABLE} SET expires_at = now() - interval '1 second' WHERE owner_id IN (SELECT owner_id FROM ${PINS_TABLE} WHERE hash = $1)`,
        [h("d")],
      );
      expect(r.rowCount).toBe(1);
    } finally {
      await direct.end();
    }
    const scan = await b.scanPins(STORAGE);
    expect(scan.live.has(h("d"))).toBe(false);
    expect(scan.stale.length).toBeGreaterThan(0);
    // A notices at its next step under the lock, before it would publish anything.
    expect((await rejection(pin.confirm())).kind).toBe("unavailable");
    expect((await rejection(pin.add([h("e")]))).message).toContain("lapsed");
    // The heartbeat never revives a lapsed owner (GC may have counted it dead already).
    await tick(700); // past a heartbeat (every lease/4)
    expect((await rejection(pin.confirm())).kind).toBe("unavailable");
    expect((await b.scanPins(STORAGE)).live.has(h("d"))).toBe(false);
    await b.removeStalePins(STORAGE, scan.stale);
    expect((await b.scanPins(STORAGE)).stale).toEqual([]);
    // A's next operation pins under a new owner.
    const again = await a.pin(STORAGE);
    await again.add([h("f")]);
    await again.confirm();
    expect([...(await b.scanPins(STORAGE)).live]).toContain(h("f"));
    await again.release();
  });

  it("a killed node's lock goes at once and its pins after the lease (and not before)", async () => {
    const lease = 4_000;
    const b = await node();
    const child = await startChild(lease, [h("1"), h("2")]);
    expect([...(await b.scanPins(STORAGE)).live].sort()).toEqual([h("1"), h("2")]);
    // The child holds the shared lock: B's exclusive section must wait for it.
    let bIn = false;
    const gc = b.lock(STORAGE).exclusive(async () => {
      bIn = true;
    });
    await tick(300);
    expect(bIn).toBe(false);
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await gc; // the lock died with the child's connection
    expect(Date.now() - killedAt).toBeLessThan(lease / 2);
    expect([...(await b.scanPins(STORAGE)).live].sort()).toEqual([h("1"), h("2")]); // still within the lease
    let scan = await b.scanPins(STORAGE);
    while (scan.live.size > 0) {
      expect(Date.now() - killedAt).toBeLessThan(lease + 2_000);
      await tick(100);
      scan = await b.scanPins(STORAGE);
    }
    // The child renewed every lease/4: its pins lasted at least 3/4 of a lease after the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((lease * 3) / 4 - 200);
    expect(scan.stale).toHaveLength(1);
    await b.removeStalePins(STORAGE, scan.stale);
    expect(await b.scanPins(STORAGE)).toEqual({ live: new Set(), stale: [] });
  });
});
