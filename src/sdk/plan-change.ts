import type { Attribute } from "./attribute.js";
import { isComputed } from "./attribute.js";
import { isUnknown, isWhollyKnown, multisetEqual, UNKNOWN, valuesEqual, type SdkObject, type SdkValue } from "./value.js";

export interface PlannedChange {
  /** The object as it will be after apply; UNKNOWN where only apply can tell. */
  planned: SdkObject;
  /** Attribute paths whose change cannot be applied in place (`[["policy_uuid"]]`). Empty for creates. */
  requiresReplace: string[][];
}

/**
 * Proposes the new state of one resource instance from its prior state (null when creating) and its
 * configuration (configurable attributes; UNKNOWN leaves allowed; defaults not yet applied). Pure.
 *
 * Rules, after Terraform's objchange and the plugin framework's plan modifiers:
 * - required/optional: the configured value (or the default when null); an unordered list equal as a multiset to
 *   the prior value keeps the prior order, so reordering in config is no change;
 * - optional+computed: the configured value; when null, the prior value (or UNKNOWN on create and replacement);
 * - computed: the prior value when nothing configurable changes or the attribute is `stable`, else UNKNOWN (null
 *   on create or replacement when its `nullWith` attribute is planned null);
 * - `forceNew` attributes whose planned value differs from the prior one are listed in `requiresReplace`.
 * The caller must pass a wholly known prior. When the result has requiresReplace entries, the planned object
 * describes the replacement, so computed attributes are UNKNOWN in it.
 */
export function planResourceChange(
  attributes: Readonly<Record<string, Attribute>>,
  prior: SdkObject | null,
  config: SdkObject,
): PlannedChange {
  const planned: SdkObject = {};
  const requiresReplace: string[][] = [];
  let configurableChanged = false;
  // for...in, not Object.entries: this runs for every planned instance, and the pairs were most of its garbage.
  for (const key in attributes) {
    const attr = attributes[key]!;
    if (attr.kind === "computed") continue;
    const value = withNestedComputed(attr, prior?.[key] ?? null, configuredValue(attr, prior?.[key] ?? null, config[key] ?? null, prior !== null));
    planned[key] = value;
    if (prior !== null && !sameValue(attr, prior[key] ?? null, value)) {
      configurableChanged = true;
      if (attr.forceNew) requiresReplace.push([key]);
    }
  }
  const replacing = requiresReplace.length > 0;
  if (replacing) {
    // The replacement is a new object: as Terraform plans it (ProposedNew from a null prior), an optional+computed
    // attribute the configuration leaves unset is decided by the remote side again, so it is unknown.
    for (const key in attributes) {
      const attr = attributes[key]!;
      if (attr.kind === "optional_computed") planned[key] = configuredValue(attr, null, config[key] ?? null, false);
    }
  }
  for (const key in attributes) {
    const attr = attributes[key]!;
    if (attr.kind !== "computed") continue;
    if (prior === null || replacing) planned[key] = attr.nullWith !== undefined && planned[attr.nullWith] === null ? null : UNKNOWN;
    else if (!configurableChanged || attr.stable) planned[key] = prior[key] ?? null;
    else planned[key] = UNKNOWN;
  }
  return { planned, requiresReplace };
}

/**
 * Fills the computed attributes of nested blocks (a policy's `scheduled_operation.trigger_name`), which the
 * configuration leaves null: from the prior block element whose configurable attributes all match, as
 * Terraform's objchange correlates nested elements; UNKNOWN for an element with no such match (a new or changed
 * block). Values that are not lists of block objects pass through unchanged.
 */
function withNestedComputed(attr: Attribute, prior: SdkValue, value: SdkValue): SdkValue {
  const block = attr.block;
  if (!block) return value;
  const nested = Object.entries(block.attributes);
  const computedKeys = nested.filter(([, a]) => a.kind === "computed").map(([k]) => k);
  if (computedKeys.length === 0) return value;
  const fill = (element: SdkValue): SdkValue => {
    if (element === null || typeof element !== "object" || Array.isArray(element) || isUnknown(element)) return element;
    const obj = element as SdkObject;
    const match = priorElements(prior).find((p) => nested.every(([k, a]) => a.kind === "computed" || sameValue(a, p[k] ?? null, obj[k] ?? null)));
    const out: SdkObject = { ...obj };
    for (const k of computedKeys) out[k] = match ? (match[k] ?? null) : UNKNOWN;
    return out;
  };
  if (block.nesting === "single") return fill(value);
  return Array.isArray(value) ? value.map(fill) : value;
}

function priorElements(prior: SdkValue): SdkObject[] {
  const items = Array.isArray(prior) ? prior : prior !== null && typeof prior === "object" ? [prior] : [];
  return items.filter((p): p is SdkObject => p !== null && typeof p === "object" && !Array.isArray(p) && !isUnknown(p));
}

function configuredValue(attr: Attribute, prior: SdkValue, config: SdkValue, exists: boolean): SdkValue {
  if (config === null) {
    if (attr.default !== undefined) return attr.default;
    if (isComputed(attr)) return exists ? prior : UNKNOWN;
    return null;
  }
  if (attr.unordered && Array.isArray(config) && Array.isArray(prior) && isWhollyKnown(config) && multisetEqual(config, prior)) {
    return prior;
  }
  return config;
}

/** Equality under the attribute's semantics (multiset for unordered lists). */
export function sameValue(attr: Attribute, a: SdkValue, b: SdkValue): boolean {
  // Terraform holds "no blocks" of a list/set-nested block as [], backplan as null: the same configuration.
  if (attr.block && attr.block.nesting !== "single" && isNoBlocks(a) && isNoBlocks(b)) return true;
  if (attr.unordered && Array.isArray(a) && Array.isArray(b)) return multisetEqual(a, b);
  return valuesEqual(a, b);
}

function isNoBlocks(v: SdkValue): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}
