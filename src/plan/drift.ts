import type { ListedObject } from "../sdk/define.js";
import type { Action } from "./action.js";
import { candidatesOfAttribute, candidatesOfInstance, candidatesOfUnmanaged, formatPath, ignoringRule, type IgnoreRule } from "./drift-ignore.js";
import type { Json, PlanValue, ResourceChange } from "./plan.js";

/**
 * The drift report: what a set of configurations/states no longer matches in the live APIs. Pure: the CLI
 * gathers plans (or state refreshes) and inventory listings, this turns them into one report. Its shape is the
 * `-json` document (schema `format_version` "1.0", documented in docs/drift.md); fields are only added within 1.x.
 */

export const DRIFT_FORMAT_VERSION = "1.0";

/** Shown instead of a sensitive value. */
export const SENSITIVE = "(sensitive value)";

/** One configuration directory or bare state file that was checked. */
export interface DriftSourceInput {
  /** As given on the command line. */
  name: string;
  kind: "config" | "state";
  statePath: string;
  stamp: { lineage: string; serial: number };
  /** "normal": configuration divergence is reported too; "refresh-only": only changes made outside backplan. */
  mode: "normal" | "refresh-only";
  /** Changes made outside backplan (state vs live), as the plan's `drift`. */
  drift: readonly ResourceChange[];
  /** The plan's changes (config vs live); no-ops and data reads are skipped. Empty in refresh-only mode. */
  changes: readonly ResourceChange[];
  /** Every managed instance in the state: its type and, when the type has an inventory, its identifier. */
  managed: readonly { address: string; type: string; id: string | null }[];
  /** Rules for this source's findings (the cwd's file, then the directory's). */
  rules: readonly IgnoreRule[];
  /** Why the source could not be checked completely (diagnostics, provider errors). */
  errors: readonly string[];
}

export interface DriftInput {
  sources: readonly DriftSourceInput[];
  /** Listed objects per resource type (types whose listing failed are absent and named in `errors`). */
  inventory: ReadonlyMap<string, readonly ListedObject[]>;
  /** Rules for objects no state manages (every ignore file read). */
  inventoryRules: readonly IgnoreRule[];
  /**
   * Per resource type, the attributes whose changes are observations rather than drift (the provider's computed,
   * non-stable attributes: status, usage counters, last latency). Left out of drift entries and counted in
   * `counts.runtime`; pass an empty map to report them.
   */
  runtimeAttributes: ReadonlyMap<string, ReadonlySet<string>>;
  /** Problems outside any one source (an inventory listing that failed). */
  errors: readonly string[];
  version: string;
  /** RFC 3339. */
  checkedAt: string;
}

export interface AttributeChange {
  /** `a.b[0].c` */
  path: string;
  before: Json;
  after: Json;
  /** The value is sensitive: `before`/`after` hold the mask. */
  sensitive?: true;
  /** Known only after apply (pending changes). */
  unknown?: true;
}

export interface DriftEntry {
  source: string;
  address: string;
  type: string;
  /** `update`: attributes changed outside backplan; `delete`: the object is gone. */
  action: "update" | "delete";
  changes: AttributeChange[];
}

export interface PendingEntry {
  source: string;
  address: string;
  type: string;
  /** What `apply` would do to make the live object match the configuration. */
  action: Exclude<Action, "no-op" | "read">;
  reason?: string;
  changes: AttributeChange[];
}

export interface UnmanagedEntry {
  type: string;
  id: string;
  name: string | null;
  /** A command that brings the object under management. */
  import_command: string;
}

export interface IgnoredEntry {
  kind: "drift" | "pending" | "attribute" | "unmanaged";
  /** The address, `<address>.<path>`, or `<type>.<id>`. */
  what: string;
  source?: string;
  /** `file:line` of the deciding rule. */
  rule: string;
}

export interface CoverageCount {
  managed: number;
  unmanaged: number;
}

export interface DriftReport {
  format_version: string;
  backplan_version: string;
  checked_at: string;
  /** Anything found (changed, deleted, pending or unmanaged, after ignore rules): exit code 2. */
  drifted: boolean;
  /** Some source or listing could not be checked: exit code 1. */
  errored: boolean;
  counts: {
    changed: number;
    deleted: number;
    pending: number;
    unmanaged: number;
    /** Findings left out by ignore rules (each listed in `ignored`). */
    ignored: number;
    /** Changes of runtime attributes (status, usage) left out of drift; not listed. */
    runtime: number;
  };
  coverage: {
    /** managed / (managed + unmanaged), percent with one decimal; 100 when nothing was listed. */
    percent: number;
    /** Listed objects some given state manages, plus those a managed object made (see `created_by`). */
    managed: number;
    unmanaged: number;
    /** Listed objects a managed object made on its own (a managed policy's scheduled checkpoints); part of `managed`. */
    managed_by_owner: number;
    /** Listed objects left out by ignore rules (in neither figure). */
    ignored: number;
    /** Resource types whose every object was listed. */
    types: Record<string, CoverageCount>;
  };
  sources: {
    name: string;
    kind: "config" | "state";
    state_path: string;
    mode: "normal" | "refresh-only";
    lineage: string;
    serial: number;
    managed: number;
    changed: number;
    deleted: number;
    pending: number;
    errors: string[];
  }[];
  drift: DriftEntry[];
  pending: PendingEntry[];
  unmanaged: UnmanagedEntry[];
  ignored: IgnoredEntry[];
  errors: { source?: string; message: string }[];
}

