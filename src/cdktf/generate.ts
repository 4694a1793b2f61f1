import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BlockJson, Provider, TfType } from "../sdk/index.js";
import { providersSchemaJson } from "../sdk/index.js";

/** The construct libraries the classes are generated for: cdktf 0.21 and its fork cdktn 0.24 (same JSON). */
export type ConstructLibrary = "cdktf" | "cdktn";
export const LIBRARIES: readonly ConstructLibrary[] = ["cdktf", "cdktn"];

const META_ARGS = ["provider", "dependsOn", "count", "lifecycle", "provisioners", "connection", "forEach"] as const;
/** Members of TerraformResource / TerraformDataSource a generated getter must not shadow. */
const RESERVED = new Set([
  ...META_ARGS,
  "node",
  "fqn",
  "friendlyUniqueId",
  "terraformResourceType",
  "terraformGeneratorMetadata",
  "terraformMetaArguments",
  "rawOverrides",
  "cdktfStack",
  "config",
  "bpConfig",
]);

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (s: string) => camel(s).replace(/^./, (c) => c.toUpperCase());
const safe = (prop: string) => (RESERVED.has(prop) ? `${prop}Attribute` : prop);

function doc(text: string | undefined, indent: string): string {
  if (!text) return "";
  return `${indent}/** ${text.replace(/\*\//g, "*\\/").replace(/\s*\n\s*/g, " ")} */\n`;
}

/** Accumulates the interfaces a module needs, in the order they are first asked for. */
class Module {
  readonly decls: string[] = [];
}

function isObject(t: TfType): t is readonly ["object", Readonly<Record<string, TfType>>] {
  return Array.isArray(t) && t[0] === "object";
}

function collectionOf(t: TfType): { kind: "list" | "set" | "map"; element: TfType } | undefined {
  return Array.isArray(t) && (t[0] === "list" || t[0] === "set" || t[0] === "map") ? { kind: t[0], element: t[1] as TfType } : undefined;
}

/** The TypeScript type a configuration property of Terraform type `t` accepts. */
function configType(m: Module, t: TfType, name: string): string {
  if (t === "string") return "string";
  if (t === "number") return "number";
  if (t === "bool") return "boolean | cdktf.IResolvable";
  if (t === "dynamic") return "unknown";
  const c = collectionOf(t);
  if (c) {
    if (c.kind === "map") {
      const el = c.element === "string" ? "string" : c.element === "number" ? "number" : c.element === "bool" ? "boolean" : "unknown";
      return `{ [key: string]: ${el} } | cdktf.IResolvable`;
    }
    if (c.element === "string") return "string[]";
    if (c.element === "number") return "number[]";
    if (isObject(c.element)) return `${objectInterface(m, c.element[1], name)}[] | cdktf.IResolvable`;
    return "unknown[] | cdktf.IResolvable";
  }
  if (isObject(t)) return `${objectInterface(m, t[1], name)} | cdktf.IResolvable`;
  return "unknown";
}

function objectInterface(m: Module, attrs: Readonly<Record<string, TfType>>, name: string): string {
  const lines = Object.entries(attrs).map(([k, t]) => `  readonly ${camel(k)}?: ${configType(m, t, name + pascal(k))};\n`);
  m.decls.push(`export interface ${name} {\n${lines.join("")}}\n`);
  return name;
}

/** Configuration interface of a block: its settable attributes and nested blocks. */
function blockConfig(m: Module, block: BlockJson, name: string, extra = "", extendsClause = ""): { fields: string } {
  const lines: string[] = [];
  const fields: string[] = [];
  for (const [k, a] of Object.entries(block.attributes ?? {})) {
    if (!a.required && !a.optional) continue;
    lines.push(doc(a.description, "  ") + `  readonly ${camel(k)}${a.required ? "" : "?"}: ${configType(m, a.type, name + pascal(k))};\n`);
    fields.push(`${camel(k)}: { name: ${JSON.stringify(k)} }`);
  }
  for (const [k, b] of Object.entries(block.block_types ?? {})) {
    const inner = blockConfig(m, b.block, name + pascal(k));
    const required = (b.min_items ?? 0) > 0;
    const t = b.nesting_mode === "single" ? `${name}${pascal(k)}` : `${name}${pascal(k)}[] | cdktf.IResolvable`;
    lines.push(doc(b.block.description, "  ") + `  readonly ${camel(k)}${required ? "" : "?"}: ${t};\n`);
    fields.push(`${camel(k)}: { name: ${JSON.stringify(k)}, nested: { ${inner.fields} } }`);
  }
  m.decls.push(`export interface ${name}${extendsClause} {\n${lines.join("")}${extra}}\n`);
  return { fields: fields.join(", ") };
}

