import type { SdkValue } from "./value.js";

/** Who sets an attribute: Terraform's required / optional / computed / optional+computed. */
export type AttributeKind = "required" | "optional" | "computed" | "optional_computed";

/** How a list/set-of-objects attribute appears in configuration: as repeated nested blocks, or as a plain value. */
export type BlockNesting = "list" | "set" | "single";

export interface AttributeOptions {
  description?: string;
  /** A change to this attribute cannot be applied in place: the object is replaced. */
  forceNew?: boolean;
  /** Never shown in clear in plans, logs or PR comments. */
  sensitive?: boolean;
  /** Value used when configuration leaves an optional attribute null. */
  default?: SdkValue;
  /** A list whose order the remote API does not keep: compared as a multiset, rendered as a Terraform set. */
  unordered?: boolean;
  /**
   * For computed attributes: keep the prior value when the object is updated in place (Terraform's
   * UseStateForUnknown). Without it a computed attribute becomes "known after apply" on every update.
   */
  stable?: boolean;
  /**
   * For computed attributes derived from the named configurable attribute (terraform_data's `output` from
   * `input`): a create or replacement whose planned value of that attribute is null plans this one as a known null
   * rather than "known after apply".
   */
  nullWith?: string;
  /** Configured as nested blocks (`resource { ... }`) rather than an attribute; the value is a list of objects. */
  block?: { nesting: BlockNesting; attributes: Readonly<Record<string, Attribute>>; minItems?: number; maxItems?: number };
}

export interface Attribute extends AttributeOptions {
  kind: AttributeKind;
}

export const required = (o: AttributeOptions = {}): Attribute => ({ ...o, kind: "required" });
export const optional = (o: AttributeOptions = {}): Attribute => ({ ...o, kind: "optional" });
export const computed = (o: AttributeOptions = {}): Attribute => ({ ...o, kind: "computed" });
/** Optional in configuration; when left out, the remote side decides and the value is read back. */
export const optionalComputed = (o: AttributeOptions = {}): Attribute => ({ ...o, kind: "optional_computed" });

export function isConfigurable(a: Attribute): boolean {
  return a.kind !== "computed";
}

export function isComputed(a: Attribute): boolean {
  return a.kind === "computed" || a.kind === "optional_computed";
}
