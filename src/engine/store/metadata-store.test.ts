import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type Postgres } from "../../../test/support/postgres.js";
import type { MetadataStore } from "./metadata-store.js";
import { PgMetadataStore } from "./pg-store.js";
import { SqliteMetadataStore } from "./sqlite-store.js";
import type { StateLockRow } from "./team-states.js";

/**
 * The contract both metadata stores keep, the same cases against each: SQLite in a temp dir, PostgreSQL in a
 * throwaway cluster (a fresh database per case). `reopen` gives a second store over the same data, as an engine
 * restart would.
 */
interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A new, empty place for a store; returns how to open a store on it. */
  fresh(): Promise<() => MetadataStore>;
}

const dirs: string[] = [];
let pgsrv: Postgres | undefined;
let dbCount = 0;

const backends: Backend[] = [
  {
    name: "SQLite",
    setUp: async () => undefined,
    tearDown: async () => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), "bp-meta-"));
      dirs.push(dir);
      return () => new SqliteMetadataStore(dir);
    },
  },
  {
    name: "PostgreSQL",
    setUp: async () => {
      pgsrv = await startPostgres();
    },
    tearDown: async () => pgsrv?.stop(),
    fresh: async () => {
      const url = await pgsrv!.createDatabase(`contract${++dbCount}`);
      return () => PgMetadataStore.open(url);
    },
  },
];

interface Thing {
  uuid: string;
  n: number;
}

const lock = (name: string, lockId: string, who = "alice"): StateLockRow => ({ name, lockId, info: JSON.stringify({ ID: lockId, Who: who }), createdAt: 1, createdBy: who });

