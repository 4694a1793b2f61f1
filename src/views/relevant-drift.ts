import type { Json, Plan, PlanValue, RelevantAttribute, ResourceChange } from "../plan/plan.js";
import { sortedChanges } from "./counts.js";

/**
 * Which drift the human plan shows under "Objects have changed outside of backplan", by Terraform 1.11's rule
 * (its renderer, not its plan: `resource_drift` in the JSON still lists every drifted object):
 * - a refresh-only plan shows every drifted object, moves without other changes included;
 * - any other plan shows nothing when it has nothing else to say (no resource change, no move, no output change),
 *   since then the drift cannot have affected it;
 * - otherwise a drifted object is shown only when `relevant_attributes` names it (or names no resource) and one of
 *   the attributes named, or something inside or around one, changed. Attributes not named are shown unchanged.
 *
 * A plan without `relevantAttributes` (one saved by an older backplan) keeps every changed object, as before.
 * The result is sorted by address.
 */
export function shownDrift(plan: Plan): ResourceChange[] {
  if (plan.mode === "refresh-only") return sortedChanges(plan.drift);
  if (!hasAnythingElse(plan)) return [];
  const changed = plan.drift.filter((d) => d.action !== "no-op");
  if (plan.relevantAttributes === undefined) return sortedChanges(changed);
  const out: ResourceChange[] = [];
  for (const d of changed) {
    const relevant = relevantDriftChange(d, plan.relevantAttributes);
    if (relevant) out.push(relevant);
  }
  return sortedChanges(out);
}

/** Terraform's "the plan is empty" test for drift: no resource change, no move, no output change. */
function hasAnythingElse(plan: Plan): boolean {
  return (
    plan.changes.some((c) => c.action !== "no-op" || (c.previousAddress !== undefined && c.previousAddress !== c.address)) ||
    plan.outputs.some((o) => o.action !== "no-op")
  );
}

type Path = readonly (string | number)[];

/**
 * One drifted object seen through the relevant attributes: undefined when none of them names it or none of what
 * they name changed; otherwise the change with every attribute not named put back to its value before.
 */
export function relevantDriftChange(d: ResourceChange, relevant: readonly RelevantAttribute[]): ResourceChange | undefined {
  const paths = relevant.filter((r) => r.resource === "" || r.resource === d.address).map((r): Path => r.attribute);
  if (paths.length === 0) return undefined;
  // An object deleted (or appearing) outside backplan is a change of the whole object, which any named attribute shares.
  if (d.before === null || d.after === null) return d;
  const value = keepRelevant(d.before.value, d.after.value, paths);
  if (sameJson(value, d.before.value)) return undefined;
  const after: PlanValue = { ...d.after, value };
  return { ...d, after };
}

/**
 * `after` where a path leads (a path that ends here covers everything inside, as Terraform's matcher propagates
 * a match to children), `before` everywhere else.
 */
function keepRelevant(before: Json, after: Json, paths: readonly Path[]): Json {
  if (paths.length === 0) return before;
  if (paths.some((p) => p.length === 0)) return after;
  if (isObject(before) && isObject(after)) {
    const out: { [key: string]: Json } = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const inner = paths.filter((p) => p[0] === key).map((p) => p.slice(1));
      const chosen = inner.length === 0 ? (key in before ? before[key] : undefined) : key in after ? keepRelevant(before[key] ?? null, after[key]!, inner) : undefined;
      if (chosen !== undefined) out[key] = chosen;
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return after.map((item, i) => keepRelevant(before[i]!, item, paths.filter((p) => p[0] === i).map((p) => p.slice(1))));
  }
  // A primitive, or a collection whose shape changed, on the way to a named attribute: the change is relevant.
  return after;
}

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameJson(a[k]!, b[k]!));
  }
  return false;
}
