import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Test support: sparse volume files with deterministic pseudo-random content. */

/** A small seeded PRNG (mulberry32), so a crashed child's writes can be recomputed by the parent. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` bytes from the generator. */
export function randomBuffer(next: () => number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i += 4) {
    const v = (next() * 4294967296) >>> 0;
    if (i + 4 <= length) b.writeUInt32LE(v, i);
    else for (let j = i; j < length; j++) b[j] = (v >>> ((j - i) * 8)) & 0xff;
  }
  return b;
}

export async function createSparse(path: string, size: number): Promise<void> {
  await writeFile(path, "");
  await truncate(path, size);
}

export async function writeAt(path: string, offset: number, data: Buffer): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.write(data, 0, data.length, offset);
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** A temp dir removed by the returned function. */
export function tempDir(prefix = "backplan-storage-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
