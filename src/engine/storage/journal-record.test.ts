import { describe, expect, it } from "vitest";
import { decodeRecords, encodeRecord, HEADER_BYTES } from "./journal-record.js";

describe("journal records", () => {
  const w = encodeRecord({ type: "write", volumeUuid: "vol-1", offset: 123_456_789, data: Buffer.from("hello") });
  const p = encodeRecord({ type: "point", groupId: 7, timestamp: 1_700_000_000_000 });
  it("round-trips writes and points", () => {
    const d = decodeRecords(Buffer.concat([w, p]));
    expect(d.stoppedBecause).toBeUndefined();
    expect(d.records.map((r) => r.record)).toEqual([
      { type: "write", volumeUuid: "vol-1", offset: 123_456_789, data: Buffer.from("hello") },
      { type: "point", groupId: 7, timestamp: 1_700_000_000_000 },
    ]);
    expect(d.validEnd).toBe(w.length + p.length);
  });
  it("stops at a truncated tail", () => {
    const d = decodeRecords(Buffer.concat([w, p.subarray(0, p.length - 1)]));
    expect(d.records).toHaveLength(1);
    expect(d.validEnd).toBe(w.length);
    expect(d.stoppedBecause).toMatch(/truncated payload/);
  });
  it("stops at a flipped bit (crc) and at garbage (magic)", () => {
    const flipped = Buffer.concat([w, p]);
    flipped[w.length + HEADER_BYTES + 3]! ^= 1;
    expect(decodeRecords(flipped).stoppedBecause).toMatch(/crc mismatch at byte/);
    expect(decodeRecords(Buffer.concat([w, Buffer.alloc(20)])).stoppedBecause).toMatch(/bad magic/);
  });
});
