import type { BlockJson, ProviderSchemaJson } from "../sdk/index.js";

/** tfplugin6 `Schema.Block` as the codec (`proto/codec.ts`) takes it (snake_case fields, enum numbers). */
export interface ProtoBlock {
  version: number;
  attributes: ProtoAttribute[];
  block_types: ProtoNestedBlock[];
  description: string;
  description_kind: number;
  deprecated: boolean;
}

export interface ProtoAttribute {
  name: string;
  type: Buffer;
  description: string;
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  description_kind: number;
  deprecated: boolean;
}

export interface ProtoNestedBlock {
  type_name: string;
  block: ProtoBlock;
  nesting: number;
  min_items: number;
  max_items: number;
}

export interface ProtoSchema {
  version: number;
  block: ProtoBlock;
}

const NESTING = { single: 1, list: 2, set: 3 } as const;

/**
 * The wire form of a schema block. It is built from the same `BlockJson` that `providers schema -json` prints,
 * so `terraform providers schema -json` through the bridge shows exactly what backplan shows.
 */
export function protoBlock(block: BlockJson, version = 0): ProtoBlock {
  return {
    version,
    attributes: Object.entries(block.attributes ?? {}).map(([name, a]) => ({
      name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description ?? "",
      required: a.required === true,
      optional: a.optional === true,
      computed: a.computed === true,
      sensitive: a.sensitive === true,
      description_kind: 0,
      deprecated: false,
    })),
    block_types: Object.entries(block.block_types ?? {}).map(([type_name, b]) => ({
      type_name,
      block: protoBlock(b.block),
      nesting: NESTING[b.nesting_mode],
      min_items: b.min_items ?? 0,
      max_items: b.max_items ?? 0,
    })),
    description: block.description ?? "",
    description_kind: 0,
    deprecated: false,
  };
}

export function protoSchema(s: { version: number; block: BlockJson }): ProtoSchema {
  return { version: s.version, block: protoBlock(s.block, s.version) };
}

/** GetProviderSchema's payload (without diagnostics and capabilities). */
export function protoProviderSchema(p: ProviderSchemaJson): {
  provider: ProtoSchema;
  resource_schemas: Record<string, ProtoSchema>;
  data_source_schemas: Record<string, ProtoSchema>;
} {
  const map = (m: Record<string, { version: number; block: BlockJson }>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, protoSchema(v)]));
  return { provider: protoSchema(p.provider), resource_schemas: map(p.resource_schemas), data_source_schemas: map(p.data_source_schemas) };
}
