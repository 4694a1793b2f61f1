import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../store/sqlite-store.js";
import { DomainError } from "./errors.js";
import { StateLockedError, TeamStates } from "./team-states.js";

const state = (serial: number) => Buffer.from(JSON.stringify({ version: 4, serial, lineage: "L", resources: [] }));
const lock = (id: string) => JSON.stringify({ ID: id, Operation: "OperationTypeApply", Who: "w" });

describe("TeamStates", () => {
  let db: SqliteMetadataStore;
  let dir: string;
  let states: TeamStates;
  let now = 1000;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-team-states-"));
    db = new SqliteMetadataStore(dir);
    states = new TeamStates(db.teamStates, { now: () => now });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("numbers versions per name and keeps every one, with serial, lineage, md5, time and writer", () => {
    states.write("a", state(1), { who: "alice" });
    now = 2000;
    states.write("a", state(5), { who: "bob" });
    states.write("b", state(1), { who: "alice" });
    expect(states.versions("a")).toEqual([
      { version: 1, serial: 1, lineage: "L", size: state(1).length, md5: createHash("md5").update(state(1)).digest("base64"), createdAt: 1000, createdBy: "alice" },
      { version: 2, serial: 5, lineage: "L", size: state(5).length, md5: createHash("md5").update(state(5)).digest("base64"), createdAt: 2000, createdBy: "bob" },
    ]);
    expect(Buffer.from(states.current("a")!.data).toString()).toBe(state(5).toString());
    expect(Buffer.from(states.version("a", 1).data).toString()).toBe(state(1).toString());
    expect(() => states.version("a", 3)).toThrow(DomainError);
    expect(states.current("c")).toBeUndefined();
    expect(states.list().map((s) => [s.name, s.latest?.version])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
  });

  it("a locked state takes writes only with the holder's ID; a second lock gets the holder's info", () => {
    states.lock("a", lock("one"), "alice");
    states.lock("a", lock("one"), "alice"); // the same holder again
    const conflict = (() => {
      try {
        states.lock("a", lock("two"), "bob");
      } catch (e) {
        return e;
      }
    })();
    expect(conflict).toBeInstanceOf(StateLockedError);
    expect(JSON.parse((conflict as StateLockedError).holder).ID).toBe("one");
    expect(() => states.write("a", state(1), { who: "bob" })).toThrow(StateLockedError);
    expect(() => states.write("a", state(1), { lockId: "two", who: "bob" })).toThrow(StateLockedError);
    states.write("a", state(1), { lockId: "one", who: "alice" });
    expect(() => states.unlock("a", "two")).toThrow(StateLockedError);
    expect(() => states.delete("a", undefined)).toThrow(StateLockedError);
    states.unlock("a", "one");
    expect(() => states.unlock("a", "one")).toThrow("is not locked");
    states.lock("a", lock("three"), "carol");
    states.unlock("a", undefined, true);
    expect(states.holder("a")).toBeUndefined();
  });

  it.each([
    ["a body that is not JSON", () => states.write("a", Buffer.from("nope"), { who: "x" }), /must be a JSON object/],
    ["a damaged upload", () => states.write("a", state(1), { md5: "AAAAAAAAAAAAAAAAAAAAAA==", who: "x" }), /Content-MD5/],
    ["a lock without ID", () => states.lock("a", JSON.stringify({ Who: "x" }), "x"), /non-empty string "ID"/],
    ["a name with a slash", () => states.current("a/b"), /state name "a\/b"/],
  ])("refuses %s", (_, run, message) => {
    expect(run).toThrow(message);
    expect(states.versions("a")).toEqual([]);
  });

  it("deletes every version and the holder's lock; deleting nothing is not_found", () => {
    states.write("a", state(1), { who: "x" });
    states.lock("a", lock("one"), "x");
    states.delete("a", "one");
    expect(states.versions("a")).toEqual([]);
    expect(states.holder("a")).toBeUndefined();
    expect(() => states.delete("a", undefined)).toThrow("does not exist");
  });
});
