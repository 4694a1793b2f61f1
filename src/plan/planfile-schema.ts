import { z } from "zod";
import type { Plan } from "./plan.js";

/**
 * The shape of a saved plan, checked when a plan file is read: a file that gunzips to the right envelope but
 * carries a damaged plan (edited by hand, cut, written by another tool) must be refused with a message naming
 * the field, not crash `show` or `apply` half-way. Unknown keys are kept: newer optional fields pass through.
 */
const action = z.enum(["no-op", "create", "read", "update", "replace", "delete", "forget"]);
const planValue = z.looseObject({ value: z.json(), unknown: z.json(), sensitive: z.json() }).nullable();
const path = z.array(z.array(z.union([z.string(), z.number()])));

const resourceChange = z.looseObject({
  address: z.string(),
  previousAddress: z.string().optional(),
  moduleAddress: z.string().optional(),
  mode: z.enum(["managed", "data"]),
  type: z.string(),
  name: z.string(),
  index: z.union([z.number(), z.string()]).optional(),
  providerName: z.string(),
  action,
  createBeforeDestroy: z.boolean().optional(),
  reason: z.string().optional(),
  before: planValue,
  after: planValue,
  replacePaths: path,
  importing: z.looseObject({ id: z.string() }).optional(),
  deposed: z.string().optional(),
});

const planSchema = z.looseObject({
  formatVersion: z.literal(1),
  timestamp: z.string(),
  mode: z.enum(["normal", "destroy", "refresh-only"]),
  changes: z.array(resourceChange),
  drift: z.array(resourceChange),
  outputs: z.array(z.looseObject({ name: z.string(), action, before: planValue, after: planValue, sensitive: z.boolean() })),
  variables: z.record(z.string(), z.looseObject({ value: z.json(), sensitive: z.boolean() })),
  prior: z.looseObject({ lineage: z.string(), serial: z.number().int().nonnegative() }),
  configHash: z.string(),
  targets: z.array(z.string()),
  complete: z.boolean(),
  errored: z.boolean(),
  diagnostics: z.array(z.looseObject({ severity: z.enum(["error", "warning"]), summary: z.string(), detail: z.string(), address: z.string().optional() })),
  protection: z.unknown().optional(),
  relevantAttributes: z.array(z.looseObject({ resource: z.string(), attribute: z.array(z.union([z.string(), z.number()])) })).optional(),
  priorState: z.json().optional(),
});

/** The plan, or the first problem as `field.path: message`. */
export function checkPlan(value: unknown): { plan: Plan } | { problem: string } {
  const r = planSchema.safeParse(value);
  if (r.success) return { plan: r.data as Plan };
  const issue = r.error.issues[0]!;
  const at = issue.path.length ? issue.path.map(String).join(".") : "(plan)";
  return { problem: `plan.${at}: ${issue.message}` };
}
