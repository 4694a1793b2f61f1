import { createHash } from "node:crypto";
import type { PointChoice } from "./declaration.js";

/**
 * A recovery point a VM can be restored from, as the public APIs list it. `volumeSizes` are bytes; CSBS reports
 * whole GB per disk, so its sizes are multiples of `sizeUnit` and a check compares at that granularity.
 */
export type RecoveryPoint =
  | { kind: "cdp"; cdpTaskUuid: string; groupId: number; time: number; volumeSizes: number[] }
  | { kind: "backup"; groupUuid: string; time: number; volumeSizes: number[] }
  | { kind: "csbs"; checkpointId: string; itemId: string; resourceId: string; time: number; volumeSizes: number[]; sizeUnit: number };

/** Short text naming a point: `CDP point 42 of task …` / `VM backup …` / `CSBS backup … of checkpoint …`. */
export function pointLabel(p: RecoveryPoint): string {
  switch (p.kind) {
    case "cdp":
      return `CDP point ${p.groupId} of task ${p.cdpTaskUuid}`;
    case "backup":
      return `VM backup ${p.groupUuid}`;
    case "csbs":
      return `CSBS backup ${p.itemId} of checkpoint ${p.checkpointId}`;
  }
}

/**
 * The point to restore, or null when none qualifies. Pure: `random` is a hash of the seed and the VM uuid, so a
 * run is reproducible and different VMs get different picks.
 */
export function choosePoint(points: readonly RecoveryPoint[], choice: PointChoice, vmUuid: string, nowMs: number): RecoveryPoint | null {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  if (sorted.length === 0) return null;
  switch (choice.kind) {
    case "latest":
      return sorted[sorted.length - 1]!;
    case "oldest":
      return sorted[0]!;
    case "random": {
      const window = sorted.filter((p) => nowMs - p.time <= choice.withinSeconds * 1000);
      if (window.length === 0) return null;
      const h = createHash("sha256").update(`${choice.seed}\0${vmUuid}`).digest();
      return window[h.readUInt32BE(0) % window.length]!;
    }
  }
}
