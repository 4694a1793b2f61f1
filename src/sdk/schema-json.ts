import type { z } from "zod";
import type { Attribute } from "./attribute.js";
import type { DataSource, Provider, Resource, TimeoutOp } from "./define.js";
import { elementObjectShape, tfTypeOf, type TfType } from "./tftype.js";

/** Terraform's JSON schema of a block, as `terraform providers schema -json` prints it. */
export interface BlockJson {
  attributes?: Record<string, AttributeJson>;
  block_types?: Record<string, BlockTypeJson>;
  description?: string;
  description_kind: "plain";
}

export interface AttributeJson {
  type: TfType;
  description?: string;
  description_kind: "plain";
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
}

export interface BlockTypeJson {
  nesting_mode: "list" | "set" | "single";
  block: BlockJson;
  min_items?: number;
  max_items?: number;
}

export interface ProviderSchemaJson {
  provider: { version: number; block: BlockJson };
  resource_schemas: Record<string, { version: number; block: BlockJson }>;
  data_source_schemas: Record<string, { version: number; block: BlockJson }>;
}

export interface ProvidersSchemaJson {
  format_version: "1.0";
  provider_schemas: Record<string, ProviderSchemaJson>;
}

/** The registry address Terraform uses for a source like `backplan/zstack`. */
export function registryAddress(source: string): string {
  return source.split("/").length === 2 ? `registry.terraform.io/${source}` : source;
}

/** Builds the schema block of one resource / data source / provider from its zod shape and attribute flags. */
export function blockJson(
  attributes: Readonly<Record<string, Attribute>>,
  shape: Readonly<Record<string, z.ZodType>>,
  description?: string,
  timeouts?: readonly TimeoutOp[],
  nested = false,
): BlockJson {
  const attrs: Record<string, AttributeJson> = {};
  const blocks: Record<string, BlockTypeJson> = {};
  for (const key of Object.keys(attributes).sort()) {
    const a = attributes[key]!;
    const schema = shape[key];
    if (a.block) {
      blocks[key] = {
        nesting_mode: a.block.nesting,
        block: blockJson(a.block.attributes, schema ? (elementObjectShape(schema) ?? {}) : {}, a.description, undefined, true),
        ...(a.block.minItems !== undefined ? { min_items: a.block.minItems } : {}),
        ...(a.block.maxItems !== undefined ? { max_items: a.block.maxItems } : {}),
      };
      continue;
    }
    attrs[key] = {
      type: schema ? tfTypeOf(schema, a.unordered) : "dynamic",
      ...(a.description ? { description: a.description } : {}),
      description_kind: "plain",
      ...(a.kind === "required" ? { required: true as const } : {}),
      ...(a.kind === "optional" || a.kind === "optional_computed" ? { optional: true as const } : {}),
      // A top-level optional attribute with a default is computed to Terraform: planResourceChange, not the
      // configuration, supplies its planned value when left out (the plugin framework requires the same).
      ...(a.kind === "computed" || a.kind === "optional_computed" || (!nested && a.kind === "optional" && a.default !== undefined) ? { computed: true as const } : {}),
      ...(a.sensitive ? { sensitive: true as const } : {}),
    };
  }
  if (timeouts && timeouts.length > 0) {
    const t: Record<string, AttributeJson> = {};
    for (const op of [...timeouts].sort()) t[op] = { type: "string", description_kind: "plain", optional: true };
    blocks["timeouts"] = { nesting_mode: "single", block: { attributes: t, description_kind: "plain" } };
  }
  return {
    ...(Object.keys(attrs).length ? { attributes: attrs } : {}),
    ...(Object.keys(blocks).length ? { block_types: blocks } : {}),
    ...(description ? { description } : {}),
    description_kind: "plain",
  };
}

function resourceBlock(r: Resource<unknown>): { version: number; block: BlockJson } {
  const ops = Object.keys(r.timeouts) as TimeoutOp[];
  return { version: r.schemaVersion, block: blockJson(r.attributes, r.schema.shape, r.description, ops) };
}

function dataSourceBlock(d: DataSource<unknown>): { version: number; block: BlockJson } {
  const ops = Object.keys(d.timeouts) as TimeoutOp[];
  return { version: 0, block: blockJson(d.attributes, d.schema.shape, d.description, ops) };
}

/** The whole `providers schema -json` document for the given providers. */
export function providersSchemaJson(providers: readonly Provider[]): ProvidersSchemaJson {
  const out: ProvidersSchemaJson = { format_version: "1.0", provider_schemas: {} };
  for (const p of providers) {
    const resources: ProviderSchemaJson["resource_schemas"] = {};
    for (const type of [...p.resources.keys()].sort()) resources[type] = resourceBlock(p.resources.get(type)!);
    const dataSources: ProviderSchemaJson["data_source_schemas"] = {};
    for (const type of [...p.dataSources.keys()].sort()) dataSources[type] = dataSourceBlock(p.dataSources.get(type)!);
    out.provider_schemas[registryAddress(p.source)] = {
      provider: { version: 0, block: blockJson(p.attributes, p.schema.shape, p.description) },
      resource_schemas: resources,
      data_source_schemas: dataSources,
    };
  }
  return out;
}
