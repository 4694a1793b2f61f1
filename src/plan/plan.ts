import type { Action, ActionReason } from "./action.js";

/** Plain JSON, as stored in plan files and state. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A value as plans carry it, in Terraform's plan-JSON encoding: the known part, plus two trees of the same shape
 * marking leaves that are unknown ("known after apply") and sensitive. `unknown`/`sensitive` are `true` for the
 * whole value, `false` for none of it, or a nested object/array for a per-leaf answer.
 */
export interface PlanValue {
  value: Json;
  unknown: Json;
  sensitive: Json;
}

/** The planned change to one resource instance (or, in `Plan.drift`, what changed outside backplan). */
export interface ResourceChange {
  /** `module.a.zstack_cdp_task.web["k"]` */
  address: string;
  /** Set when a `moved` block (or a state mv) gives the instance a new address. */
  previousAddress?: string;
  /** `module.a`, absent in the root module. */
  moduleAddress?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  /** count index or for_each key. */
  index?: number | string;
  /** `registry.terraform.io/backplan/zstack` */
  providerName: string;
  action: Action;
  /** For replace: create the new object before deleting the old one. */
  createBeforeDestroy?: boolean;
  reason?: ActionReason;
  /** Null for creates. */
  before: PlanValue | null;
  /** Null for deletes. */
  after: PlanValue | null;
  /** Attribute paths that force the replacement (`[["policy_uuid"]]`). */
  replacePaths: (string | number)[][];
  /** Set when the instance is being imported (`import` block or adoption of a pending create). */
  importing?: { id: string };
  /** Deposed object key, for a create_before_destroy replacement left half done. */
  deposed?: string;
}

export interface OutputChange {
  name: string;
  action: Action;
  before: PlanValue | null;
  after: PlanValue | null;
  sensitive: boolean;
}

export type PlanMode = "normal" | "destroy" | "refresh-only";

/**
 * One entry of Terraform's `relevant_attributes`: an attribute of a resource (instance) that configuration of
 * something the plan changes refers to, directly or through locals, variables, module outputs and other resources.
 */
export interface RelevantAttribute {
  /** `module.a.zstack_cdp_task.web`, with the instance key only when the reference had one. */
  resource: string;
  attribute: (string | number)[];
}

/** One diagnostic carried by the plan (warnings from checks, errors that made it incomplete). */
export interface PlanDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail: string;
  address?: string;
}

/**
 * Everything `apply PLANFILE` needs and everything a reviewer sees. A saved plan applies only onto the state it
 * was made from (same lineage and serial) and the same configuration (same content hash).
 */
export interface Plan {
  formatVersion: 1;
  /** RFC 3339 time the plan was made. */
  timestamp: string;
  mode: PlanMode;
  /** Changes in dependency order (deletes included); no-ops included so reviewers see what was checked. */
  changes: ResourceChange[];
  /** What changed outside backplan since the last apply (refresh vs prior state), per instance. */
  drift: ResourceChange[];
  outputs: OutputChange[];
  /** Input variables as given (sensitive ones marked), so apply uses exactly these. */
  variables: Record<string, { value: Json; sensitive: boolean }>;
  prior: { lineage: string; serial: number };
  /** SHA-256 over the configuration files the plan was made from. */
  configHash: string;
  /** Flags that shaped the plan (`-target`, `-replace`...), recorded for the reviewer and for apply. */
  targets: string[];
  /** False when `-target`/`-exclude` left parts out, or the plan errored. */
  complete: boolean;
  errored: boolean;
  diagnostics: PlanDiagnostic[];
  /**
   * What the plan does to VM protection (src/protection's PlanProtection), computed after planning and saved
   * with the plan so `show` can render it. Opaque here: the plan engine neither reads nor writes it.
   */
  protection?: unknown;
  /**
   * The attributes this plan's changes depend on (see `RelevantAttribute`), worked out from the configuration
   * when the plan is made; they decide which drift the human plan shows. Absent in plans saved before it existed.
   */
  relevantAttributes?: RelevantAttribute[];
  /**
   * The prior state as refreshed by this plan (data sources read while planning included), in state v4 JSON: what
   * Terraform's plan JSON calls `prior_state`. Absent in plans saved before it existed.
   */
  priorState?: Json;
}

/**
 * Terraform's rule: a normal plan is applyable when it changes anything — imports and moves included, since
 * applying them changes the state; refresh-only when drift was found.
 */
export function isApplyable(plan: Plan): boolean {
  if (plan.errored) return false;
  if (plan.mode === "refresh-only") return plan.drift.length > 0 || plan.outputs.some((o) => o.action !== "no-op");
  return plan.changes.some((c) => c.action !== "no-op" || c.importing || c.previousAddress) || plan.outputs.some((o) => o.action !== "no-op");
}

export interface ChangeCounts {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  import: number;
  forget: number;
  read: number;
}

/** Counts as the summary line states them (a replace counts once under `replace`). */
export function countChanges(changes: readonly ResourceChange[]): ChangeCounts {
  const c: ChangeCounts = { add: 0, change: 0, replace: 0, destroy: 0, import: 0, forget: 0, read: 0 };
  for (const ch of changes) {
    if (ch.importing) c.import++;
    switch (ch.action) {
      case "create":
        c.add++;
        break;
      case "update":
        c.change++;
        break;
      case "replace":
        c.replace++;
        break;
      case "delete":
        c.destroy++;
        break;
      case "forget":
        c.forget++;
        break;
      case "read":
        c.read++;
        break;
      case "no-op":
        break;
    }
  }
  return c;
}
