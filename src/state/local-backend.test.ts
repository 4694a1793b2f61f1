import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeJournal } from "./journal-format.js";
import { openLocalState, readLocalState } from "./local-backend.js";
import { forceUnlock, lockInfoPath, readLockInfo } from "./lock.js";
import { State, type InstanceObject } from "./state.js";
import { startHelper } from "./testing/child.js";
import { decodeStateV4, encodeStateV4 } from "./v4.js";

const P = 'provider["registry.terraform.io/backplan/zstack"]';
const obj = (id: string): InstanceObject => ({ schemaVersion: 0, attributes: { id }, sensitiveAttributes: [], dependencies: [] });

describe("local backend with journal", () => {
  let dir: string;
  let statePath: string;
  let journalPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-state-"));
    statePath = join(dir, "terraform.tfstate");
    journalPath = statePath + ".journal";
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const readFile = () => decodeStateV4(readFileSync(statePath, "utf8"));

  it("journals each change without rewriting the state file, and folds on close with serial + 1", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    expect(s.stamp().serial).toBe(0);
    await s.setInstance("x.y[0]", obj("a"), { provider: P });
    await s.setInstance("x.y[1]", obj("b"), { provider: P });
    await s.removeInstance("x.y[0]");
    expect(stateBytes(statePath)).toBe(0); // absent, or the empty file Terraform's record lock creates
    const journal = decodeJournal(readFileSync(journalPath, "utf8"), journalPath);
    expect(journal.entries.map((e) => [e.seq, e.change.op])).toEqual([
      [1, "set"],
      [2, "set"],
      [3, "remove"],
    ]);
    expect(journal.entries.every((e) => e.lineage === s.lineage && e.baseSerial === 0)).toBe(true);
    await s.close();
    expect(existsSync(journalPath)).toBe(false);
    expect(existsSync(lockInfoPath(statePath))).toBe(false);
    const file = readFile();
    expect(file.serial).toBe(1);
    expect(file.instanceAddresses()).toEqual(["x.y[1]"]);
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
  });

  it("serial grows once per fold, not per change; the backup is the state as the run found it", async () => {
    const first = await openLocalState({ dir });
    await first.setInstance("x.y", obj("v1"), { provider: P });
    await first.close();
    const v1 = readFileSync(statePath, "utf8");
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await s.setInstance(`x.z[${i}]`, obj(`z${i}`), { provider: P });
    await s.fold();
    expect(readFile().serial).toBe(2);
    await s.setInstance("x.y", obj("v2"), { provider: P });
    await s.close();
    expect(readFile().serial).toBe(3);
    expect(readFile().getInstance("x.y")?.attributes.id).toBe("v2");
    expect(readFileSync(statePath + ".backup", "utf8")).toBe(v1);
  });

  it("folds by itself every N entries", async () => {
    const s = await openLocalState({ dir, foldEveryEntries: 5, foldIntervalMs: 0 });
    for (let i = 0; i < 12; i++) await s.setInstance(`x.y[${i}]`, obj(`${i}`), { provider: P });
    await s.fold(); // waits for queued I/O, including the automatic folds
    expect(readFile().objectCount()).toBe(12);
    expect(readFile().serial).toBeGreaterThanOrEqual(2);
    await s.close();
  });

  it("folds by size: only once the journal has grown past a fraction of the state file, so folds stay amortised linear", async () => {
    const s = await openLocalState({ dir, foldRatio: 0.5, foldMinBytes: 1, foldIntervalMs: 0 });
    // One at a time: each change is its own journal write, so the fold points are deterministic.
    for (let i = 0; i < 200; i++) await s.setInstance(`x.y[${i}]`, obj(`${i}`), { provider: P });
    const firstHalf = s.stats().folds;
    for (let i = 200; i < 400; i++) await s.setInstance(`x.y[${i}]`, obj(`${i}`), { provider: P });
    const secondHalf = s.stats().folds - firstHalf;
    // The state grows by a constant factor between folds, so doubling it takes a few folds, not one per change
    // (the first half folds more: while the state is tiny its fixed header dominates).
    expect(secondHalf).toBeGreaterThanOrEqual(1);
    expect(secondHalf).toBeLessThanOrEqual(5);
    await s.fold();
    expect(readFile().objectCount()).toBe(400);
    await s.close();
  });

  it("does not fold by size below foldMinBytes: the journal alone holds the changes until close", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    for (let i = 0; i < 50; i++) await s.setInstance(`x.y[${i}]`, obj(`${i}`), { provider: P });
    expect(s.stats().folds).toBe(0);
    expect(stateBytes(statePath)).toBe(0); // absent, or the empty file Terraform's record lock creates
    expect(decodeJournal(readFileSync(journalPath, "utf8"), journalPath).entries).toHaveLength(50);
    await s.close();
    expect(readFile().objectCount()).toBe(50);
  });

  it("folds by itself T ms after the first unfolded change", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 50 });
    await s.setInstance("x.y", obj("a"), { provider: P });
    await new Promise((r) => setTimeout(r, 300));
    expect(readFile().instanceAddresses()).toEqual(["x.y"]);
    expect(existsSync(journalPath)).toBe(false);
    await s.close();
  });

  it("many concurrent changes all become durable (group commit) and keep their order", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.setInstance(`x.y[${i}]`, obj(`${i}`), { provider: P })));
    const entries = decodeJournal(readFileSync(journalPath, "utf8"), journalPath).entries;
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(s.stats().journalLines).toBe(200);
    expect(s.stats().journalWrites).toBeLessThan(20); // changes made together share a write + fdatasync
    await s.close();
    expect(readFile().objectCount()).toBe(200);
  });

  it("a journal left behind is replayed and folded at open; a torn last line is ignored", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    await s.setInstance("x.y[0]", obj("a"), { provider: P });
    await s.setOutput("o", { value: "x", type: "string", sensitive: false });
    // Simulate a crash: no close (no fold), the lock stays, half a line at the end.
    appendFileSync(journalPath, '{"seq":3,"lineage":"');
    const lockId = (await readLockInfo(statePath))!.ID;
    await forceUnlock(statePath, lockId);

    const peek = await readLocalState({ dir });
    expect(peek.state.instanceAddresses()).toEqual(["x.y[0]"]);
    expect(peek.state.serial).toBe(1);
    expect(stateBytes(statePath)).toBe(0); // absent, or the empty file Terraform's record lock creates

    const again = await openLocalState({ dir });
    expect(existsSync(journalPath)).toBe(false);
    expect(again.stamp()).toEqual({ lineage: s.lineage, serial: 1 });
    expect(again.getOutput("o")?.value).toBe("x");
    await again.setInstance("x.y[1]", obj("b"), { provider: P });
    await again.close();
    expect(readFile().instanceAddresses()).toEqual(["x.y[0]", "x.y[1]"]);
  });

  it("refuses a journal from another lineage or written on a serial the file has moved past", async () => {
    writeFileSync(statePath, encodeStateV4(new State({ serial: 5 })));
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    await s.setInstance("x.y", obj("a"), { provider: P });
    const journal = readFileSync(journalPath, "utf8");
    await forceUnlock(statePath, s.lockInfo!.ID);

    writeFileSync(statePath, encodeStateV4(new State({ serial: 5 })));
    await expect(openLocalState({ dir })).rejects.toThrow("does not match the state's lineage");
    writeFileSync(statePath, encodeStateV4(new State({ lineage: s.lineage, serial: 9 })));
    writeFileSync(journalPath, journal);
    await expect(openLocalState({ dir })).rejects.toThrow("written on top of serial 5 but");
    expect(existsSync(lockInfoPath(statePath))).toBe(false); // a failed open releases the lock
  });

  it("pending creates survive folds and reopen, outside the v4 file, until settled", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    await s.recordPendingCreate("zstack_cdp_task.a", { id: "uuid-a", provider: P });
    await s.recordPendingCreate("zstack_cdp_task.b", { id: "uuid-b" });
    await s.recordPendingCreate("zstack_cdp_task.c", { id: "uuid-c" });
    await s.setInstance("zstack_cdp_task.a", obj("uuid-a"), { provider: P });
    await s.clearPending("zstack_cdp_task.c");
    expect(s.pending().map((p) => [p.address, p.id])).toEqual([["zstack_cdp_task.b", "uuid-b"]]);
    expect(s.pendingFor("zstack_cdp_task.b")?.id).toBe("uuid-b");
    expect(s.pendingFor("zstack_cdp_task.a")).toBeUndefined();
    await s.close();
    expect(readFileSync(statePath, "utf8")).not.toContain("uuid-b");
    expect(existsSync(journalPath)).toBe(true);

    const again = await openLocalState({ dir });
    expect(again.pending()).toMatchObject([{ address: "zstack_cdp_task.b", id: "uuid-b" }]);
    expect(again.serial).toBe(1);
    await again.setInstance("zstack_cdp_task.b", obj("uuid-b"), { provider: P });
    await again.close();
    expect(existsSync(journalPath)).toBe(false);
    expect((await readLocalState({ dir })).pending).toEqual([]);
  });

  it("a fold killed between writing the state file and resetting the journal loses and duplicates nothing", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    await s.recordPendingCreate("x.y[1]", { id: "u1" });
    await s.setInstance("x.y[0]", obj("a"), { provider: P });
    const journal = readFileSync(journalPath, "utf8");
    await s.close();
    writeFileSync(journalPath, journal); // as if the journal reset never happened
    const again = await openLocalState({ dir });
    expect(again.serial).toBe(1);
    expect(again.snapshot().instanceAddresses()).toEqual(["x.y[0]"]);
    expect(again.pending().map((p) => p.id)).toEqual(["u1"]);
    await again.close();
  });

  it("journals the object as it was passed, even if the caller changes it right after", async () => {
    const s = await openLocalState({ dir, foldIntervalMs: 0 });
    const o = obj("before");
    const done = s.setInstance("x.y", o, { provider: P });
    o.attributes.id = "after";
    await done;
    const line = decodeJournal(readFileSync(journalPath, "utf8"), journalPath).entries[0];
    expect(line?.change).toMatchObject({ op: "set", object: { attributes: { id: "before" } } });
    expect(s.getInstance("x.y")?.attributes.id).toBe("before");
    await s.close();
  });

  it("replaceState writes the given content at once, keeping lineage", async () => {
    const s = await openLocalState({ dir });
    await s.setInstance("x.y", obj("a"), { provider: P });
    const next = new State();
    next.setInstance("x.z", obj("z"), { provider: P });
    await s.replaceState(next);
    expect(readFile().instanceAddresses()).toEqual(["x.z"]);
    expect(readFile().lineage).toBe(s.lineage);
    await s.close();
  });

  it("refuses use after close and bad input with clear errors", async () => {
    const s = await openLocalState({ dir });
    await expect(s.setInstance("x.y", obj("a"))).rejects.toThrow("cannot add x.y to state: no provider configuration given");
    await expect(s.setInstance("x..y", obj("a"), { provider: P })).rejects.toThrow('invalid resource instance address "x..y"');
    await s.close();
    await expect(s.setInstance("x.y", obj("a"), { provider: P })).rejects.toThrow("is closed");
  });

  it("after SIGKILL mid-way through thousands of appends, every acknowledged change is there exactly once", async () => {
    const child = startHelper("journal-writer.ts", [dir, "20000", "8", "700"]);
    await child.waitFor((l) => l.startsWith("ack ") && Number(l.slice(4)) >= 1500);
    child.process.kill("SIGKILL");
    expect(await child.exited).toBe("SIGKILL");
    const acked = child.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
    const pendingAcked = child.lines.filter((l) => l.startsWith("pending ")).map((l) => Number(l.slice(8)));
    expect(acked.length).toBeGreaterThanOrEqual(1500);
    expect(acked.length).toBeLessThan(20000);

    const lock = await readLockInfo(statePath);
    expect(lock).toBeDefined(); // the killed run still holds the lock, as in Terraform
    await forceUnlock(statePath, lock!.ID);
    const s = await openLocalState({ dir });
    const state = s.snapshot();
    const addrs = state.instanceAddresses();
    expect(new Set(addrs).size).toBe(addrs.length);
    for (const i of acked) expect(state.getInstance(`x.y[${i}]`)?.attributes).toMatchObject({ id: `uuid-${i}`, index: i });
    // A create whose pending record was acknowledged is either in the state or still pending: never lost.
    const pending = new Set(s.pending().map((p) => p.address));
    for (const i of pendingAcked) expect(state.getInstance(`x.y[${i}]`) !== undefined || pending.has(`x.y[${i}]`)).toBe(true);
    for (const p of s.pending()) expect(p.id).toBe(`uuid-${p.address.slice(4, -1)}`);
    await s.close();
    // And the folded file holds the same, readable by the plain v4 decoder.
    expect(readFile().instanceAddresses()).toEqual(addrs);
  });
});

function stateBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}