/** Builds the report. Entries are sorted by source (in the given order), then address; unmanaged by type, then id. */
export function buildDriftReport(input: DriftInput): DriftReport {
  const ignored: IgnoredEntry[] = [];
  const runtime = { count: 0, attributes: input.runtimeAttributes };
  const drift: DriftEntry[] = [];
  const pending: PendingEntry[] = [];
  for (const src of input.sources) {
    for (const d of sorted(src.drift)) {
      if (d.mode !== "managed") continue;
      const entry = driftEntry(src, d, ignored, runtime);
      if (entry) drift.push(entry);
    }
    if (src.mode === "normal") {
      for (const c of sorted(src.changes)) {
        if (c.mode !== "managed" || c.action === "no-op" || c.action === "read") continue;
        const entry = pendingEntry(src, c, ignored);
        if (entry) pending.push(entry);
      }
    }
  }
  const { unmanaged, coverage } = inventoryFindings(input, ignored);
  const sources = input.sources.map((s) => ({
    name: s.name,
    kind: s.kind,
    state_path: s.statePath,
    mode: s.mode,
    lineage: s.stamp.lineage,
    serial: s.stamp.serial,
    managed: s.managed.length,
    changed: drift.filter((d) => d.source === s.name && d.action === "update").length,
    deleted: drift.filter((d) => d.source === s.name && d.action === "delete").length,
    pending: pending.filter((p) => p.source === s.name).length,
    errors: [...s.errors],
  }));
  const errors = [...input.sources.flatMap((s) => s.errors.map((message) => ({ source: s.name, message }))), ...input.errors.map((message) => ({ message }))];
  return {
    format_version: DRIFT_FORMAT_VERSION,
    backplan_version: input.version,
    checked_at: input.checkedAt,
    drifted: drift.length + pending.length + unmanaged.length > 0,
    errored: errors.length > 0,
    counts: {
      changed: drift.filter((d) => d.action === "update").length,
      deleted: drift.filter((d) => d.action === "delete").length,
      pending: pending.length,
      unmanaged: unmanaged.length,
      ignored: ignored.length,
      runtime: runtime.count,
    },
    coverage,
    sources,
    drift,
    pending,
    unmanaged,
    ignored,
    errors,
  };
}

