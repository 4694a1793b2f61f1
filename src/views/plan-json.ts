import { terraformActions } from "../plan/action.js";
import type { Json, OutputChange, Plan, PlanValue, ResourceChange } from "../plan/plan.js";
import { isApplyable } from "../plan/plan.js";
import { sortedChanges } from "./counts.js";
import { boolTree, compareStrings, knownPart, maskSensitive, sortKeysDeep } from "./encoding.js";
import { moduleTree, valuesModule, type StateValues, type ValuesOutput, type ValuesResource } from "./state-json.js";

/**
 * `backplan show -json PLANFILE`: Terraform's machine-readable plan, `format_version` "1.2", with fields in the
 * order Terraform writes them and empty optional fields left out the way Go's `omitempty` leaves them out, so
 * tf-summarize, tfplan2md, OPA/conftest and friends read it unchanged. Two deliberate differences:
 * - `terraform_version` carries backplan's own version (consumers check `format_version` only);
 * - sensitive values, input variables included, are written as "(sensitive value)" unless `showSensitive`
 *   (Terraform writes them in clear); the `*_sensitive` trees still say where they are.
 */

export const PLAN_FORMAT_VERSION = "1.2";
/** format_version of the `prior_state` object (Terraform's state JSON format). */
export const STATE_FORMAT_VERSION = "1.0";

export interface RelevantAttribute {
  resource: string;
  attribute: (string | number)[];
}

export interface PlanJsonOptions {
  /** backplan's version, written as `terraform_version`. */
  version: string;
  /** The refreshed prior state in values form (see `stateValues`); `prior_state` is left out without it. */
  priorState?: StateValues;
  /** The configuration representation, already built; left out without it. */
  configuration?: Json;
  relevantAttributes?: RelevantAttribute[];
  /** `check` block results, already in Terraform's `checks` shape. */
  checks?: Json;
  /** Write sensitive values in clear (for `-show-sensitive`). */
  showSensitive?: boolean;
}

/** The plan JSON as a plain object whose key order is the output order. */
export type PlanJson = { [key: string]: Json };

/** The value as written: sensitive parts masked unless `show`, object keys sorted as Go sorts them. */
function masked(value: Json | undefined, sensitive: Json, show: boolean | undefined): Json | undefined {
  const v = show ? value : maskSensitive(value, sensitive);
  return v === undefined ? undefined : sortKeysDeep(v);
}

/** The value a `before`/`after` field carries: the known part, masked; undefined when wholly unknown. */
function sideValue(pv: PlanValue | null, show: boolean | undefined): Json | undefined {
  if (pv === null) return null;
  const known = knownPart(pv.value, pv.unknown);
  return known === undefined ? undefined : masked(known, pv.sensitive, show);
}

function resourceChangeJson(rc: ResourceChange, show: boolean | undefined): { [key: string]: Json } {
  const out: { [key: string]: Json } = { address: rc.address };
  if (rc.previousAddress !== undefined && rc.previousAddress !== rc.address) out.previous_address = rc.previousAddress;
  if (rc.moduleAddress) out.module_address = rc.moduleAddress;
  out.mode = rc.mode;
  out.type = rc.type;
  out.name = rc.name;
  if (rc.index !== undefined) out.index = rc.index;
  out.provider_name = rc.providerName;
  if (rc.deposed) out.deposed = rc.deposed;

  const change: { [key: string]: Json } = { actions: terraformActions(rc.action, rc.createBeforeDestroy ?? false) };
  const before = sideValue(rc.before, show);
  const after = sideValue(rc.after, show);
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  change.after_unknown = rc.after === null ? {} : boolTree(rc.after.value, rc.after.unknown);
  change.before_sensitive = rc.before === null ? false : boolTree(rc.before.value, rc.before.sensitive);
  change.after_sensitive = rc.after === null ? false : boolTree(rc.after.value, rc.after.sensitive, {
          prior: rc.before?.value,
          unknown: rc.after.unknown,
        });
  if (rc.replacePaths.length > 0) change.replace_paths = rc.replacePaths;
  if (rc.importing) change.importing = { id: rc.importing.id };
  out.change = change;
  if (rc.reason) out.action_reason = rc.reason;
  return out;
}

function outputChangeJson(o: OutputChange, show: boolean | undefined): { [key: string]: Json } {
  const sens = (pv: PlanValue | null): Json => (pv === null ? false : o.sensitive ? true : boolTree(pv.value, pv.sensitive));
  const change: { [key: string]: Json } = { actions: terraformActions(o.action, false) };
  // A sensitive output is masked as a whole.
  const maskWhole = (v: Json | undefined) => (o.sensitive && !show && v !== undefined ? maskSensitive(v, true) : v);
  const before = maskWhole(sideValue(o.before, show));
  const after = maskWhole(sideValue(o.after, show));
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  change.after_unknown = o.after === null ? false : boolTree(o.after.value, o.after.unknown);
  change.before_sensitive = sens(o.before);
  change.after_sensitive = sens(o.after);
  return change;
}

