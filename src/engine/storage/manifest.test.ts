import { describe, expect, it } from "vitest";
import { StorageError } from "./errors.js";
import { MANIFEST_FORMAT, chunkCount, chunkLength, decodeManifest, encodeManifest, type VolumeManifest } from "./manifest.js";

describe("manifest", () => {
  const m: VolumeManifest = {
    format: MANIFEST_FORMAT, backupId: "b", volumeSize: 10_000, chunkSize: 4096, parentId: null, mode: "full",
    storedSize: 4096, createdAt: 1, chunks: ["a".repeat(64), null, "b".repeat(64)],
  };
  it("round-trips", () => expect(decodeManifest(encodeManifest(m), "x.json")).toEqual(m));
  it("computes chunk counts and lengths", () => {
    expect(chunkCount(10_000, 4096)).toBe(3);
    expect(chunkLength(2, 10_000, 4096)).toBe(10_000 - 8192);
    expect(chunkCount(0, 4096)).toBe(0);
  });
  it("names the file and the field of a bad manifest", () => {
    const bad = decodeManifest.bind(null, JSON.stringify({ ...m, chunks: ["nothex", null, null] }), "/s/m.json");
    expect(bad).toThrow(StorageError);
    expect(bad).toThrow(/\/s\/m\.json: manifest field "chunks.0"/);
    expect(() => decodeManifest(JSON.stringify({ ...m, chunks: [null] }), "m.json")).toThrow(/lists 1 chunks, a 10000-byte volume needs 3/);
    expect(() => decodeManifest("{", "m.json")).toThrow(/m\.json: manifest is not JSON/);
  });
});
