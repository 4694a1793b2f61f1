import type { ChangedRegions } from "./backup-store.js";
import { StorageError } from "./errors.js";

/** Whether bit `i` is set (least-significant bit first within each byte). */
export function bitSet(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

export function setBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
}

/** Bytes a bitmap of `bits` bits needs. */
export function bitmapBytes(bits: number): number {
  return Math.ceil(bits / 8);
}

/**
 * Maps changed regions onto chunks: entry `i` is true when any changed bit overlaps chunk `i` of `chunkSize`
 * bytes. Granularities need not match (a coarser bitmap marks every chunk it overlaps). Bits past the bitmap's
 * end are clear (a tracker only grows its bitmap as far as writes reached).
 */
export function dirtyChunks(changed: ChangedRegions, chunkSize: number, count: number): boolean[] {
  const g = changed.granularity;
  if (!Number.isSafeInteger(g) || g <= 0) {
    throw new StorageError("invalid_argument", `changed.granularity must be a positive integer, got ${g}`, "changed.granularity");
  }
  const out: boolean[] = new Array<boolean>(count).fill(false);
  for (let i = 0; i < count; i++) {
    const first = Math.floor((i * chunkSize) / g);
    const last = Math.floor(((i + 1) * chunkSize - 1) / g);
    for (let b = first; b <= last; b++) {
      if (bitSet(changed.bitmap, b)) {
        out[i] = true;
        break;
      }
    }
  }
  return out;
}
