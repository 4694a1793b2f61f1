import type { Attribute, DataSource, Provider, Resource } from "../src/sdk/index.js";
import { tfTypeOf, type TfType } from "../src/sdk/index.js";
import { elementObjectShape } from "../src/sdk/tftype.js";
import type { z } from "zod";

/** Hand-written parts of a page: an HCL example and, for importable resources, how the import id looks. */
export interface DocExtras {
  example: string;
  /** Example import id (`<uuid>`), shown in the Import section. */
  importId?: string;
  /** Extra paragraphs after the description (caveats, behaviour). */
  notes?: string;
}

/** One generated file: path relative to `docs/providers/`, and its Markdown. */
export interface DocPage {
  path: string;
  markdown: string;
}

/**
 * Renders the registry-style pages of a provider (index, one per resource, one per data source) from its
 * schemas and attribute flags plus the hand-written extras (keyed by type; a data source's by `data.<type>` first,
 * for a data source named like a resource). Pure: same input, same text.
 */
export function renderProviderDocs(p: Provider, extras: Readonly<Record<string, DocExtras>>): DocPage[] {
  const pages: DocPage[] = [{ path: `${p.name}/index.md`, markdown: providerPage(p, extras[p.name]) }];
  for (const type of [...p.resources.keys()].sort()) {
    const r = p.resources.get(type)!;
    pages.push({ path: `${p.name}/resources/${shortName(p, type)}.md`, markdown: resourcePage(p, r, extras[type]) });
  }
  for (const type of [...p.dataSources.keys()].sort()) {
    const d = p.dataSources.get(type)!;
    pages.push({ path: `${p.name}/data-sources/${shortName(p, type)}.md`, markdown: dataSourcePage(p, d, extras[`data.${type}`] ?? extras[type]) });
  }
  return pages;
}

function shortName(p: Provider, type: string): string {
  return type.startsWith(`${p.name}_`) ? type.slice(p.name.length + 1) : type;
}

function frontMatter(title: string, description: string): string {
  return ["---", `page_title: "${title}"`, `description: |-`, `  ${description.split("\n").join("\n  ")}`, "---", ""].join("\n");
}

function providerPage(p: Provider, extras: DocExtras | undefined): string {
  const lines = [frontMatter(`Provider: ${p.name}`, p.description), `# ${p.name} Provider`, "", p.description, ""];
  if (extras?.notes) lines.push(extras.notes.trim(), "");
  if (extras) lines.push("## Example Usage", "", "```hcl", extras.example.trim(), "```", "");
  lines.push("## Argument Reference", "", ...argumentList(p.attributes, p.schema.shape), "");
  lines.push("## Resources", "");
  for (const type of [...p.resources.keys()].sort()) lines.push(`- [${type}](resources/${shortName(p, type)}.md)`);
  lines.push("", "## Data Sources", "");
  for (const type of [...p.dataSources.keys()].sort()) lines.push(`- [${type}](data-sources/${shortName(p, type)}.md)`);
  return lines.join("\n") + "\n";
}

function resourcePage(p: Provider, r: Resource<unknown>, extras: DocExtras | undefined): string {
  const lines = [frontMatter(`${r.type} Resource - ${p.source}`, r.description), `# ${r.type} (Resource)`, "", r.description, ""];
  if (extras?.notes) lines.push(extras.notes.trim(), "");
  if (extras) lines.push("## Example Usage", "", "```hcl", extras.example.trim(), "```", "");
  const shape = r.schema.shape as Record<string, z.ZodType>;
  lines.push("## Argument Reference", "", "The following arguments are supported:", "", ...argumentList(r.attributes, shape), "");
  lines.push(...blockSections(r.attributes, shape));
  lines.push("## Attribute Reference", "", "In addition to the arguments above, these attributes are exported:", "", ...attributeList(r.attributes, shape), "");
  const ops = Object.entries(r.timeouts);
  if (ops.length > 0) {
    lines.push("## Timeouts", "", "The `timeouts` block sets how long each operation may take:", "");
    for (const [op, d] of ops.sort()) lines.push(`- \`${op}\` - (Default \`${d}\`)`);
    lines.push("");
  }
  if (r.canImport) {
    lines.push("## Import", "", `${r.type} can be imported by id:`, "", "```shell", `backplan import ${r.type}.example ${extras?.importId ?? "<id>"}`, "```", "");
  } else {
    lines.push("## Import", "", "This resource cannot be imported.", "");
  }
  return lines.join("\n");
}

