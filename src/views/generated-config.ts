import type { Attribute } from "../sdk/attribute.js";
import type { SdkObject, SdkValue } from "../sdk/value.js";
import { compareStrings } from "./encoding.js";

/**
 * `plan -generate-config-out=FILE`: the configuration Terraform 1.11 writes for `import` blocks that have no
 * resource block, from each imported object and its schema. Terraform's shape, byte for byte where the values
 * allow: the two header lines, then per object a `# __generated__ by Terraform from "ID"` line and a resource
 * block whose arguments are every attribute configuration may set (computed-only ones left out; an unset optional
 * one written as `null`; a sensitive one as `null # sensitive`), sorted by name with their `=` aligned, then the
 * nested blocks in name order (none for an empty list, none for a null single block). The header text names
 * Terraform, as tools look for it. Pure.
 */

export interface GeneratedResource {
  type: string;
  name: string;
  /** The import id, quoted in the comment above the block. */
  id: string;
  attributes: Readonly<Record<string, Attribute>>;
  /** The imported object, as read back from the remote side. */
  value: SdkObject;
}

export const GENERATED_HEADER = "# __generated__ by Terraform\n# Please review these resources and move them into your main configuration files.\n";

/** The whole file, resources in the order given. */
export function renderGeneratedConfig(resources: readonly GeneratedResource[]): string {
  let out = GENERATED_HEADER;
  for (const r of resources) {
    out += `\n# __generated__ by Terraform from ${JSON.stringify(r.id)}\n`;
    out += `resource ${JSON.stringify(r.type)} ${JSON.stringify(r.name)} {\n${body(r.attributes, r.value, 1)}}\n`;
  }
  return out;
}

function body(attributes: Readonly<Record<string, Attribute>>, value: SdkObject, depth: number): string {
  const pad = "  ".repeat(depth);
  const names = Object.keys(attributes).sort(compareStrings);
  const lines: [string, string][] = [];
  for (const name of names) {
    const a = attributes[name]!;
    if (a.block || a.kind === "computed") continue;
    const v = value[name] ?? null;
    lines.push([name, a.sensitive ? "null # sensitive" : hclValue(v)]);
  }
  const width = Math.max(0, ...lines.map(([n]) => n.length));
  let out = lines.map(([n, v]) => `${pad}${n.padEnd(width)} = ${v}\n`).join("");
  for (const name of names) {
    const a = attributes[name]!;
    if (!a.block || a.kind === "computed") continue;
    const v = value[name] ?? null;
    const items = a.block.nesting === "single" ? (v === null ? [] : [v]) : Array.isArray(v) ? v : [];
    for (const item of items) out += `${pad}${name} {\n${body(a.block.attributes, item as SdkObject, depth + 1)}${pad}}\n`;
  }
  return out;
}

/** A value as an HCL literal, one line, as Terraform's generator writes primitives, lists and objects. */
function hclValue(v: SdkValue): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return hclString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(hclValue).join(", ")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort(compareStrings);
    if (keys.length === 0) return "{}";
    return `{\n${keys.map((k) => `${k} = ${hclValue((v as SdkObject)[k] ?? null)}`).join("\n")}\n}`;
  }
  return "null";
}

/** An HCL quoted string: JSON-like escapes, plus `${`/`%{` doubled so they stay literal. */
function hclString(s: string): string {
  let out = "";
  for (const ch of s) {
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        out += ch < " " ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}` : ch;
    }
  }
  return `"${out.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{")}"`;
}
