/**
 * What the generated construct classes share, written against the structural surface that both `cdktf` 0.21 and
 * `cdktn` 0.24 give their TerraformResource / TerraformDataSource, so one runtime serves both libraries.
 */

/** A value cdktf resolves at synth time (a token, a Fn call, a reference). */
export interface Resolvable {
  resolve(context: unknown): unknown;
}

/** The attribute readers of a cdktf resource or data source. */
export interface AttributeSource {
  getStringAttribute(path: string): string;
  getNumberAttribute(path: string): number;
  getBooleanAttribute(path: string): Resolvable;
  getListAttribute(path: string): string[];
  getNumberListAttribute(path: string): number[];
  getStringMapAttribute(path: string): { [key: string]: string };
  getNumberMapAttribute(path: string): { [key: string]: number };
  getBooleanMapAttribute(path: string): { [key: string]: boolean };
  interpolationForAttribute(path: string): Resolvable;
}

/** How an attribute is read back as a reference: its reader, or a nested object / list of objects. */
export type RefKind =
  | "string"
  | "number"
  | "bool"
  | "string_list"
  | "number_list"
  | "string_map"
  | "number_map"
  | "bool_map"
  | "any"
  | { object: Readonly<Record<string, RefField>> }
  | { objectList: Readonly<Record<string, RefField>> };

/** One field of a reference object: the Terraform attribute name and how to read it. */
export interface RefField {
  name: string;
  kind: RefKind;
}

/** A list of nested objects read back by index: `vmInstances.get(0).uuid`. */
export interface ObjectListRef<T> {
  get(index: number): T;
  /** The whole list, for `Fn` functions and for passing it on. */
  readonly all: Resolvable;
}

/** The reference to the attribute at `path` (`vm_instances[0].uuid`) of a resource or data source. */
export function attributeRef(source: AttributeSource, path: string, kind: RefKind): unknown {
  if (typeof kind === "object") {
    if ("object" in kind) return objectRef(source, path, kind.object);
    const fields = kind.objectList;
    return { get: (i: number) => objectRef(source, `${path}[${i}]`, fields), all: source.interpolationForAttribute(path) };
  }
  switch (kind) {
    case "string":
      return source.getStringAttribute(path);
    case "number":
      return source.getNumberAttribute(path);
    case "bool":
      return source.getBooleanAttribute(path);
    case "string_list":
      return source.getListAttribute(path);
    case "number_list":
      return source.getNumberListAttribute(path);
    case "string_map":
      return source.getStringMapAttribute(path);
    case "number_map":
      return source.getNumberMapAttribute(path);
    case "bool_map":
      return source.getBooleanMapAttribute(path);
    case "any":
      return source.interpolationForAttribute(path);
  }
}

function objectRef(source: AttributeSource, path: string, fields: Readonly<Record<string, RefField>>): object {
  const out = {};
  for (const [prop, f] of Object.entries(fields)) {
    Object.defineProperty(out, prop, { enumerable: true, get: () => attributeRef(source, `${path}.${f.name}`, f.kind) });
  }
  return out;
}

/** How configuration properties map to Terraform names: a plain attribute, or a nested block / object. */
export interface ConfigField {
  name: string;
  nested?: Readonly<Record<string, ConfigField>>;
}

function isResolvable(v: unknown): v is Resolvable {
  return typeof v === "object" && v !== null && typeof (v as { resolve?: unknown }).resolve === "function";
}

/**
 * The Terraform JSON attributes of a configuration object: camelCase properties renamed to the schema's names
 * (recursively through nested blocks and objects); tokens and other resolvables pass through for cdktf to
 * resolve; properties left undefined are left out.
 */
export function toTerraform(config: object, fields: Readonly<Record<string, ConfigField>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, f] of Object.entries(fields)) {
    const v = (config as Record<string, unknown>)[prop];
    if (v === undefined) continue;
    out[f.name] = f.nested ? nestedToTerraform(v, f.nested) : v;
  }
  return out;
}

function nestedToTerraform(v: unknown, fields: Readonly<Record<string, ConfigField>>): unknown {
  if (v === null || isResolvable(v) || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((e) => nestedToTerraform(e, fields));
  return toTerraform(v, fields);
}