function dataSourcePage(p: Provider, d: DataSource<unknown>, extras: DocExtras | undefined): string {
  const lines = [frontMatter(`${d.type} Data Source - ${p.source}`, d.description), `# ${d.type} (Data Source)`, "", d.description, ""];
  if (extras?.notes) lines.push(extras.notes.trim(), "");
  if (extras) lines.push("## Example Usage", "", "```hcl", extras.example.trim(), "```", "");
  const shape = d.schema.shape as Record<string, z.ZodType>;
  lines.push("## Argument Reference", "", ...argumentList(d.attributes, shape), "");
  lines.push("## Attribute Reference", "", ...attributeList(d.attributes, shape), "");
  return lines.join("\n");
}

/** `- \`name\` - (Required, Forces new resource) Description. Default: `x`.` for every configurable attribute. */
function argumentList(attrs: Readonly<Record<string, Attribute>>, shape: Readonly<Record<string, z.ZodType>>): string[] {
  const entries = Object.entries(attrs).filter(([, a]) => a.kind !== "computed");
  if (entries.length === 0) return ["This has no arguments."];
  const order = (a: Attribute) => (a.kind === "required" ? 0 : 1);
  return entries
    .sort(([ka, a], [kb, b]) => order(a) - order(b) || ka.localeCompare(kb))
    .map(([key, a]) => {
      const flags = [a.kind === "required" ? "Required" : "Optional"];
      if (a.block) flags.push("Block");
      else flags.push(typeText(shape[key], a));
      if (a.forceNew) flags.push("Forces new resource");
      if (a.sensitive) flags.push("Sensitive");
      let text = `- \`${key}\` - (${flags.join(", ")}) ${sentence(a.description)}`;
      if (a.default !== undefined) text += ` Default: \`${JSON.stringify(a.default)}\`.`;
      if (a.kind === "optional_computed") text += " When unset, the remote side chooses and the value is read back.";
      if (a.block) text += ` See [${key}](#${key}) below.`;
      return text.trimEnd();
    });
}

function attributeList(attrs: Readonly<Record<string, Attribute>>, shape: Readonly<Record<string, z.ZodType>>): string[] {
  const entries = Object.entries(attrs).filter(([, a]) => a.kind === "computed");
  if (entries.length === 0) return ["Only the arguments above."];
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([key, a]) => `- \`${key}\` - (${typeText(shape[key], a)}) ${sentence(a.description)}`.trimEnd());
}

function blockSections(attrs: Readonly<Record<string, Attribute>>, shape: Readonly<Record<string, z.ZodType>>): string[] {
  const out: string[] = [];
  for (const [key, a] of Object.entries(attrs)) {
    if (!a.block) continue;
    const b = a.block;
    const limits = [b.minItems !== undefined ? `at least ${b.minItems}` : "", b.maxItems !== undefined ? `at most ${b.maxItems}` : ""].filter(Boolean).join(", ");
    out.push(`### ${key}`, "", `${sentence(a.description)} Nesting: ${b.nesting}${limits ? ` (${limits})` : ""}.`.trim(), "");
    const inner = shape[key] ? (elementObjectShape(shape[key]!) ?? {}) : {};
    out.push(...argumentList(b.attributes, inner), "");
    if (Object.values(b.attributes).some((n) => n.kind === "computed")) out.push("Read back in each block:", "", ...attributeList(b.attributes, inner), "");
  }
  return out;
}

function typeText(schema: z.ZodType | undefined, a: Attribute): string {
  return schema ? renderType(tfTypeOf(schema, a.unordered)) : "Dynamic";
}

function renderType(t: TfType): string {
  if (typeof t === "string") return t === "bool" ? "Boolean" : t[0]!.toUpperCase() + t.slice(1);
  const [kind, inner] = t;
  switch (kind) {
    case "list":
    case "set":
    case "map":
      return `${kind[0]!.toUpperCase()}${kind.slice(1)} of ${renderType(inner as TfType)}`;
    case "object":
      return "Object";
    case "tuple":
      return "Tuple";
  }
}

function sentence(text: string | undefined): string {
  if (!text) return "";
  return /[.!?)`]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}
