import type { Diagnostic } from "../config/diagnostics.js";
import type { CheckRule, Resource as ConfigResource } from "../config/model.js";
import type { SourceRange } from "../config/source.js";
import { isObject, isWhollyKnown, newObject, unmark, Unknown, type Value } from "../lang/value.js";
import type { DataSource, Resource } from "../sdk/define.js";
import type { Scope } from "../lang/evaluate.js";
import { formatPath, validateConfig } from "../sdk/validate.js";
import { isWhollyKnown as isWhollyKnownSdk, type SdkObject, type SdkValue } from "../sdk/value.js";
import { decodeBody } from "./decode-body.js";
import type { ModuleScope } from "./evaluation.js";
import { objectSchemaOf } from "./schema.js";
import { sensitiveLeafPaths, toSdk } from "./values.js";

/** The count index or for_each key of one instance, with what `each` / `count` mean inside it. */
export interface InstanceKeyInfo {
  key?: number | string;
  each?: { key: Value; value: Value };
  count?: number;
}

/**
 * Expands `count` / `for_each` of a resource or module call into its instances. Both must be known at plan time
 * (Terraform's rule); an unknown or invalid value is a diagnostic and yields no instances.
 */
export function expandInstances(r: Pick<ConfigResource, "count" | "forEach">, mod: ModuleScope, diags: Diagnostic[]): InstanceKeyInfo[] | undefined {
  if (r.count) {
    const [v] = unmark(mod.evaluate(r.count, diags));
    if (v instanceof Unknown) {
      diags.push(invalid("Invalid count argument", 'The "count" value depends on resource attributes that cannot be determined until apply, so backplan cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count depends on.', r.count.range));
      return undefined;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      diags.push(invalid("Invalid count argument", `The given "count" argument value is unsuitable: must be a whole number of at least 0, got ${JSON.stringify(v)}.`, r.count.range));
      return undefined;
    }
    return Array.from({ length: v }, (_, i) => ({ key: i, count: i }));
  }
  if (r.forEach) {
    const [v] = unmark(mod.evaluate(r.forEach, diags));
    if (v instanceof Unknown) {
      diags.push(invalid("Invalid for_each argument", 'The "for_each" value depends on resource attributes that cannot be determined until apply, so backplan cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the for_each depends on.', r.forEach.range));
      return undefined;
    }
    if (isObject(v)) return Object.keys(v).sort().map((k) => ({ key: k, each: { key: k, value: v[k]! } }));
    if (Array.isArray(v) && v.every((x) => typeof unmark(x)[0] === "string")) {
      return [...new Set(v.map((x) => unmark(x)[0] as string))].sort().map((k) => ({ key: k, each: { key: k, value: k } }));
    }
    diags.push(invalid("Invalid for_each argument", 'The given "for_each" argument value is unsuitable: it must be a map, or a set of strings.', r.forEach.range));
    return undefined;
  }
  return [{}];
}

function invalid(summary: string, detail: string, subject: SourceRange): Diagnostic {
  return { severity: "error", summary, detail, subject };
}

/** The timeouts of every instance without a timeouts block (most): one Map, not one per instance. */
const NO_TIMEOUTS: ReadonlyMap<string, string> = new Map();

/** What the configuration says for one instance, ready to hand to the provider. */
export interface InstanceConfig {
  /** Configurable attributes; UNKNOWN where the value is known only after apply. */
  config: SdkObject;
  /** Attribute paths carrying a sensitive mark (from the schema or from sensitive inputs). */
  sensitivePaths: (string | number)[][];
  /** `timeouts { create = "30m" }` values. */
  timeouts: ReadonlyMap<string, string>;
  wholyKnown: boolean;
}

/**
 * Evaluates one instance's body against the provider schema and validates it with the provider's own rules.
 * Diagnostics point at the attribute (or block) the problem is about.
 */
export function evaluateInstanceConfig(
  r: ConfigResource,
  schema: Resource<unknown> | DataSource<unknown>,
  mod: ModuleScope,
  inst: InstanceKeyInfo,
  diags: Diagnostic[],
  address: string,
): InstanceConfig {
  const scope = mod.scope(inst);
  const objSchema = objectSchemaOf(schema);
  const before = diags.length;
  const value = decodeBody(r.config, objSchema, scope, diags, `${r.mode === "data" ? "data " : ""}"${r.type}" "${r.name}"`);
  const config = toSdk(value) as SdkObject;
  const sensitive = sensitiveLeafPaths(value);
  for (const k in schema.attributes) if (schema.attributes[k]!.sensitive) sensitive.push([k]);
  if (diags.length === before) {
    for (const d of validateConfig(schema.attributes, schema.schema.shape, config)) {
      const top = d.path[0];
      diags.push({
        severity: "error",
        summary: d.summary,
        detail: `${d.detail}${d.detail.includes(formatPath(d.path)) ? "" : ` (${formatPath(d.path)})`} in ${address}.`,
        subject: argumentRange(r, typeof top === "string" ? top : null),
      });
    }
  }
  let timeouts = NO_TIMEOUTS;
  if (r.timeouts.size > 0) {
    const given = new Map<string, string>();
    for (const [op, a] of r.timeouts) {
      const [v] = unmark(mod.evaluate(a.expr, diags, scope));
      if (typeof v === "string") given.set(op, v);
    }
    timeouts = given;
  }
  return { config, sensitivePaths: sensitive, timeouts, wholyKnown: isWhollyKnown(value) };
}

