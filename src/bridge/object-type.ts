import type { BlockJson, TfType } from "../sdk/index.js";

/**
 * The object type a schema block implies, as Terraform derives it: each attribute's own type, nested blocks as
 * `object` (single), `list(object)` or `set(object)`. Dynamic values on the wire are typed by this.
 */
export function impliedType(block: BlockJson): TfType {
  const attrs: Record<string, TfType> = {};
  for (const [k, a] of Object.entries(block.attributes ?? {})) attrs[k] = a.type;
  for (const [k, b] of Object.entries(block.block_types ?? {})) {
    const inner = impliedType(b.block);
    attrs[k] = b.nesting_mode === "single" ? inner : [b.nesting_mode, inner];
  }
  return ["object", attrs];
}

/** Names of a block's list- and set-nested block types: Terraform holds "no blocks" as `[]`, backplan as null. */
export function repeatedBlockNames(block: BlockJson): ReadonlySet<string> {
  return new Set(Object.entries(block.block_types ?? {}).filter(([, b]) => b.nesting_mode !== "single").map(([k]) => k));
}