describe.each(backends)("metadata store contract: $name", (backend) => {
  const open: MetadataStore[] = [];
  const track = (s: MetadataStore) => (open.push(s), s);
  let opener: () => MetadataStore;
  const newStore = async () => {
    opener = await backend.fresh();
    return track(opener());
  };
  /** Closes `s` and opens the same data again. */
  const reopen = (s: MetadataStore) => {
    s.close();
    open.splice(open.indexOf(s), 1);
    return track(opener());
  };

  beforeAll(() => backend.setUp(), 120_000);
  afterAll(() => backend.tearDown());
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it("puts, gets, replaces and deletes documents, durably", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    expect(things.put({ uuid: "a", n: 1 })).toEqual({ uuid: "a", n: 1 });
    things.put({ uuid: "b", n: 2 });
    things.put({ uuid: "a", n: 3 });
    expect(things.get("a")).toEqual({ uuid: "a", n: 3 });
    expect(things.has("b")).toBe(true);
    expect(things.delete("b")).toBe(true);
    expect(things.delete("b")).toBe(false);
    expect(things.size).toBe(1);
    expect(s.collection("thing")).toBe(things); // one collection per kind
    const again = reopen(s);
    expect(again.collection<Thing>("thing").all()).toEqual([{ uuid: "a", n: 3 }]);
    expect(again.collection("other").size).toBe(0);
  });

  it("lists in insertion order: an update keeps its place, a deleted and re-added document goes last; the same after a reopen", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    for (const u of ["c", "a", "d", "b"]) things.put({ uuid: u, n: 0 });
    things.put({ uuid: "a", n: 1 });
    things.delete("c");
    things.put({ uuid: "c", n: 2 });
    const order = ["a", "d", "b", "c"];
    expect(things.all().map((t) => t.uuid)).toEqual(order);
    expect(reopen(s).collection<Thing>("thing").all().map((t) => t.uuid)).toEqual(order);
  });

  it("keeps kinds apart", async () => {
    const s = await newStore();
    s.collection<Thing>("x").put({ uuid: "same", n: 1 });
    s.collection<Thing>("y").put({ uuid: "same", n: 2 });
    const again = reopen(s);
    expect(again.collection<Thing>("x").get("same")?.n).toBe(1);
    expect(again.collection<Thing>("y").get("same")?.n).toBe(2);
  });

  it("stores a transaction's writes together", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    things.put({ uuid: "gone", n: 0 });
    const r = s.transaction(() => {
      things.put({ uuid: "a", n: 1 });
      things.put({ uuid: "a", n: 2 }); // twice in one transaction
      things.delete("gone");
      expect(things.get("a")?.n).toBe(2); // reads see the transaction's own writes
      return "done";
    });
    expect(r).toBe("done");
    expect(reopen(s).collection<Thing>("thing").all()).toEqual([{ uuid: "a", n: 2 }]);
  });

  it("rolls a failed transaction back, in memory and on disk, and tells listeners what came back", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    things.put({ uuid: "kept", n: 1 });
    things.put({ uuid: "removed", n: 1 });
    const heard: string[] = [];
    things.onStoreChange((uuid, next, prev) => heard.push(`${uuid}:${prev?.n ?? "-"}->${next?.n ?? "-"}`));
    expect(() =>
      s.transaction(() => {
        things.put({ uuid: "kept", n: 2 });
        things.put({ uuid: "new", n: 1 });
        things.delete("removed");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const expected = [
      { uuid: "kept", n: 1 },
      { uuid: "removed", n: 1 },
    ];
    expect(things.all()).toEqual(expected);
    expect(heard.sort()).toEqual(["kept:2->1", "new:1->-", "removed:-->1"]);
    expect(reopen(s).collection<Thing>("thing").all()).toEqual(expected);
  });

  it("undoes only an inner transaction that failed when the outer one goes on", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    s.transaction(() => {
      things.put({ uuid: "outer", n: 1 });
      expect(() =>
        s.transaction(() => {
          things.put({ uuid: "inner", n: 1 });
          things.put({ uuid: "outer", n: 9 });
          throw new Error("inner");
        }),
      ).toThrow("inner");
      things.put({ uuid: "after", n: 1 });
    });
    const expected = [
      { uuid: "outer", n: 1 },
      { uuid: "after", n: 1 },
    ];
    expect(things.all()).toEqual(expected);
    expect(reopen(s).collection<Thing>("thing").all()).toEqual(expected);
  });

  it("refuses an asynchronous transaction function, storing nothing", async () => {
    const s = await newStore();
    const things = s.collection<Thing>("thing");
    const p = Promise.resolve();
    expect(() =>
      s.transaction(() => {
        things.put({ uuid: "a", n: 1 });
        return p;
      }),
    ).toThrow(/synchronous/);
    expect(things.size).toBe(0);
    expect(reopen(s).collection("thing").size).toBe(0);
  });

  it("appends team state versions, reads them back and deletes them", async () => {
    const s = await newStore();
    const ts = s.teamStates;
    const meta = (serial: number) => ({ serial, lineage: "l-1", size: 3, md5: `md5-${serial}`, createdAt: 1000 + serial, createdBy: "alice" });
    expect(ts.latest("app")).toBeUndefined();
    expect(ts.append("app", meta(1), new Uint8Array([1, 2, 3]))).toMatchObject({ name: "app", version: 1 });
    expect(ts.append("app", meta(2), new Uint8Array([4, 5, 6]))).toMatchObject({ name: "app", version: 2 });
    ts.append("other", { ...meta(1), serial: null, lineage: null }, new Uint8Array([7]));
    expect(ts.latest("app")).toEqual({ name: "app", version: 2, ...meta(2) });
    expect(ts.version("other", 1)).toMatchObject({ serial: null, lineage: null });
    expect(ts.versions("app").map((v) => v.version)).toEqual([1, 2]);
    expect([...ts.data("app", 1)!]).toEqual([1, 2, 3]);
    expect(ts.data("app", 3)).toBeUndefined();
    ts.tryLock(lock("locked-only", "L"));
    expect(ts.names()).toEqual(["app", "locked-only", "other"]);
    const again = reopen(s).teamStates;
    expect([...again.data("app", 2)!]).toEqual([4, 5, 6]);
    expect(again.deleteVersions("app")).toBe(2);
    expect(again.latest("app")).toBeUndefined();
  });

  it("gives a team state lock to one holder: a second locker gets the holder's row until it unlocks", async () => {
    const s = await newStore();
    const ts = s.teamStates;
    const first = lock("app", "11111111", "alice");
    expect(ts.tryLock(first)).toEqual(first);
    expect(ts.tryLock(lock("app", "22222222", "bob"))).toEqual(first);
    expect(ts.lock("app")).toEqual(first);
    const again = reopen(s).teamStates; // the lock outlives the process
    expect(again.tryLock(lock("app", "33333333", "carol"))).toEqual(first);
    again.unlock("app");
    expect(again.lock("app")).toBeUndefined();
    const bob = lock("app", "22222222", "bob");
    expect(again.tryLock(bob)).toEqual(bob);
  });
});
