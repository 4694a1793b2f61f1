import type { DriftReport } from "../plan/drift.js";
import { coverageLine, driftHeadline } from "./drift-text.js";

/** Most findings listed in the webhook's `text` before "…and N more". */
const TEXT_LINES = 15;

/**
 * What `--webhook` POSTs: a small summary (counts, coverage, addresses; never attribute values) with a `text`
 * field that Slack-compatible incoming webhooks display as the message.
 */
export interface DriftWebhookPayload {
  text: string;
  format_version: string;
  checked_at: string;
  drifted: boolean;
  errored: boolean;
  counts: DriftReport["counts"];
  coverage: { percent: number; managed: number; unmanaged: number };
  sources: { name: string; changed: number; deleted: number; pending: number; errors: number }[];
  drift: { source: string; address: string; action: "update" | "delete" }[];
  pending: { source: string; address: string; action: string }[];
  unmanaged: { type: string; id: string; name: string | null }[];
}

/** Builds the webhook payload from a report. Pure. */
export function driftWebhookPayload(r: DriftReport): DriftWebhookPayload {
  const findings = [
    ...r.drift.map((d) => `• ${d.address} ${d.action === "delete" ? "deleted" : "changed"} outside backplan (${d.source})`),
    ...r.pending.map((p) => `• ${p.address}: apply would ${p.action} it (${p.source})`),
    ...r.unmanaged.map((u) => `• unmanaged ${u.type} ${u.id}${u.name ? ` "${u.name}"` : ""}`),
  ];
  const shown = findings.slice(0, TEXT_LINES);
  if (findings.length > shown.length) shown.push(`…and ${findings.length - shown.length} more`);
  const text = [`*backplan drift*: ${driftHeadline(r)}`, coverageLine(r), ...shown].join("\n");
  return {
    text,
    format_version: r.format_version,
    checked_at: r.checked_at,
    drifted: r.drifted,
    errored: r.errored,
    counts: r.counts,
    coverage: { percent: r.coverage.percent, managed: r.coverage.managed, unmanaged: r.coverage.unmanaged },
    sources: r.sources.map((s) => ({ name: s.name, changed: s.changed, deleted: s.deleted, pending: s.pending, errors: s.errors.length })),
    drift: r.drift.map((d) => ({ source: d.source, address: d.address, action: d.action })),
    pending: r.pending.map((p) => ({ source: p.source, address: p.address, action: p.action })),
    unmanaged: r.unmanaged.map((u) => ({ type: u.type, id: u.id, name: u.name })),
  };
}
