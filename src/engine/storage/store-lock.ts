import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { HELD_FOR_LIFE, type LockHold, type StorageLock } from "./coordination.js";
import { readdirOrEmpty } from "./durable-file.js";
import { currentOwner, formatOwner, ownerAlive, parseOwner } from "./process-owner.js";

type LockMode = "shared" | "excl";

/**
 * A shared/exclusive lock over one backup storage directory, made of marker files so that it works across
 * processes (on one host) and survives crashes: a marker names its pid, and markers of dead pids are ignored
 * and removed (a marker records its owner's start time too, so a pid reused by another process after a crash
 * does not keep a dead holder's marker alive). CDP base writes and the short reference/publish steps of backups
 * and restores hold it shared (a throttled backup never holds it while it waits: see pins.ts); garbage
 * collection holds it exclusive.
 *
 * Protocol (each side publishes its marker, then looks at the other's — so at least one of two racing sides
 * sees the other): a shared taker that sees a live exclusive marker withdraws and retries; an exclusive taker
 * that sees another live exclusive marker withdraws and retries after a random pause, otherwise it keeps its
 * marker (blocking new shared takers) and waits until no live shared marker is left.
 */
export class StoreLock implements StorageLock {
  constructor(readonly dir: string) {}

  async shared<T>(fn: (hold: LockHold) => Promise<T>): Promise<T> {
    const marker = await this.acquire("shared");
    try {
      return await fn(HELD_FOR_LIFE);
    } finally {
      await rm(marker, { force: true });
    }
  }

  async exclusive<T>(fn: (hold: LockHold) => Promise<T>): Promise<T> {
    const marker = await this.acquire("excl");
    try {
      return await fn(HELD_FOR_LIFE);
    } finally {
      await rm(marker, { force: true });
    }
  }

  private async acquire(mode: LockMode): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const name = `${mode}-${process.pid}-${randomBytes(6).toString("hex")}.lock`;
      const path = join(this.dir, name);
      await writeFile(path, formatOwner(currentOwner()), { flag: "wx" });
      const others = await this.liveMarkers(name);
      const exclusiveOthers = others.filter((n) => n.startsWith("excl-"));
      if (exclusiveOthers.length === 0) {
        if (mode === "shared") return path;
        // Exclusive: our marker now blocks new shared takers; wait for the ones already inside to leave.
        while ((await this.liveMarkers(name)).some((n) => n.startsWith("shared-"))) await sleep(5);
        return path;
      }
      await rm(path, { force: true });
      await sleep(mode === "excl" ? 5 + Math.random() * 20 * Math.min(attempt + 1, 10) : 5);
    }
  }

  /** Markers other than `own` whose process is alive; markers of dead processes are deleted on the way. */
  private async liveMarkers(own: string): Promise<string[]> {
    const out: string[] = [];
    for (const n of await readdirOrEmpty(this.dir)) {
      if (n === own || !n.endsWith(".lock")) continue;
      let text: string;
      try {
        text = await readFile(join(this.dir, n), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
        throw e;
      }
      // An empty marker is being written right now (or its writer died in between): judge it by its name's pid.
      const owner = parseOwner(text === "" ? (n.split("-")[1] ?? "") : text);
      if (owner && ownerAlive(owner)) out.push(n);
      else await rm(join(this.dir, n), { force: true });
    }
    return out;
  }
}