function sorted(changes: readonly ResourceChange[]): ResourceChange[] {
  return [...changes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

interface RuntimeFilter {
  count: number;
  readonly attributes: ReadonlyMap<string, ReadonlySet<string>>;
}

function driftEntry(src: DriftSourceInput, d: ResourceChange, ignored: IgnoredEntry[], runtime: RuntimeFilter): DriftEntry | undefined {
  const whole = ignoringRule(src.rules, candidatesOfInstance(d.type, d.address));
  if (whole) {
    ignored.push({ kind: "drift", what: d.address, source: src.name, rule: whole.origin });
    return undefined;
  }
  const action = d.action === "delete" ? "delete" : "update";
  if (action === "delete") return { source: src.name, address: d.address, type: d.type, action, changes: [] };
  const observed = runtime.attributes.get(d.type);
  const all = attributeChanges(d.before, d.after).filter((c) => {
    const isRuntime = observed !== undefined && typeof c.steps[0] === "string" && observed.has(c.steps[0]);
    if (isRuntime) runtime.count++;
    return !isRuntime;
  });
  const changes = keptChanges(src, d, all, ignored);
  // A drift entry with nothing left (every changed attribute ignored, or only a move) is not drift.
  return changes.length > 0 ? { source: src.name, address: d.address, type: d.type, action, changes } : undefined;
}

function pendingEntry(src: DriftSourceInput, c: ResourceChange, ignored: IgnoredEntry[]): PendingEntry | undefined {
  const whole = ignoringRule(src.rules, candidatesOfInstance(c.type, c.address));
  if (whole) {
    ignored.push({ kind: "pending", what: c.address, source: src.name, rule: whole.origin });
    return undefined;
  }
  const action = c.action as PendingEntry["action"];
  const base = { source: src.name, address: c.address, type: c.type, action, ...(c.reason ? { reason: c.reason } : {}) };
  if (action !== "update" && action !== "replace") return { ...base, changes: [] };
  const all = attributeChanges(c.before, c.after);
  // Computed values that only become "known after apply" are a consequence of the change, not its cause.
  const known = all.filter((a) => !a.unknown);
  const changes = keptChanges(src, c, known.length > 0 ? known : all, ignored);
  if (action === "update" && changes.length === 0) return undefined;
  return { ...base, changes };
}

function keptChanges(src: DriftSourceInput, rc: ResourceChange, changes: readonly (AttributeChange & { steps: (string | number)[] })[], ignored: IgnoredEntry[]): AttributeChange[] {
  const kept: AttributeChange[] = [];
  for (const { steps, ...change } of changes) {
    const rule = ignoringRule(src.rules, candidatesOfAttribute(rc.type, rc.address, steps));
    if (rule) ignored.push({ kind: "attribute", what: `${rc.address}.${change.path}`, source: src.name, rule: rule.origin });
    else kept.push(change);
  }
  return kept;
}

/**
 * The attribute-level differences between two plan values, down to the leaves of objects and of lists that kept
 * their length (a list that grew or shrank is one change). Sensitive values are masked; unknown ones marked.
 */
export function attributeChanges(before: PlanValue | null, after: PlanValue | null): (AttributeChange & { steps: (string | number)[] })[] {
  const out: (AttributeChange & { steps: (string | number)[] })[] = [];
  const walk = (b: Json, a: Json, bs: Json, as: Json, au: Json, steps: (string | number)[]): void => {
    if (au === true) {
      out.push({ steps, path: formatPath(steps), before: bs === true ? SENSITIVE : b, after: null, unknown: true, ...(bs === true ? { sensitive: true as const } : {}) });
      return;
    }
    if (isObject(b) && isObject(a) && bs !== true && as !== true) {
      for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
        walk(b[k] ?? null, a[k] ?? null, child(bs, k), child(as, k), child(au, k), [...steps, k]);
      }
      return;
    }
    if (Array.isArray(b) && Array.isArray(a) && b.length === a.length && bs !== true && as !== true) {
      b.forEach((x, i) => walk(x, a[i] ?? null, child(bs, i), child(as, i), child(au, i), [...steps, i]));
      return;
    }
    const sensitive = bs === true || as === true;
    if (jsonEqual(b, a) && (bs === true) === (as === true)) return;
    out.push({ steps, path: formatPath(steps), before: bs === true ? SENSITIVE : b, after: as === true ? SENSITIVE : a, ...(sensitive ? { sensitive: true as const } : {}) });
  };
  walk(before?.value ?? null, after?.value ?? null, before?.sensitive ?? false, after?.sensitive ?? false, after?.unknown ?? false, []);
  return out;
}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function child(marks: Json, key: string | number): Json {
  if (marks === true) return true;
  if (typeof key === "number") return Array.isArray(marks) ? (marks[key] ?? false) : false;
  return isObject(marks) ? (marks[key] ?? false) : false;
}

function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k]!, b[k]!));
  }
  return false;
}

function inventoryFindings(input: DriftInput, ignored: IgnoredEntry[]): { unmanaged: UnmanagedEntry[]; coverage: DriftReport["coverage"] } {
  const managedIds = new Set<string>();
  for (const s of input.sources) for (const m of s.managed) if (m.id !== null) managedIds.add(key(m.type, m.id));
  const types: Record<string, CoverageCount> = {};
  const unmanaged: UnmanagedEntry[] = [];
  let managed = 0;
  let byOwner = 0;
  let ignoredCount = 0;
  for (const type of [...input.inventory.keys()].sort()) {
    const count: CoverageCount = { managed: 0, unmanaged: 0 };
    types[type] = count;
    const seen = new Set<string>();
    const objects = [...input.inventory.get(type)!].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const o of objects) {
      if (seen.has(o.id)) continue; // listed through two configurations of the same endpoint
      seen.add(o.id);
      if (managedIds.has(key(type, o.id))) {
        count.managed++;
        managed++;
        continue;
      }
      if (o.createdBy && managedIds.has(key(o.createdBy.type, o.createdBy.id))) {
        count.managed++;
        managed++;
        byOwner++;
        continue;
      }
      const rule = ignoringRule(input.inventoryRules, candidatesOfUnmanaged(type, o.id, o.name));
      if (rule) {
        ignoredCount++;
        ignored.push({ kind: "unmanaged", what: `${type}.${o.id}`, rule: rule.origin });
        continue;
      }
      count.unmanaged++;
      unmanaged.push({ type, id: o.id, name: o.name, import_command: importCommand(type, o) });
    }
  }
  const total = managed + unmanaged.length;
  const percent = total === 0 ? 100 : Math.floor((managed / total) * 1000) / 10;
  return { unmanaged, coverage: { percent, managed, unmanaged: unmanaged.length, managed_by_owner: byOwner, ignored: ignoredCount, types } };
}

function key(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

/** `backplan import zstack_cdp_task.rogue_task <id>`: a resource name derived from the object's name. */
function importCommand(type: string, o: ListedObject): string {
  let name = (o.name ?? "").toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(/^[^a-z]+/, "").replace(/_+$/, "");
  if (name === "") name = `unmanaged_${o.id.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}`;
  return `backplan import ${type}.${name} ${o.id}`;
}
