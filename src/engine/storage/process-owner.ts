import { readFileSync } from "node:fs";
import { pidAlive } from "./durable-file.js";

/**
 * Who holds a lock marker or a pin: a pid plus that process's start time (Linux `/proc/<pid>/stat`, field 22).
 * A pid alone is not enough: after a restart (containers restart their engine as the same low pid) a dead
 * holder's pid may belong to a live stranger, and a marker naming it would block every locker forever.
 */
export interface ProcessOwner {
  pid: number;
  /** Clock ticks since boot when the process started; undefined where /proc is not available. */
  startTime?: number;
}

/** The start time of `pid`, or undefined when it cannot be read (no /proc, or no such process). */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let self: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  if (!self) {
    const startTime = processStartTime(process.pid);
    self = startTime === undefined ? { pid: process.pid } : { pid: process.pid, startTime };
  }
  return self;
}

/** `"<pid> <startTime>"` (or just the pid): what a marker or pin file records about its owner. */
export function formatOwner(o: ProcessOwner): string {
  return o.startTime === undefined ? String(o.pid) : `${o.pid} ${o.startTime}`;
}

export function parseOwner(text: string): ProcessOwner | undefined {
  const [pidText, startText] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const startTime = startText === undefined ? undefined : Number(startText);
  return startTime === undefined || !Number.isSafeInteger(startTime) ? { pid } : { pid, startTime };
}

/** Whether the recorded owner still runs: its pid is alive and, when both are known, started at the same time. */
export function ownerAlive(o: ProcessOwner): boolean {
  if (!pidAlive(o.pid)) return false;
  if (o.startTime === undefined) return true;
  const now = processStartTime(o.pid);
  return now === undefined || now === o.startTime;
}
