import type { z } from "zod";
import type { BodySchema } from "../config/hcl/body.js";
import { BOOL, DYNAMIC, NUMBER, STRING, type Type } from "../lang/types.js";
import type { Attribute } from "../sdk/attribute.js";
import { elementObjectShape, tfTypeOf, type TfType } from "../sdk/tftype.js";
import type { Json } from "./plan.js";

/** The parts of a provider schema the plan engine works with, for one resource, data source or nested block. */
export interface ObjectSchema {
  attributes: Readonly<Record<string, Attribute>>;
  shape: Readonly<Record<string, z.ZodType>>;
}

/** Object schemas by the resource or data source they describe (fixed for the life of the process). */
const objectSchemas = new WeakMap<object, ObjectSchema>();

/** A resource's or data source's attributes and zod shape as one ObjectSchema (made once, not per instance). */
export function objectSchemaOf(r: { readonly attributes: ObjectSchema["attributes"]; readonly schema: { readonly shape: ObjectSchema["shape"] } }): ObjectSchema {
  let s = objectSchemas.get(r);
  if (!s) objectSchemas.set(r, (s = { attributes: r.attributes, shape: r.schema.shape }));
  return s;
}

/** The lang type an attribute's configured value is converted to. */
export function attributeType(attr: Attribute, schema: z.ZodType | undefined): Type {
  if (attr.block) {
    const element = blockObjectType({ attributes: attr.block.attributes, shape: schema ? (elementObjectShape(schema) ?? {}) : {} });
    return attr.block.nesting === "single" ? element : { kind: attr.block.nesting === "set" ? "set" : "list", element };
  }
  return schema ? langType(tfTypeOf(schema, attr.unordered)) : DYNAMIC;
}

/** The object type of one nested block (or of a whole resource body), every attribute optional. */
export function blockObjectType(s: ObjectSchema): Type {
  const attributes: Record<string, Type> = {};
  const optional: Record<string, { default?: undefined }> = {};
  for (const [k, a] of Object.entries(s.attributes)) {
    attributes[k] = attributeType(a, s.shape[k]);
    optional[k] = {};
  }
  return { kind: "object", attributes, optional };
}

export function langType(t: TfType): Type {
  if (typeof t === "string") {
    switch (t) {
      case "string":
        return STRING;
      case "number":
        return NUMBER;
      case "bool":
        return BOOL;
      case "dynamic":
        return DYNAMIC;
    }
  }
  const [kind, inner] = t as readonly [string, unknown];
  switch (kind) {
    case "list":
    case "set":
    case "map":
      return { kind, element: langType(inner as TfType) } as Type;
    case "object": {
      const attributes: Record<string, Type> = {};
      for (const [k, v] of Object.entries(inner as Record<string, TfType>)) attributes[k] = langType(v);
      return { kind: "object", attributes };
    }
    case "tuple":
      return { kind: "tuple", elements: (inner as TfType[]).map(langType) };
    default:
      return DYNAMIC;
  }
}

/** Body schemas by the attributes record they were made from (a provider's, fixed for the life of the process). */
const bodySchemas = new WeakMap<object, BodySchema>();

/**
 * The body schema `bodyContent` decodes a resource body with: configurable attributes plus nested and dynamic
 * blocks. Made once per attributes record: every instance of every resource asks for it, and a new schema object
 * per call also defeated `bodyContent`'s index of it.
 */
export function bodySchemaOf(s: ObjectSchema): BodySchema {
  let schema = bodySchemas.get(s.attributes);
  if (schema) return schema;
  const attributes = [];
  const blocks = [{ type: "dynamic", labels: ["type"] as const }];
  for (const [name, a] of Object.entries(s.attributes)) {
    if (a.block) blocks.push({ type: name, labels: [] as never });
    else attributes.push({ name });
  }
  schema = { attributes, blocks };
  bodySchemas.set(s.attributes, schema);
  return schema;
}

/** A type in Terraform's JSON form (`"string"`, `["list","number"]`, `["object",{...}]`), for state outputs. */
export function typeJson(t: Type): Json {
  switch (t.kind) {
    case "string":
    case "number":
    case "bool":
    case "dynamic":
      return t.kind;
    case "list":
    case "set":
    case "map":
      return [t.kind, typeJson(t.element)];
    case "tuple":
      return ["tuple", t.elements.map(typeJson)];
    case "object": {
      const attrs: { [k: string]: Json } = {};
      for (const k of Object.keys(t.attributes).sort()) attrs[k] = typeJson(t.attributes[k]!);
      return ["object", attrs];
    }
  }
}
