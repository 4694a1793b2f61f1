import { describe, expect, it } from "vitest";
import { applyJournalChange, decodeJournal, encodeJournalLine, type JournalEntry, type PendingCreate } from "./journal-format.js";
import { State, StateError } from "./state.js";

const P = 'provider["registry.terraform.io/backplan/zstack"]';
const entry = (seq: number): JournalEntry => ({
  seq,
  lineage: "L",
  baseSerial: 3,
  change: { op: "set", addr: `x.y[${seq}]`, provider: P, object: { schemaVersion: 0, attributes: { id: `id-${seq}` }, sensitiveAttributes: [], dependencies: [] } },
});

describe("journal lines", () => {
  it("encode one JSON line with lineage, seq and crc, and decode back", () => {
    const line = encodeJournalLine(entry(1));
    expect(line.endsWith("\n")).toBe(true);
    expect(line.split("\n")).toHaveLength(2);
    expect(JSON.parse(line)).toMatchObject({ seq: 1, lineage: "L", base_serial: 3, op: "set", addr: "x.y[1]", crc: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(decodeJournal(line, "j")).toEqual({ entries: [entry(1)], tornBytes: 0 });
  });

  it("ignores a torn last line, with or without its newline", () => {
    const good = encodeJournalLine(entry(1)) + encodeJournalLine(entry(2));
    const third = encodeJournalLine(entry(3));
    const torn = third.slice(0, 40);
    expect(decodeJournal(good + torn, "j")).toMatchObject({ entries: [entry(1), entry(2)], tornBytes: 40 });
    // A line that parses but whose crc does not match (bytes changed in the tail) counts as torn too.
    const flipped = third.replace("id-3", "id-9");
    expect(decodeJournal(good + flipped, "j").entries).toHaveLength(2);
  });

  it("refuses a damaged line that intact lines follow: that is corruption, not a torn append", () => {
    const text = encodeJournalLine(entry(1)) + "garbage\n" + encodeJournalLine(entry(3));
    expect(() => decodeJournal(text, "terraform.tfstate.journal")).toThrow(StateError);
    expect(() => decodeJournal(text, "terraform.tfstate.journal")).toThrow("terraform.tfstate.journal:2: journal line is damaged");
  });

  it("applying a change twice gives the same state as once, and settles pending creates", () => {
    const s = new State();
    const pending = new Map<string, PendingCreate>();
    applyJournalChange(s, pending, { op: "pending_create", addr: "x.y[1]", id: "u-1", at: "t" }, 1);
    expect([...pending.keys()]).toEqual(["x.y[1]"]);
    const e = entry(1);
    applyJournalChange(s, pending, e.change, 2);
    applyJournalChange(s, pending, e.change, 2);
    expect(s.objectCount()).toBe(1);
    expect(pending.size).toBe(0);
    applyJournalChange(s, pending, { op: "remove", addr: "x.y[1]" }, 3);
    applyJournalChange(s, pending, { op: "remove", addr: "x.y[1]" }, 3);
    expect(s.objectCount()).toBe(0);
  });
});