/** The value other expressions see for an instance: its attributes with sensitive marks. */
/** Where a message about argument `name` of a resource points: its value, its block, else the block header. */
export function argumentRange(r: Pick<ConfigResource, "config" | "declRange">, name: string | null): SourceRange {
  if (name === null) return r.declRange;
  const attr = r.config.attributes.find((a) => a.name === name);
  const block = r.config.blocks.find((b) => b.type === name);
  return attr?.expr.range ?? block?.typeRange ?? r.declRange;
}

export function aggregateValue(instances: readonly { key?: number | string; value: Value }[], r: ConfigResource): Value {
  if (r.count) return instances.map((i) => i.value);
  if (r.forEach) {
    const o = newObject();
    for (const i of instances) o[String(i.key)] = i.value;
    return o;
  }
  return instances[0]?.value ?? null;
}

/** Copies the prior values of `ignore_changes` paths into the configuration (so they never diff). */
export function applyIgnoreChanges(config: SdkObject, prior: SdkObject, r: ConfigResource, attributes: Readonly<Record<string, unknown>>): SdkObject {
  const ic = r.lifecycle.ignoreChanges;
  if (ic.kind === "none") return config;
  if (ic.kind === "all") {
    const out: SdkObject = { ...config };
    for (const k of Object.keys(out)) if (k in attributes) out[k] = prior[k] ?? null;
    return out;
  }
  let out: SdkValue = config;
  for (const p of ic.paths) {
    const steps = p.steps.map((s) => (s.kind === "attr" ? s.name : s.key));
    out = withPath(out, steps, getPath(prior, steps));
  }
  return out as SdkObject;
}

function getPath(v: SdkValue, steps: readonly (string | number)[]): SdkValue {
  let cur: SdkValue = v;
  for (const s of steps) {
    if (cur === null || typeof cur !== "object") return null;
    cur = Array.isArray(cur) ? (cur[s as number] ?? null) : ((cur as SdkObject)[String(s)] ?? null);
  }
  return cur;
}

/** `v` with the value at `steps` replaced (when the path exists); never mutates `v`. */
function withPath(v: SdkValue, steps: readonly (string | number)[], value: SdkValue): SdkValue {
  if (steps.length === 0) return value;
  const [s, ...rest] = steps;
  if (Array.isArray(v)) {
    if (typeof s !== "number" || s >= v.length) return v;
    const c = [...v];
    c[s] = withPath(c[s]!, rest, value);
    return c;
  }
  if (v !== null && typeof v === "object") return { ...v, [String(s)]: withPath(v[String(s)] ?? null, rest, value) };
  return v;
}

/**
 * An object adopted from a pending create carries only what the API stores; arguments it never echoes
 * (triggers, bandwidth limits) are taken from the configuration the create was made from — the configuration
 * being planned or applied now — so adoption does not plan a spurious replacement.
 */
export function fillUnstoredArguments(obj: SdkObject, attributes: Readonly<Record<string, { kind: string }>>, config: SdkObject): SdkObject {
  const out: SdkObject = { ...obj };
  for (const [k, a] of Object.entries(attributes)) {
    const v = config[k];
    if (a.kind !== "computed" && (out[k] ?? null) === null && v !== undefined && v !== null && isWhollyKnownSdk(v)) out[k] = v;
  }
  return out;
}

/**
 * Evaluates `precondition` / `postcondition` rules (or `check` asserts) in `scope`. A rule whose condition is
 * false adds a diagnostic carrying its error_message (`severity` error for lifecycle conditions, warning for
 * check blocks, as Terraform does); an unknown condition is not decided yet and passes.
 */
export function checkConditions(
  rules: readonly CheckRule[],
  mod: ModuleScope,
  scope: Scope,
  diags: Diagnostic[],
  what: string,
  severity: "error" | "warning" = "error",
): void {
  for (const rule of rules) {
    const [ok] = unmark(mod.evaluate(rule.condition, diags, scope));
    if (ok instanceof Unknown || ok === true) continue;
    if (ok !== false) {
      diags.push({ severity: "error", summary: "Invalid condition result", detail: `The condition of ${what} must be a boolean.`, subject: rule.condition.range });
      continue;
    }
    const [msg] = unmark(mod.evaluate(rule.errorMessage, diags, scope));
    diags.push({
      severity,
      summary: severity === "error" ? `Resource ${what.includes("postcondition") ? "postcondition" : "precondition"} failed` : "Check block assertion failed",
      detail: `${typeof msg === "string" ? msg : "The condition was false."}\n\nThis was checked by the condition at ${rule.range.filename}:${rule.range.start.line},${rule.range.start.column} (${what}).`,
      subject: rule.condition.range,
    });
  }
}
