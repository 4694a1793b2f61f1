import { terraformActions } from "../plan/action.js";
import type { Json, OutputChange, Plan, PlanValue, RelevantAttribute, ResourceChange } from "../plan/plan.js";
import { isApplyable } from "../plan/plan.js";
import { terraformOrder } from "./address-order.js";
import { sortedChanges } from "./counts.js";
import { boolTree, compareStrings, knownPart, maskSensitive, sortKeysDeep } from "./encoding.js";
import { moduleTree, valuesModule, type StateValues, type ValuesOutput, type ValuesResource } from "./state-json.js";

/**
 * `backplan show -json PLANFILE`: Terraform's machine-readable plan, `format_version` "1.2", with fields in the
 * order Terraform writes them and empty optional fields left out the way Go's `omitempty` leaves them out, so
 * tf-summarize, tfplan2md, OPA/conftest and friends read it unchanged. Two deliberate differences:
 * - `terraform_version` is the Terraform release whose language backplan implements (1.11.4), a value every
 *   consumer that parses it accepts (docs/terraform.md);
 * - sensitive values, input variables included, are written as "(sensitive value)" unless `showSensitive`
 *   (Terraform writes them in clear); the `*_sensitive` trees still say where they are.
 */

export const PLAN_FORMAT_VERSION = "1.2";
/** format_version of the `prior_state` object (Terraform's state JSON format). */
export const STATE_FORMAT_VERSION = "1.0";

export type { RelevantAttribute };

export interface PlanJsonOptions {
  /** Written as `terraform_version`: the Terraform language version backplan implements. */
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
  // A wholly known after value is written as `{}`, however deep it is; otherwise known collections show as `{}`/`[]`.
  change.after_unknown = rc.after === null || !hasUnknown(rc.after.unknown) ? {} : boolTree(rc.after.value, rc.after.unknown);
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
  // All a plan knows of an output's sensitivity is one flag, so Terraform writes that flag for both sides.
  const sens = (): Json => o.sensitive;
  const change: { [key: string]: Json } = { actions: terraformActions(o.action, false) };
  // A sensitive output is masked as a whole.
  const maskWhole = (v: Json | undefined) => (o.sensitive && !show && v !== undefined ? maskSensitive(v, true) : v);
  const before = maskWhole(sideValue(o.before, show));
  const after = maskWhole(sideValue(o.after, show));
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  change.after_unknown = o.after === null ? false : boolTree(o.after.value, o.after.unknown);
  change.before_sensitive = sens();
  change.after_sensitive = sens();
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
  // planned_values lists a module's resources in address-string order (`n[10]` before `n[2]`), unlike resource_changes.
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
      // Terraform's planned output writes `type` before `value` (its state output, the other way round).
      entry.type = impliedType(value);
      entry.value = o.sensitive && !options.showSensitive ? maskSensitive(value, true)! : value;
    }
    outputs[o.name] = entry;
  }
  const root_module = valuesModule(tree);
  return Object.keys(outputs).length > 0 ? { outputs, root_module } : { root_module };
}

/**
 * The type Terraform records for a known output value, implied from its JSON form: objects and tuples for
 * collections (the plan does not keep declared types, so a `map`/`list` output is written as object/tuple).
 */
export function impliedType(v: Json): Json {
  if (v === null) return "dynamic";
  if (Array.isArray(v)) return ["tuple", v.map(impliedType)];
  if (typeof v === "object") {
    const attrs: { [key: string]: Json } = {};
    for (const k of Object.keys(v).sort(compareStrings)) attrs[k] = impliedType(v[k]!);
    return ["object", attrs];
  }
  return typeof v === "boolean" ? "bool" : typeof v;
}

function hasUnknown(u: Json): boolean {
  if (u === true) return true;
  if (Array.isArray(u)) return u.some(hasUnknown);
  if (u !== null && typeof u === "object") return Object.values(u).some(hasUnknown);
  return false;
}

/**
 * Terraform's prior state is the refreshed state after the plan walk, which has evaluated the root outputs: each
 * output whose planned value is known is recorded there with that value (a first plan's prior state already
 * lists them); the others keep what the state had.
 */
function priorWithOutputs(prior: StateValues, planned: StateValues): StateValues {
  const outputs: Record<string, ValuesOutput> = { ...(prior.outputs ?? {}) };
  // In state order: sensitive, value, type.
  for (const [name, o] of Object.entries(planned.outputs ?? {})) if (o.value !== undefined) outputs[name] = { sensitive: o.sensitive, value: o.value, ...(o.type !== undefined ? { type: o.type } : {}) };
  const names = Object.keys(outputs).sort(compareStrings);
  if (names.length === 0) return { root_module: prior.root_module };
  const sorted: Record<string, ValuesOutput> = {};
  for (const n of names) sorted[n] = outputs[n]!;
  return { outputs: sorted, root_module: prior.root_module };
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
  if (plan.drift.length > 0) out.resource_drift = terraformOrder(plan.drift).map((d) => resourceChangeJson(d, show));
  if (plan.changes.length > 0) out.resource_changes = terraformOrder(plan.changes).map((c) => resourceChangeJson(c, show));
  if (plan.outputs.length > 0) {
    const oc: { [key: string]: Json } = {};
    for (const o of [...plan.outputs].sort((a, b) => compareStrings(a.name, b.name))) oc[o.name] = outputChangeJson(o, show);
    out.output_changes = oc;
  }
  const prior = options.priorState && priorWithOutputs(options.priorState, out.planned_values as unknown as StateValues);
  // Terraform leaves the prior state out when it is empty: no resources and no outputs.
  if (prior && (prior.outputs !== undefined || prior.root_module.resources !== undefined || prior.root_module.child_modules !== undefined)) {
    out.prior_state = {
      format_version: STATE_FORMAT_VERSION,
      terraform_version: options.version,
      values: prior as unknown as Json,
    };
  }
  if (options.configuration !== undefined) out.configuration = options.configuration;
  const relevant = options.relevantAttributes ?? plan.relevantAttributes;
  if (relevant && relevant.length > 0) {
    out.relevant_attributes = relevant.map((r) => ({ resource: r.resource, attribute: r.attribute }));
  }
  if (options.checks !== undefined && !(Array.isArray(options.checks) && options.checks.length === 0)) out.checks = options.checks;
  // RFC 3339 to the second, as Terraform writes it.
  out.timestamp = plan.timestamp.replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "");
  out.applyable = isApplyable(plan);
  out.complete = plan.complete;
  out.errored = plan.errored;
  return out;
}
