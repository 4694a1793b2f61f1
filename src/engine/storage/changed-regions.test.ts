import { describe, expect, it } from "vitest";
import { dirtyChunks } from "./changed-regions.js";

describe("dirtyChunks", () => {
  const bitmap = (bits: number[]) => {
    const b = new Uint8Array(8);
    for (const i of bits) b[i >> 3]! |= 1 << (i & 7);
    return b;
  };
  it("maps a finer bitmap onto chunks", () => {
    expect(dirtyChunks({ granularity: 1024, bitmap: bitmap([0, 9]) }, 4096, 4)).toEqual([true, false, true, false]);
  });
  it("maps a coarser bitmap onto every chunk it overlaps", () => {
    expect(dirtyChunks({ granularity: 8192, bitmap: bitmap([1]) }, 4096, 5)).toEqual([false, false, true, true, false]);
  });
  it("treats bits past the bitmap's end as clean", () => {
    expect(dirtyChunks({ granularity: 4096, bitmap: new Uint8Array(0) }, 4096, 3)).toEqual([false, false, false]);
  });
  it("rejects a nonsense granularity naming the field", () => {
    expect(() => dirtyChunks({ granularity: 0, bitmap: new Uint8Array(1) }, 4096, 1)).toThrow(/changed.granularity/);
  });
});
