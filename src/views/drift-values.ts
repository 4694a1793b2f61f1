import type { AttributeChange } from "../plan/drift.js";
import type { Json } from "../plan/plan.js";

/** Longest rendering of one value in a drift line before it is cut with "…". */
const MAX_VALUE = 120;

/** A value as drift reports print it: JSON, cut to a readable length. Sensitive values arrive masked already. */
export function driftValue(v: Json, sensitive = false): string {
  if (sensitive) return typeof v === "string" ? v : "(sensitive value)";
  const text = JSON.stringify(v) ?? "null";
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** `path = before -> after` (or `-> (known after apply)`). */
export function changeLine(c: AttributeChange): string {
  const after = c.unknown ? "(known after apply)" : driftValue(c.after, c.sensitive === true);
  return `${c.path} = ${driftValue(c.before, c.sensitive === true)} -> ${after}`;
}
