import { typeOf } from "../lang/types.js";
import type { Value } from "../lang/value.js";
import type { Attribute } from "../sdk/attribute.js";
import { tfTypeOf } from "../sdk/tftype.js";
import type { SdkObject, SdkValue } from "../sdk/value.js";
import type { AttributePath, JsonObject, JsonValue } from "../state/state.js";
import { typeJson, type ObjectSchema } from "./schema.js";

/**
 * Attribute values as Terraform state stores them differ from what providers see in one way: an attribute of
 * dynamic type (`terraform_data.input`) is stored as `{"value": ..., "type": ...}` so Terraform can recover its
 * type. These two functions convert at the state boundary.
 */
function isDynamic(schema: ObjectSchema, key: string, attr: Attribute): boolean {
  const s = schema.shape[key];
  return !attr.block && s !== undefined && tfTypeOf(s) === "dynamic";
}

/** The dynamic attributes of a schema, by its attributes record (found once, not per attribute of every instance). */
const dynamicAttributes = new WeakMap<object, ReadonlySet<string>>();

function dynamicOf(schema: ObjectSchema): ReadonlySet<string> {
  let set = dynamicAttributes.get(schema.attributes);
  if (!set) {
    set = new Set(Object.keys(schema.attributes).filter((k) => isDynamic(schema, k, schema.attributes[k]!)));
    dynamicAttributes.set(schema.attributes, set);
  }
  return set;
}

export function stateToSdk(attrs: JsonObject, schema: ObjectSchema): SdkObject {
  const dynamic = dynamicOf(schema);
  const out: SdkObject = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (dynamic.has(k) && v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v && "type" in v) {
      out[k] = v["value"] as SdkValue;
    } else out[k] = v as SdkValue;
  }
  return out;
}

/** The inverse of `stateToSdk`; `obj` must be wholly known (it is a provider's answer). */
export function sdkToState(obj: SdkObject, schema: ObjectSchema): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(schema.attributes)) {
    const attr = schema.attributes[k]!;
    const v = (obj[k] ?? null) as JsonValue;
    out[k] = isDynamic(schema, k, attr) && v !== null ? { value: v, type: typeJson(typeOf(v as Value)) as JsonValue } : v;
  }
  return out;
}

/** Plain paths (`["a", 0]`) in the step form of state `sensitive_attributes`. */
export function toStatePaths(paths: readonly (string | number)[][]): AttributePath[] {
  return paths.map((p) =>
    p.map((s) => (typeof s === "number" ? { type: "index" as const, value: { value: s, type: "number" } } : { type: "get_attr" as const, value: s })),
  );
}

/** State `sensitive_attributes` as plain paths. */
export function fromStatePaths(paths: readonly AttributePath[]): (string | number)[][] {
  return paths.map((p) =>
    p.map((s) => {
      if (s.type === "get_attr") return s.value;
      const v = s.value;
      if (v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v) return v["value"] as string | number;
      return v as string | number;
    }),
  );
}
