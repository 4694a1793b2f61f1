import { randomBuffer, rng } from "./volumes.js";

/** The seeded write stream the crash child appends to a CDP journal; the parent replays it to know the bytes. */
export function* journalWrites(seed: number, vols: { uuid: string; size: number }[]): Generator<{ volumeUuid: string; offset: number; data: Buffer }> {
  const next = rng(seed);
  for (;;) {
    const v = vols[Math.floor(next() * vols.length)]!;
    const len = 1 + Math.floor(next() * 100_000);
    const offset = Math.floor(next() * (v.size - len));
    yield { volumeUuid: v.uuid, offset, data: randomBuffer(next, len) };
  }
}
