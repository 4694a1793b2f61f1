import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../store/sqlite-store.js";
import { EmbeddedCluster } from "../cluster/embedded-cluster.js";
import { INTERRUPTED_MESSAGE, Jobs, SHUTDOWN_MESSAGE } from "./jobs.js";

/** A node among several (shared metadata) whose liveness the test decides; coordination itself is tested on PostgreSQL. */
class SharedNode extends EmbeddedCluster {
  override readonly shared = true;
  live = true;
  override stillLive(): boolean {
    return this.live;
  }
}

describe("Jobs", () => {
  const dirs: string[] = [];
  const dbs: SqliteMetadataStore[] = [];
  const open = (dir: string) => {
    const db = new SqliteMetadataStore(dir);
    dbs.push(db);
    return db;
  };
  afterEach(() => {
    for (const db of dbs.splice(0)) if (db.db.open) db.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), "backplan-jobs-"));
    dirs.push(d);
    return d;
  };
  const settled = async (jobs: Jobs, uuid: string) => {
    for (let i = 0; i < 100; i++) {
      const j = jobs.get(uuid);
      if (j && j.status !== "running") return j;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error("job did not settle");
  };

  it("records success and failure payloads", async () => {
    const clock = { now: () => 1000 };
    const jobs = new Jobs(open(newDir()), clock, 60_000);
    jobs.start("a", "Ok", 1, async () => ({ inventory: 1 }), () => ({ kind: "internal", message: "x" }));
    jobs.start("b", "Bad", 1, async () => Promise.reject(new Error("boom")), (e) => ({ kind: "conflict", message: (e as Error).message }));
    expect(await settled(jobs, "a")).toMatchObject({ status: "succeeded", result: { inventory: 1 } });
    expect(await settled(jobs, "b")).toMatchObject({ status: "failed", error: { kind: "conflict", message: "boom" } });
  });

  it("a graceful stop aborts running jobs and records them failed at once", async () => {
    const dir = newDir();
    const db = open(dir);
    const jobs = new Jobs(db, { now: () => 0 }, 60_000);
    let seenAbort = false;
    jobs.start("c", "Slow", 1, (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => { seenAbort = true; reject(signal.reason); })), () => ({ kind: "internal", message: "aborted" }));
    await new Promise((r) => setImmediate(r));
    expect(jobs.get("c")?.status).toBe("running");
    jobs.close();
    expect(seenAbort).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(jobs.get("c")).toMatchObject({ status: "failed", error: { message: SHUTDOWN_MESSAGE } });
    db.close();
    expect(new Jobs(open(dir), { now: () => 5 }, 60_000).get("c")).toMatchObject({ status: "failed", error: { message: SHUTDOWN_MESSAGE } });
  });

  it("keeps at most the newest finished jobs, however fast they are started", async () => {
    let now = 0;
    const jobs = new Jobs(open(newDir()), { now: () => now++ }, 3_600_000, 50);
    for (let i = 0; i < 500; i++) jobs.start(`j${i}`, "Ok", 1, async () => ({}), () => ({ kind: "internal", message: "" }));
    await settled(jobs, "j499");
    const kept = Array.from({ length: 500 }, (_, i) => `j${i}`).filter((u) => jobs.has(u));
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe("j450");
  });

  it("fails, on the next start, a job that was running when the engine crashed", async () => {
    const dir = newDir();
    const db = open(dir);
    const jobs = new Jobs(db, { now: () => 0 }, 60_000);
    jobs.start("c", "Slow", 1, () => new Promise(() => undefined), () => ({ kind: "internal", message: "aborted" }));
    await new Promise((r) => setImmediate(r));
    db.close(); // no close(): as after SIGKILL

    const reopened = new Jobs(open(dir), { now: () => 5 }, 60_000);
    expect(reopened.get("c")).toMatchObject({ status: "failed", error: { kind: "internal", message: INTERRUPTED_MESSAGE }, finishDate: 5 });
  });

  it("forgets finished jobs after the expiry period, keeps running ones", async () => {
    let now = 0;
    const jobs = new Jobs(open(newDir()), { now: () => now }, 1000);
    jobs.start("d", "Ok", 1, async () => ({}), () => ({ kind: "internal", message: "" }));
    await settled(jobs, "d");
    now = 999;
    expect(jobs.get("d")).toBeDefined();
    now = 1000;
    expect(jobs.get("d")).toBeUndefined();
    expect(jobs.has("d")).toBe(false);
  });

  it("with other nodes, a restart fails only this node's and unowned running jobs; another node's waits for failOrphan", async () => {
    const dir = newDir();
    const db = open(dir);
    const forever = () => new Promise(() => undefined);
    const toError = () => ({ kind: "internal" as const, message: "" });
    new Jobs(db, { now: () => 0 }, 60_000, 100).start("legacy", "Slow", 1, forever, toError); // before clusters: no node
    const a = new Jobs(db, { now: () => 0 }, 60_000, 100, new SharedNode("a")); // fails the unowned one
    a.start("ja", "Slow", 1, forever, toError);
    const b = new Jobs(db, { now: () => 0 }, 60_000, 100, new SharedNode("b")); // leaves a's alone
    b.start("jb", "Slow", 1, forever, toError);
    await new Promise((r) => setImmediate(r));
    expect(b.get("ja")).toMatchObject({ status: "running", node: "a" });
    expect(b.get("legacy")).toMatchObject({ status: "failed", error: { message: INTERRUPTED_MESSAGE } });
    db.close(); // as after SIGKILL of both

    const restartedA = new Jobs(open(dir), { now: () => 7 }, 60_000, 100, new SharedNode("a"));
    expect(restartedA.get("ja")).toMatchObject({ status: "failed", node: "a", error: { message: INTERRUPTED_MESSAGE } });
    expect(restartedA.get("jb")).toMatchObject({ status: "running", node: "b" });
    expect(restartedA.runningElsewhere().map((j) => j.uuid)).toEqual(["jb"]);
    expect(restartedA.failOrphan("jb", "c")).toBe(false); // not c's job
    expect(restartedA.failOrphan("jb", "b")).toBe(true);
    expect(restartedA.get("jb")).toMatchObject({ status: "failed", node: "b", error: { kind: "internal", message: expect.stringContaining('node "b" running this job stopped') } });
    expect(restartedA.failOrphan("jb", "b")).toBe(false); // once
  });

  it("a job whose node may have looked dead while it ran ends failed, never succeeded", async () => {
    const node = new SharedNode("a");
    const jobs = new Jobs(open(newDir()), { now: () => 0 }, 60_000, 100, node);
    let finish: (v: unknown) => void = () => undefined;
    jobs.start("j", "Backup", 1, () => new Promise((r) => (finish = r)), () => ({ kind: "internal", message: "" }));
    await new Promise((r) => setImmediate(r));
    node.live = false;
    finish({ inventory: {} });
    expect(await settled(jobs, "j")).toMatchObject({ status: "failed", error: { message: expect.stringContaining('node "a" running this job lost contact with the cluster database') } });
  });
});