/** How an attribute of type `t` is read back: the runtime RefKind literal and the getter's TypeScript type. */
function refOf(m: Module, t: TfType, name: string): { kind: string; type: string } {
  if (t === "string") return { kind: '"string"', type: "string" };
  if (t === "number") return { kind: '"number"', type: "number" };
  if (t === "bool") return { kind: '"bool"', type: "cdktf.IResolvable" };
  const c = collectionOf(t);
  if (c?.kind === "map") {
    if (c.element === "string") return { kind: '"string_map"', type: "{ [key: string]: string }" };
    if (c.element === "number") return { kind: '"number_map"', type: "{ [key: string]: number }" };
    if (c.element === "bool") return { kind: '"bool_map"', type: "{ [key: string]: boolean }" };
  } else if (c) {
    if (c.element === "string") return { kind: '"string_list"', type: "string[]" };
    if (c.element === "number") return { kind: '"number_list"', type: "number[]" };
    // Sets cannot be indexed in Terraform: only lists get `get(i)`.
    if (c.kind === "list" && isObject(c.element)) {
      const o = objectRef(m, c.element[1], name);
      return { kind: `{ objectList: ${o.fields} }`, type: `ObjectListRef<${o.type}>` };
    }
  } else if (isObject(t)) {
    const o = objectRef(m, t[1], name);
    return { kind: `{ object: ${o.fields} }`, type: o.type };
  }
  return { kind: '"any"', type: "cdktf.IResolvable" };
}

function objectRef(m: Module, attrs: Readonly<Record<string, TfType>>, name: string): { type: string; fields: string } {
  const lines: string[] = [];
  const fields: string[] = [];
  for (const [k, t] of Object.entries(attrs)) {
    const r = refOf(m, t, name + pascal(k));
    lines.push(`  readonly ${camel(k)}: ${r.type};\n`);
    fields.push(`${camel(k)}: { name: ${JSON.stringify(k)}, kind: ${r.kind} }`);
  }
  const type = `${name}Ref`;
  m.decls.push(`export interface ${type} {\n${lines.join("")}}\n`);
  return { type, fields: `{ ${fields.join(", ")} }` };
}

/** The implied object type of a block, for reading nested blocks back. */
function blockType(block: BlockJson): Record<string, TfType> {
  const out: Record<string, TfType> = {};
  for (const [k, a] of Object.entries(block.attributes ?? {})) out[k] = a.type;
  for (const [k, b] of Object.entries(block.block_types ?? {})) {
    const inner: TfType = ["object", blockType(b.block)];
    out[k] = b.nesting_mode === "single" ? inner : [b.nesting_mode, inner];
  }
  return out;
}

function getters(m: Module, block: BlockJson, className: string): string {
  const out: string[] = [];
  for (const [k, t] of Object.entries(blockType(block))) {
    if (k === "timeouts") continue;
    const r = refOf(m, t, className + pascal(k));
    const description = block.attributes?.[k]?.description ?? block.block_types?.[k]?.block.description;
    out.push(doc(description, "  ") + `  get ${safe(camel(k))}(): ${r.type} {\n    return attributeRef(this, ${JSON.stringify(k)}, ${r.kind}) as ${r.type};\n  }\n`);
  }
  return out.join("\n");
}

function generatorMetadata(p: Provider): string {
  const [major, minor] = p.version.split(".");
  return `{ providerName: ${JSON.stringify(p.name)}, providerVersion: ${JSON.stringify(p.version)}, providerVersionConstraint: ${JSON.stringify(`~> ${major}.${minor}`)} }`;
}

