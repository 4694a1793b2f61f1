import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { query, startPostgres, type Postgres } from "../../../test/support/postgres.js";
import { MetadataConflictError, MetadataError } from "./metadata-store.js";
import { PgMetadataStore } from "./pg-store.js";

/**
 * Several PostgreSQL metadata stores on one database, as several engine nodes: what one writes the others see
 * after `refresh()`, a write based on a stale read is refused rather than lost, and concurrent writers in
 * separate processes leave every store with the same content.
 */
interface Thing {
  uuid: string;
  n: number;
  by?: string;
}

const ROOT = resolve(import.meta.dirname, "../../..");

describe("PostgreSQL metadata store: several processes, one database", () => {
  let pgsrv: Postgres;
  let dbCount = 0;
  const open: PgMetadataStore[] = [];
  const store = (url: string) => {
    const s = PgMetadataStore.open(url);
    open.push(s);
    return s;
  };
  const freshDb = () => pgsrv.createDatabase(`multi${++dbCount}`);

  beforeAll(async () => {
    pgsrv = await startPostgres();
  }, 120_000);
  afterAll(() => pgsrv.stop());
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it("shows one store's puts and deletes in another after refresh, and tells its listeners", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    const ta = a.collection<Thing>("thing");
    const tb = b.collection<Thing>("thing");
    const heard: string[] = [];
    tb.onStoreChange((uuid, next, prev) => heard.push(`${uuid}:${prev?.n ?? "-"}->${next?.n ?? "-"}`));
    ta.put({ uuid: "x", n: 1 });
    ta.put({ uuid: "y", n: 1 });
    expect(tb.get("x")).toBeUndefined(); // not before a refresh
    b.refresh();
    expect(tb.all()).toEqual([{ uuid: "x", n: 1 }, { uuid: "y", n: 1 }]);
    ta.put({ uuid: "x", n: 2 });
    ta.delete("y");
    b.refresh();
    expect(tb.all()).toEqual([{ uuid: "x", n: 2 }]);
    expect(heard).toEqual(["x:-->1", "y:-->1", "x:1->2", "y:1->-"]);
    b.refresh(); // nothing new: nothing heard
    expect(heard).toHaveLength(4);
    // A kind the other store never asked for is there when it does.
    a.collection<Thing>("late").put({ uuid: "l", n: 1 });
    b.refresh();
    expect(b.collection<Thing>("late").all()).toEqual([{ uuid: "l", n: 1 }]);
  });

  it("refuses a write based on a stale read, refreshes, and takes the retry", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    const ta = a.collection<Thing>("thing");
    const tb = b.collection<Thing>("thing");
    ta.put({ uuid: "x", n: 1 });
    b.refresh();
    ta.put({ uuid: "x", n: 2 }); // b has not seen this one
    expect(() => tb.put({ ...tb.get("x")!, by: "b" })).toThrow(MetadataConflictError);
    expect(tb.get("x")).toEqual({ uuid: "x", n: 2 }); // refreshed by the refusal
    tb.put({ ...tb.get("x")!, by: "b" });
    a.refresh();
    expect(ta.get("x")).toEqual({ uuid: "x", n: 2, by: "b" });
    // Deleting what the other changed meanwhile is a conflict too; deleting what it deleted is not.
    ta.put({ uuid: "x", n: 3 });
    expect(() => tb.delete("x")).toThrow(MetadataConflictError);
    ta.delete("x");
    b.refresh();
    ta.put({ uuid: "z", n: 1 });
    b.refresh();
    ta.delete("z");
    expect(tb.delete("z")).toBe(true);
  });

  it("refuses a second creation of the same document, and a whole transaction with one stale write", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    const ta = a.collection<Thing>("thing");
    const tb = b.collection<Thing>("thing");
    ta.put({ uuid: "same", n: 1 });
    expect(() => tb.put({ uuid: "same", n: 2 })).toThrow(/was changed by another engine node/);
    expect(tb.get("same")).toEqual({ uuid: "same", n: 1 });
    ta.put({ uuid: "same", n: 3 });
    expect(() =>
      b.transaction(() => {
        tb.put({ uuid: "fresh", n: 1 });
        tb.put({ ...tb.get("same")!, by: "b" });
      }),
    ).toThrow(MetadataConflictError);
    expect(tb.has("fresh")).toBe(false);
    a.refresh();
    expect(ta.has("fresh")).toBe(false); // nothing of the refused transaction was stored
    expect(tb.get("same")).toEqual({ uuid: "same", n: 3 });
  });

  it("lists in creation order on every node, whichever learned of a creation first", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    a.collection<Thing>("thing").put({ uuid: "a1", n: 0 });
    b.collection<Thing>("thing").put({ uuid: "b1", n: 0 }); // b has not seen a1 yet
    a.collection<Thing>("thing").put({ uuid: "a2", n: 0 });
    a.refresh();
    b.refresh();
    const order = ["a1", "b1", "a2"];
    expect(a.collection<Thing>("thing").all().map((t) => t.uuid)).toEqual(order);
    expect(b.collection<Thing>("thing").all().map((t) => t.uuid)).toEqual(order);
  });

  it("reloads everything when tombstones it had not seen were pruned, so no delete is missed", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    a.collection<Thing>("thing").put({ uuid: "old", n: 1 });
    a.collection<Thing>("thing").put({ uuid: "kept", n: 1 });
    b.refresh();
    const heard: string[] = [];
    b.collection<Thing>("thing").onStoreChange((uuid, next) => heard.push(`${uuid}:${next ? "here" : "gone"}`));
    a.collection<Thing>("thing").delete("old");
    await query(url, "UPDATE engine_documents SET changed_at = now() - interval '2 hours' WHERE doc IS NULL");
    store(url); // opening prunes old tombstones
    expect(await query(url, "SELECT uuid FROM engine_documents WHERE doc IS NULL")).toEqual([]);
    b.refresh();
    expect(b.collection<Thing>("thing").all()).toEqual([{ uuid: "kept", n: 1 }]);
    expect(heard).toEqual(["old:gone"]);
  });

  it("shares team state locks: the second node gets the first node's lock", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    const mine = { name: "app", lockId: "L1", info: '{"ID":"L1"}', createdAt: 1, createdBy: "alice" };
    expect(a.teamStates.tryLock(mine)).toEqual(mine);
    expect(b.teamStates.tryLock({ ...mine, lockId: "L2", info: '{"ID":"L2"}', createdBy: "bob" })).toEqual(mine);
    b.teamStates.append("app", { serial: 1, lineage: "x", size: 1, md5: "m", createdAt: 2, createdBy: "bob" }, new Uint8Array([1]));
    expect(a.teamStates.latest("app")).toMatchObject({ version: 1, createdBy: "bob" });
  });

  it("carries on after the server ended its connections: reads and writes work again, nothing is lost", async () => {
    const url = await freshDb();
    const [a, b] = [store(url), store(url)];
    a.collection<Thing>("thing").put({ uuid: "before", n: 1 });
    b.refresh();
    const ended = await query<{ ended: boolean }>(url, "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'backplan-engine'");
    expect(ended.length).toBe(2);
    b.refresh(); // repeated on a new connection whether or not the loss was noticed before the call
    a.collection<Thing>("thing").put({ uuid: "after", n: 2 });
    b.refresh();
    expect(b.collection<Thing>("thing").all()).toEqual([
      { uuid: "before", n: 1 },
      { uuid: "after", n: 2 },
    ]);
    expect(b.teamStates.names()).toEqual([]);
  });

  it("runs each migration once however many stores open the database", async () => {
    const url = await freshDb();
    store(url);
    store(url);
    const rows = await query<{ version: number; n: string }>(url, "SELECT version, count(*) AS n FROM engine_schema_migrations GROUP BY version");
    expect(rows).toEqual([{ version: 1, n: "1" }]);
  });

  it("refuses a database with a newer schema, and an unreachable server, naming --metadata without the password", async () => {
    const url = await freshDb();
    store(url);
    await query(url, "INSERT INTO engine_schema_migrations (version, name, applied_by) VALUES (99, 'future', 'test')");
    expect(() => PgMetadataStore.open(url)).toThrow(/schema is at version 99, newer than this engine knows/);
    const port = pgsrv.port === 1 ? 2 : 1; // nothing listens on port 1 or 2
    const dead = `postgres://bob:s3cret@127.0.0.1:${port}/x`;
    const e = (() => {
      try {
        PgMetadataStore.open(dead);
      } catch (err) {
        return err as Error;
      }
      throw new Error("opened");
    })();
    expect(e).toBeInstanceOf(MetadataError);
    expect(e.message).toContain(`--metadata postgres://bob:***@127.0.0.1:${port}/x: cannot open the metadata database`);
    expect(e.message).not.toContain("s3cret");
    expect(() => PgMetadataStore.open("mysql://u@h/db")).toThrow(/--metadata mysql:\/\/u@h\/db: the scheme must be postgres/);
  });

  it("converges: two processes writing at once while a third store refreshes throughout all end with the same content", async () => {
    const url = await freshDb();
    const observer = store(url);
    type Report = { increments: number; conflicts: number; things: Thing[] };
    const writer = (id: string) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/support/metadata-writer.ts"), url, id, "600"], { cwd: ROOT });
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const written = new Promise<void>((done) => child.stdout.on("data", (d: Buffer) => (out += d.toString()).startsWith("written\n") && done()));
      const report = new Promise<Report>((done, fail) =>
        child.on("exit", (code) => (code === 0 ? done(JSON.parse(out.slice("written\n".length))) : fail(new Error(`writer ${id} exited ${code}: ${err}`)))),
      );
      report.catch(() => undefined);
      return { child, written, report };
    };
    const writers = [writer("p"), writer("q")];
    let finished = false;
    void Promise.all(writers.map((w) => Promise.race([w.written, w.report]))).then(() => (finished = true));
    let refreshes = 0;
    while (!finished) {
      observer.refresh(); // incremental, racing the writers' commits
      refreshes++;
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const w of writers) w.child.stdin.end("go\n"); // both are done writing: each reads the final content
    const [p, q] = (await Promise.all(writers.map((w) => w.report))) as [Report, Report];
    observer.refresh();
    const fresh = store(url); // everything, read in one snapshot
    const dump = (things: readonly Thing[]) => things.map((t) => JSON.stringify(t));
    const expected = dump(fresh.collection<Thing>("thing").all());
    expect(expected.length).toBeGreaterThan(1000);
    expect(dump(observer.collection<Thing>("thing").all())).toEqual(expected);
    expect(dump(p.things)).toEqual(expected);
    expect(dump(q.things)).toEqual(expected);
    // No increment of the shared counter was lost: each was a read-modify-write that either stored or was refused.
    expect(fresh.collection<{ uuid: string; n: number }>("counter").get("shared")?.n).toBe(p.increments + q.increments);
    expect(observer.collection<{ uuid: string; n: number }>("counter").get("shared")?.n).toBe(240);
    expect(refreshes).toBeGreaterThan(10);
  }, 120_000);
});
