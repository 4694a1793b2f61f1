import type { z } from "zod";

/** A Terraform type in the JSON form `providers schema -json` uses. */
export type TfType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | readonly ["list" | "set" | "map", TfType]
  | readonly ["object", Readonly<Record<string, TfType>>]
  | readonly ["tuple", readonly TfType[]];

/** zod's internal definition, read only for its `type` tag and the children we need. */
interface ZodDefView {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  items?: z.ZodType[];
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  in?: z.ZodType;
}

function def(schema: z.ZodType): ZodDefView {
  return (schema as unknown as { _zod: { def: ZodDefView } })._zod.def;
}

/** Strips optional / nullable / default / readonly / pipe wrappers, which do not change the Terraform type. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const d = def(s);
    if ((d.type === "optional" || d.type === "nullable" || d.type === "default" || d.type === "readonly" || d.type === "prefault") && d.innerType) {
      s = d.innerType;
    } else if (d.type === "pipe" && d.in) {
      s = d.in;
    } else return s;
  }
}

/** Types already derived, per schema and `unordered` flag: the plan asks for each attribute of every instance. */
const derived = [new WeakMap<z.ZodType, TfType>(), new WeakMap<z.ZodType, TfType>()] as const;

/**
 * The Terraform type of a zod schema. `unordered` turns a top-level array into a set. Unions and other shapes
 * Terraform cannot express become `dynamic`. The result is frozen and shared between calls for the same schema.
 */
export function tfTypeOf(schema: z.ZodType, unordered = false): TfType {
  const cache = derived[unordered ? 1 : 0];
  let t = cache.get(schema);
  if (t === undefined) {
    t = deepFreeze(derive(schema, unordered));
    cache.set(schema, t);
  }
  return t;
}

function deepFreeze(t: TfType): TfType {
  if (typeof t !== "string") {
    for (const part of Object.values(t)) if (typeof part === "object") deepFreeze(part as TfType);
    Object.freeze(t);
  }
  return t;
}

function derive(schema: z.ZodType, unordered: boolean): TfType {
  const s = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case "string":
    case "enum":
      return "string";
    case "literal":
      return typeof d.values?.[0] === "number" ? "number" : typeof d.values?.[0] === "boolean" ? "bool" : "string";
    case "number":
    case "int":
    case "bigint":
      return "number";
    case "boolean":
      return "bool";
    case "array":
      return [unordered ? "set" : "list", tfTypeOf(d.element!)];
    case "record":
      return ["map", tfTypeOf(d.valueType!)];
    case "object": {
      const attrs: Record<string, TfType> = {};
      for (const [k, v] of Object.entries(d.shape ?? {})) attrs[k] = tfTypeOf(v);
      return ["object", attrs];
    }
    case "tuple":
      return ["tuple", (d.items ?? []).map((i) => tfTypeOf(i))];
    default:
      return "dynamic";
  }
}

/** The element object schema of a list-of-objects attribute (for nested blocks), or undefined. */
export function elementObjectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = def(unwrap(schema));
  const el = d.type === "array" ? def(unwrap(d.element!)) : d.type === "object" ? d : undefined;
  return el?.type === "object" ? el.shape : undefined;
}
