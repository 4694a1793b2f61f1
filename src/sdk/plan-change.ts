import type { Attribute } from "./attribute.js";
import { isComputed } from "./attribute.js";
import { isWhollyKnown, multisetEqual, UNKNOWN, valuesEqual, type SdkObject, type SdkValue } from "./value.js";

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
  for (const [key, attr] of Object.entries(attributes)) {
    if (attr.kind === "computed") continue;
    const value = configuredValue(attr, prior?.[key] ?? null, config[key] ?? null, prior !== null);
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
    for (const [key, attr] of Object.entries(attributes)) {
      if (attr.kind === "optional_computed") planned[key] = configuredValue(attr, null, config[key] ?? null, false);
    }
  }
  for (const [key, attr] of Object.entries(attributes)) {
    if (attr.kind !== "computed") continue;
    if (prior === null || replacing) planned[key] = attr.nullWith !== undefined && planned[attr.nullWith] === null ? null : UNKNOWN;
    else if (!configurableChanged || attr.stable) planned[key] = prior[key] ?? null;
    else planned[key] = UNKNOWN;
  }
  return { planned, requiresReplace };
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