/**
 * The TypeScript module of construct classes for one provider — what `cdktf get` would generate: the provider
 * class, one class per resource and data source with a typed config interface and attribute getters. Pure and
 * deterministic (the output is committed and checked to be current by a test).
 */
export function generateModule(provider: Provider, library: ConstructLibrary): string {
  const schema = Object.values(providersSchemaJson([provider]).provider_schemas)[0]!;
  const m = new Module();
  const classes: string[] = [];
  const meta = generatorMetadata(provider);
  const providerClass = `${pascal(provider.name)}Provider`;
  const pf = blockConfig(m, schema.provider.block, `${providerClass}Config`, "  /** Alias of this provider configuration, for `provider = \"zstack.alias\"` references. */\n  readonly alias?: string;\n");
  classes.push(`${doc(provider.description, "")}export class ${providerClass} extends cdktf.TerraformProvider {
  static readonly tfResourceType = ${JSON.stringify(provider.name)};
  private readonly bpConfig: ${providerClass}Config;

  constructor(scope: Construct, id: string, config: ${providerClass}Config = {}) {
    super(scope, id, { terraformResourceType: ${JSON.stringify(provider.name)}, terraformGeneratorMetadata: ${meta}, terraformProviderSource: ${JSON.stringify(provider.source)} });
    this.bpConfig = config;
    this.alias = config.alias;
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return toTerraform(this.bpConfig, { ${pf.fields}, alias: { name: "alias" } });
  }
}
`);
  const prefix = `${provider.name}_`;
  const kinds: [string, "resource" | "data"][] = [
    ...Object.keys(schema.resource_schemas).map((t): [string, "resource"] => [t, "resource"]),
    ...Object.keys(schema.data_source_schemas).map((t): [string, "data"] => [t, "data"]),
  ];
  for (const [type, kind] of kinds) {
    const s = kind === "resource" ? schema.resource_schemas[type]! : schema.data_source_schemas[type]!;
    const base = pascal(type.startsWith(prefix) ? type.slice(prefix.length) : type);
    const className = kind === "resource" ? base : `Data${base}`;
    const cfg = blockConfig(m, s.block, `${className}Config`, "", " extends cdktf.TerraformMetaArguments");
    const superClass = kind === "resource" ? "cdktf.TerraformResource" : "cdktf.TerraformDataSource";
    classes.push(`${doc(s.block.description, "")}export class ${className} extends ${superClass} {
  static readonly tfResourceType = ${JSON.stringify(type)};
  private readonly bpConfig: ${className}Config;

  constructor(scope: Construct, id: string, config: ${className}Config) {
    super(scope, id, {
      terraformResourceType: ${JSON.stringify(type)},
      terraformGeneratorMetadata: ${meta},
${META_ARGS.map((a) => `      ${a}: config.${a},\n`).join("")}    });
    this.bpConfig = config;
  }

${getters(m, s.block, className)}
  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return toTerraform(this.bpConfig, { ${cfg.fields} });
  }
}
`);
  }
  return `// Generated by src/cdktf/generate.ts from the ${provider.name} provider's schema (npm run build). Do not edit.
/* eslint-disable */
import type { Construct } from "constructs";
import * as cdktf from "${library}";
import { attributeRef, toTerraform, type ObjectListRef } from "../../runtime.js";

${m.decls.join("\n")}
${classes.join("\n")}`;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where the module for a provider and library lives: `src/cdktf/generated/<library>/<provider>.ts`. */
export function generatedPath(library: ConstructLibrary, providerName: string): string {
  return join(here, "generated", library, `${providerName}.ts`);
}

/** Writes every module; returns the paths whose content changed. */
export function writeGenerated(providers: readonly Provider[]): string[] {
  const changed: string[] = [];
  for (const library of LIBRARIES) {
    for (const p of providers) {
      const path = generatedPath(library, p.name);
      const text = generateModule(p, library);
      let old: string | undefined;
      try {
        old = readFileSync(path, "utf8");
      } catch {
        old = undefined;
      }
      if (old === text) continue;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      changed.push(path);
    }
  }
  return changed;
}
