import { assertNever } from "../plan/action.js";
import type { ChangeCounts } from "../plan/plan.js";
import { styleFor } from "./style.js";

/**
 * The lines `backplan apply` prints while it works and when it is done, in Terraform's wording
 * (`zstack_cdp_task.web: Creating...`, `Still creating... [10s elapsed]`, `Creation complete after 2s [id=...]`,
 * `Apply complete! Resources: ...`). Pure: the caller measures time and passes elapsed milliseconds.
 */

/** The provider operation under way (a replacement is a delete and a create, reported separately). */
export type ApplyOperation = "create" | "update" | "delete" | "read";

export interface ProgressSubject {
  address: string;
  /** Deposed object key, when destroying what a create_before_destroy replacement left behind. */
  deposed?: string;
  /** The attribute that identifies the remote object (`uuid`, `id`) and its value, when known. */
  id?: { key: string; value: string };
}

export interface ProgressOptions {
  color?: boolean;
}

/** Longest id shown in "Still ..." lines; longer ones keep their start and end. */
const MAX_ID = 80;

function subjectAddress(s: ProgressSubject): string {
  return s.deposed ? `${s.address} (deposed object ${s.deposed})` : s.address;
}

function idSuffix(s: ProgressSubject): string {
  return s.id && s.id.value !== "" ? ` [${s.id.key}=${s.id.value}]` : "";
}

function shortId(id: string): string {
  const chars = [...id];
  if (chars.length <= MAX_ID) return id;
  const keep = MAX_ID - 3;
  const left = Math.ceil(keep / 2);
  return `${chars.slice(0, left).join("")}...${chars.slice(chars.length - (keep - left)).join("")}`;
}

/** Go's time.Duration text, rounded to whole seconds: `0s`, `2s`, `1m30s`, `1h0m5s`. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

function line(text: string, o: ProgressOptions): string {
  return styleFor(o.color ?? false).bold(text);
}

function verb(op: ApplyOperation): { start: string; still: string; done: string; failed: string } {
  switch (op) {
    case "create":
      return { start: "Creating...", still: "Still creating...", done: "Creation complete", failed: "Creation errored" };
    case "update":
      return { start: "Modifying...", still: "Still modifying...", done: "Modifications complete", failed: "Modifications errored" };
    case "delete":
      return { start: "Destroying...", still: "Still destroying...", done: "Destruction complete", failed: "Destruction errored" };
    case "read":
      return { start: "Reading...", still: "Still reading...", done: "Read complete", failed: "Read errored" };
    default:
      return assertNever(op);
  }
}

/** `zstack_cdp_task.web: Modifying... [uuid=...]` (the id of the prior object, when there is one). */
export function progressStart(op: ApplyOperation, subject: ProgressSubject, o: ProgressOptions = {}): string {
  return line(`${subjectAddress(subject)}: ${verb(op).start}${idSuffix(subject)}`, o);
}

/** `zstack_cdp_task.web: Still creating... [10s elapsed]`, or `[uuid=..., 10s elapsed]`; printed every 10 s. */
export function progressStill(op: ApplyOperation, subject: ProgressSubject, elapsedMs: number, o: ProgressOptions = {}): string {
  const id = subject.id && subject.id.value !== "" ? `${subject.id.key}=${shortId(subject.id.value)}, ` : "";
  return line(`${subject.address}: ${verb(op).still} [${id}${formatElapsed(elapsedMs)} elapsed]`, o);
}

/** `zstack_cdp_task.web: Creation complete after 2s [uuid=...]` (the id of the new object). */
export function progressDone(op: ApplyOperation, subject: ProgressSubject, elapsedMs: number, o: ProgressOptions = {}): string {
  return line(`${subjectAddress(subject)}: ${verb(op).done} after ${formatElapsed(elapsedMs)}${idSuffix(subject)}`, o);
}

/** `zstack_cdp_task.web: Creation errored after 3s` (the error itself is reported as a diagnostic). */
export function progressFailed(op: ApplyOperation, subject: ProgressSubject, elapsedMs: number, o: ProgressOptions = {}): string {
  return line(`${subjectAddress(subject)}: ${verb(op).failed} after ${formatElapsed(elapsedMs)}`, o);
}

/** `zstack_cdp_task.web: Refreshing state... [uuid=...]` */
export function refreshLine(subject: ProgressSubject, o: ProgressOptions = {}): string {
  return line(`${subjectAddress(subject)}: Refreshing state...${idSuffix(subject)}`, o);
}

/** `zstack_cdp_task.web: Preparing import... [id=...]` (plan) */
export function importPreparingLine(address: string, importId: string, o: ProgressOptions = {}): string {
  return line(`${address}: Preparing import... [id=${importId}]`, o);
}

/** `zstack_cdp_task.web: Importing... [id=...]` (apply) */
export function importStartLine(address: string, importId: string, o: ProgressOptions = {}): string {
  return line(`${address}: Importing... [id=${importId}]`, o);
}

/** `zstack_cdp_task.web: Import complete [id=...]` (apply) */
export function importDoneLine(address: string, importId: string, o: ProgressOptions = {}): string {
  return line(`${address}: Import complete [id=${importId}]`, o);
}

/** What an apply did, as its closing line counts it. */
export interface ApplyCounts {
  added: number;
  changed: number;
  destroyed: number;
  imported?: number;
  forgotten?: number;
}

/**
 * Turns plan-style counts (a replacement once under `replace`) into what an apply reports (one added and one
 * destroyed per replacement).
 */
export function applyCountsFromPlan(c: ChangeCounts): ApplyCounts {
  return { added: c.add + c.replace, changed: c.change, destroyed: c.destroy + c.replace, imported: c.import, forgotten: c.forget };
}

/**
 * `Apply complete! Resources: [N imported, ]N added, N changed, N destroyed[, N forgotten].`, or for a destroy
 * run `Destroy complete! Resources: N destroyed.`
 */
export function applySummary(counts: ApplyCounts, o: ProgressOptions & { destroy?: boolean } = {}): string {
  const s = styleFor(o.color ?? false);
  if (o.destroy) return s.bold(s.green(`Destroy complete! Resources: ${counts.destroyed} destroyed.`));
  const parts: string[] = [];
  if (counts.imported) parts.push(`${counts.imported} imported`);
  parts.push(`${counts.added} added`, `${counts.changed} changed`, `${counts.destroyed} destroyed`);
  if (counts.forgotten) parts.push(`${counts.forgotten} forgotten`);
  return s.bold(s.green(`Apply complete! Resources: ${parts.join(", ")}.`));
}
