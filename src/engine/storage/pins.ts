import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChunkPin, PinScan } from "./coordination.js";
import { readdirOrEmpty } from "./durable-file.js";
import { currentOwner, formatOwner, ownerAlive, parseOwner } from "./process-owner.js";

/**
 * Chunks an operation in flight has in hand but no manifest references yet: the chunks a running backup has
 * stored or deduplicated, the parent chunks it will reuse, the chunks a restore is reading. Garbage collection
 * keeps every chunk a live pin names, so those operations need not hold the storage lock while they wait on a
 * bandwidth throttle — they hold it only for the moments they add to their pin or publish a manifest.
 *
 * One file per operation, `<storage>/pins/<random>.pin`: the owner (pid and start time) on the first line,
 * then a hash per line. Not fsync'd: a pin matters only while its owner runs, and a crash ends that. A pin
 * whose owner is gone is what an interrupted operation left; GC removes it with the chunks only it kept.
 *
 * Contract with GC: add a hash while holding the storage's shared lock, before relying on the chunk existing;
 * GC reads pins under the exclusive lock, so it sees every hash added before it started.
 */
export class Pin implements ChunkPin {
  private constructor(readonly path: string) {}

  static async create(storageDir: string): Promise<Pin> {
    const dir = pinsDir(storageDir);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${randomBytes(8).toString("hex")}.pin`);
    await writeFile(path, `${formatOwner(currentOwner())}\n`, { flag: "wx" });
    return new Pin(path);
  }

  async add(hashes: Iterable<string | null>): Promise<void> {
    let text = "";
    for (const h of hashes) if (h !== null) text += `${h}\n`;
    if (text !== "") await appendFile(this.path, text);
  }

  /** A pin file protects its chunks for as long as its process runs: nothing can have lapsed. */
  async confirm(): Promise<void> {}

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

export function pinsDir(storageDir: string): string {
  return join(storageDir, "pins");
}

/**
 * Reads every pin file of a storage: `stale` are the paths of pin files whose owner no longer runs (interrupted
 * operations). Call under the exclusive lock for a view no new pin can add to.
 */
export async function scanPins(storageDir: string): Promise<PinScan> {
  const dir = pinsDir(storageDir);
  const live = new Set<string>();
  const stale: string[] = [];
  for (const name of await readdirOrEmpty(dir)) {
    if (!name.endsWith(".pin")) continue;
    let text: string;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw e;
    }
    const [first = "", ...hashes] = text.split("\n");
    const owner = parseOwner(first);
    if (owner && ownerAlive(owner)) {
      for (const h of hashes) if (h !== "") live.add(h);
    } else {
      stale.push(join(dir, name));
    }
  }
  return { live, stale };
}