function plannedResource(rc: ResourceChange, show: boolean | undefined, schemaVersion: number): ValuesResource {
  const after = rc.after!;
  const known = knownPart(after.value, after.unknown) ?? null;
  return {
    address: rc.address,
    mode: rc.mode,
    type: rc.type,
    name: rc.name,
    ...(rc.index !== undefined ? { index: rc.index } : {}),
    provider_name: rc.providerName,
    schema_version: schemaVersion,
    values: masked(known, after.sensitive, show) ?? null,
    sensitive_values: boolTree(known, after.sensitive),
  };
}

function schemaVersions(prior: StateValues | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (m: StateValues["root_module"]): void => {
    for (const r of m.resources ?? []) out.set(r.address, r.schema_version);
    for (const c of m.child_modules ?? []) walk(c);
  };
  if (prior) walk(prior.root_module);
  return out;
}

/**
 * The planned state: every instance the plan keeps or creates (not deletes, not forgets), its planned values with
 * unknown attributes left out, in the module tree. Schema versions come from the prior state (0 for new objects).
 */
export function plannedValues(plan: Plan, options: Pick<PlanJsonOptions, "priorState" | "showSensitive"> = {}): StateValues {
  const versions = schemaVersions(options.priorState);
  const resources = sortedChanges(plan.changes).filter(
    (rc) => rc.after !== null && rc.action !== "delete" && rc.action !== "forget" && !rc.deposed,
  );
  const tree = moduleTree(
    resources.map((rc) => ({
      moduleAddress: rc.moduleAddress,
      resource: plannedResource(rc, options.showSensitive, versions.get(rc.address) ?? 0),
    })),
  );
  const outputs: Record<string, ValuesOutput> = {};
  for (const o of [...plan.outputs].sort((a, b) => compareStrings(a.name, b.name))) {
    if (o.action === "delete" || o.after === null) continue;
    const entry: ValuesOutput = { sensitive: o.sensitive };
    const value = sideValue(o.after, options.showSensitive);
    // Terraform writes an output's planned value only when it is wholly known.
    if (value !== undefined && !hasUnknown(o.after.unknown)) {
      entry.value = o.sensitive && !options.showSensitive ? maskSensitive(value, true)! : value;
    }
    outputs[o.name] = entry;
  }
  const root_module = valuesModule(tree);
  return Object.keys(outputs).length > 0 ? { outputs, root_module } : { root_module };
}

function hasUnknown(u: Json): boolean {
  if (u === true) return true;
  if (Array.isArray(u)) return u.some(hasUnknown);
  if (u !== null && typeof u === "object") return Object.values(u).some(hasUnknown);
  return false;
}

/** Renders the plan JSON object (serialise with `JSON.stringify`). */
export function planJson(plan: Plan, options: PlanJsonOptions): PlanJson {
  const show = options.showSensitive;
  const out: PlanJson = { format_version: PLAN_FORMAT_VERSION, terraform_version: options.version };

  const varNames = Object.keys(plan.variables).sort(compareStrings);
  if (varNames.length > 0) {
    const vars: { [key: string]: Json } = {};
    for (const name of varNames) {
      const v = plan.variables[name]!;
      vars[name] = { value: v.sensitive && !show ? (maskSensitive(v.value, true) ?? null) : sortKeysDeep(v.value) };
    }
    out.variables = vars;
  }
  out.planned_values = plannedValues(plan, options) as unknown as Json;
  if (plan.drift.length > 0) out.resource_drift = sortedChanges(plan.drift).map((d) => resourceChangeJson(d, show));
  if (plan.changes.length > 0) out.resource_changes = sortedChanges(plan.changes).map((c) => resourceChangeJson(c, show));
  if (plan.outputs.length > 0) {
    const oc: { [key: string]: Json } = {};
    for (const o of [...plan.outputs].sort((a, b) => compareStrings(a.name, b.name))) oc[o.name] = outputChangeJson(o, show);
    out.output_changes = oc;
  }
  if (options.priorState) {
    out.prior_state = {
      format_version: STATE_FORMAT_VERSION,
      terraform_version: options.version,
      values: options.priorState as unknown as Json,
    };
  }
  if (options.configuration !== undefined) out.configuration = options.configuration;
  if (options.relevantAttributes && options.relevantAttributes.length > 0) {
    out.relevant_attributes = options.relevantAttributes.map((r) => ({ resource: r.resource, attribute: r.attribute }));
  }
  if (options.checks !== undefined && !(Array.isArray(options.checks) && options.checks.length === 0)) out.checks = options.checks;
  out.timestamp = plan.timestamp;
  out.applyable = isApplyable(plan);
  out.complete = plan.complete;
  out.errored = plan.errored;
  return out;
}
