/**
 * Override files (`override.tf`, `*_override.tf`), merged the way Terraform merges them: after every primary file
 * of the module, one override file at a time in lexical order, each top-level block merged into the primary block
 * of the same identity (a resource's type and name, a variable's name, a provider's name and alias...).
 *
 * Merging two blocks: an argument of the override replaces the argument of the same name; a nested block type the
 * override uses replaces every nested block of that type; a resource's `lifecycle` block is merged argument by
 * argument; `depends_on` may not be overridden. The merged block is then decoded and checked like any other (an
 * override that sets `count` on a resource with `for_each` gets the usual error). Each `locals` entry replaces the
 * entry of the same name, wherever it was declared. In a `terraform` block, `required_providers` entries replace
 * entries of the same name, and a `backend` block replaces the module's `backend` or `cloud` block.
 *
 * Works on top-level blocks as decoding sees them, so either syntax can override either (a native file over
 * cdktf's JSON, a generated JSON file over a hand-written native one). In the JSON syntax nested blocks are
 * properties, unknown as such until the provider's schema decodes them: a merged body with a JSON side stays
 * JSON (decoding then reads both kinds), a property replaces the nested blocks of its name, and a `lifecycle` on
 * a JSON side is replaced whole rather than merged argument by argument. `terraform` blocks in the JSON syntax are
 * decoded into nested blocks before merging (by the caller, which knows their schema).
 */
import type { Attribute, Block, Body } from "./hcl/ast.js";
import type { Diagnostic } from "./diagnostics.js";
import { constString } from "./static.js";
import type { SourceRange } from "./source.js";

/** One file's top-level blocks, in order. */
export interface FileBlocks {
  filename: string;
  blocks: Block[];
}

/** What each overridable block type is called in "missing base" errors. */
const MISSING: Record<string, (b: Block) => { summary: string; detail: string }> = {
  resource: (b) => ({
    summary: "Missing resource to override",
    detail: `There is no ${label(b, 0)} resource named "${label(b, 1)}". An override file can only override a resource block defined in a primary configuration file.`,
  }),
  data: (b) => ({
    summary: "Missing data resource to override",
    detail: `There is no ${label(b, 0)} data resource named "${label(b, 1)}". An override file can only override a data block defined in a primary configuration file.`,
  }),
  variable: (b) => ({
    summary: "Missing base variable declaration to override",
    detail: `There is no variable named "${label(b, 0)}". An override file can only override a variable that was already declared in a primary configuration file.`,
  }),
  output: (b) => ({
    summary: "Missing base output definition to override",
    detail: `There is no output named "${label(b, 0)}". An override file can only override an output that was already defined in a primary configuration file.`,
  }),
  module: (b) => ({
    summary: "Missing module call to override",
    detail: `There is no module call named "${label(b, 0)}". An override file can only override a module call that was defined in a primary configuration file.`,
  }),
  provider: (b) => ({
    summary: "Missing base provider configuration for override",
    detail: `There is no ${label(b, 0)} provider configuration${aliasOf(b) ? ` with the alias "${aliasOf(b)}"` : ""}. An override file can only override an existing provider configuration.`,
  }),
};

/** Block types whose `depends_on` an override may not set (Terraform's rule: it would be confusing). */
const FIXED_DEPENDS_ON = new Set(["resource", "data", "output", "module"]);

/**
 * Merges `overrides` (each file's top-level blocks) into `primary`, in place: merged blocks replace their base at
 * the base's position. Reports override blocks that have no base, and block types that cannot be overridden.
 */
export function mergeOverrides(primary: FileBlocks[], overrides: FileBlocks[], diags: Diagnostic[]): void {
  for (const file of overrides) {
    for (const over of file.blocks) {
      switch (over.type) {
        case "locals":
          mergeLocals(primary, over, diags);
          break;
        case "terraform":
          mergeTerraform(primary, over);
          break;
        case "moved":
        case "import":
        case "removed":
        case "check":
          diags.push({
            severity: "error",
            summary: `Cannot override '${over.type}' blocks`,
            detail: `${over.type} blocks can appear only in primary configuration files, not in override files such as ${file.filename}.`,
            subject: over.typeRange,
          });
          break;
        default: {
          const at = findBase(primary, over);
          if (!at) {
            const missing = MISSING[over.type]?.(over);
            if (missing) diags.push({ severity: "error", ...missing, subject: header(over) });
            continue;
          }
          const dependsOn = FIXED_DEPENDS_ON.has(over.type) ? over.body.attributes.find((a) => a.name === "depends_on") : undefined;
          if (dependsOn) {
            diags.push({ severity: "error", summary: "Unsupported override", detail: "The depends_on argument may not be overridden.", subject: dependsOn.nameRange });
          }
          const kept = dependsOn ? { ...bodyFields(over.body), attributes: over.body.attributes.filter((a) => a !== dependsOn) } : over.body;
          at.blocks[at.index] = mergeBlock(at.blocks[at.index]!, kept);
        }
      }
    }
  }
}

function label(b: Block, i: number): string {
  return b.labels[i]?.value ?? "";
}

function aliasOf(b: Block): string | undefined {
  const a = b.body.attributes.find((x) => x.name === "alias");
  return a ? constString(a.expr) : undefined;
}

function identity(b: Block): string {
  return b.type === "provider" ? `provider\0${label(b, 0)}\0${aliasOf(b) ?? ""}` : [b.type, ...b.labels.map((l) => l.value)].join("\0");
}

function header(b: Block): SourceRange {
  return b.labels.length ? b.labels[b.labels.length - 1]!.range : b.typeRange;
}

function findBase(primary: FileBlocks[], over: Block): { blocks: Block[]; index: number } | undefined {
  const id = identity(over);
  for (const f of primary) {
    const index = f.blocks.findIndex((b) => b.type === over.type && identity(b) === id);
    if (index >= 0) return { blocks: f.blocks, index };
  }
  return undefined;
}

/** The block type a nested block stands for when merging (a `dynamic "x"` block produces `x` blocks). */
function nestedType(b: Block): string {
  return b.type === "dynamic" && b.labels.length === 1 ? b.labels[0]!.value : b.type;
}

/** `base` with an override body's arguments and nested blocks merged in; positions stay those of the base block. */
function mergeBlock(base: Block, over: Body): Block {
  const mergeNested = base.type === "resource" || base.type === "data" ? new Set(["lifecycle"]) : new Set<string>();
  return withBody(base, mergeBodies(base.body, over, mergeNested));
}

function mergeBodies(base: Body, over: Body, mergeNested: ReadonlySet<string>): Body {
  const overAttrs = new Map(over.attributes.map((a) => [a.name, a]));
  const overTypes = new Set(over.blocks.map(nestedType));
  if (over.syntax === "json") for (const a of over.attributes) if (a.json) overTypes.add(a.name);
  const attributes: Attribute[] = [];
  for (const a of base.attributes) {
    // A JSON body keeps nested blocks as properties: an override's block type replaces the property too.
    if (base.syntax === "json" && a.json && overTypes.has(a.name)) continue;
    const replaced = overAttrs.get(a.name);
    if (replaced) overAttrs.delete(a.name);
    attributes.push(replaced ?? a);
  }
  attributes.push(...overAttrs.values());

  const blocks: Block[] = [];
  const placed = new Set<string>();
  const place = (type: string) => {
    if (placed.has(type)) return;
    placed.add(type);
    const overs = over.blocks.filter((b) => nestedType(b) === type);
    if (mergeNested.has(type)) {
      const bases = base.blocks.filter((b) => nestedType(b) === type);
      if (bases.length === 1 && overs.length === 1) {
        blocks.push(withBody(bases[0]!, mergeBodies(bases[0]!.body, overs[0]!.body, new Set())));
        return;
      }
    }
    blocks.push(...overs);
  };
  for (const b of base.blocks) {
    const type = nestedType(b);
    if (overTypes.has(type)) place(type);
    else blocks.push(b);
  }
  for (const b of over.blocks) place(nestedType(b));

  const merged: Body = { kind: "body", syntax: base.syntax === "json" || over.syntax === "json" ? "json" : "native", attributes, blocks, range: base.range };
  const json = base.json ?? over.json;
  if (json) merged.json = json;
  return merged;
}

/** A copy of `b` with another body (the ranges are read from `b`, which may make them on read). */
export function withBody(b: Block, body: Body): Block {
  return {
    kind: "block",
    type: b.type,
    typeRange: b.typeRange,
    labels: b.labels,
    body,
    openBraceRange: b.openBraceRange,
    closeBraceRange: b.closeBraceRange,
    range: b.range,
  };
}

/** Each local value of the override replaces the primary definition of the same name, in whichever locals block. */
function mergeLocals(primary: FileBlocks[], over: Block, diags: Diagnostic[]): void {
  for (const attr of over.body.attributes) {
    const owner = slotsOf(primary, "locals").find((k) => blockAt(k).body.attributes.some((a) => a.name === attr.name));
    if (owner) {
      editBody(owner, (b) => putAttribute(b, attr));
      continue;
    }
    diags.push({
      severity: "error",
      summary: "Missing base local value definition to override",
      detail: `There is no local value named "${attr.name}". An override file can only override a local value that was already defined in a primary configuration file.`,
      subject: attr.nameRange,
    });
  }
}

function bodyFields(b: Body): Body {
  const out: Body = { kind: "body", syntax: b.syntax, attributes: b.attributes, blocks: b.blocks, range: b.range };
  if (b.json) out.json = b.json;
  return out;
}

/** `b` with `attr` in place of the argument of the same name, or added after the others. */
function putAttribute(b: Body, attr: Attribute): Body {
  const has = b.attributes.some((a) => a.name === attr.name);
  return { ...bodyFields(b), attributes: has ? b.attributes.map((a) => (a.name === attr.name ? attr : a)) : [...b.attributes, attr] };
}

/**
 * `required_providers` entries replace the entries of the same name (or join the module's first
 * `required_providers` block), `backend` and `cloud` replace the module's, `required_version` replaces every
 * primary block's, and other settings replace the first primary `terraform` block's. With no primary `terraform` block the override's is kept as it is.
 */
function mergeTerraform(primary: FileBlocks[], over: Block): void {
  const bases = slotsOf(primary, "terraform");
  if (bases.length === 0) {
    primary[0]?.blocks.push(over);
    return;
  }
  const first = bases[0]!;
  for (const nested of over.body.blocks) {
    if (nested.type === "required_providers") {
      for (const entry of nested.body.attributes) mergeRequiredProvider(bases, nested, entry);
      continue;
    }
    // A backend replaces a cloud block too; a cloud block does not replace a backend (Terraform's documented rule).
    const replaced = nested.type === "backend" ? ["backend", "cloud"] : [nested.type];
    for (const k of bases) editBody(k, (b) => ({ ...bodyFields(b), blocks: b.blocks.filter((x) => !replaced.includes(x.type)) }));
    editBody(first, (b) => ({ ...bodyFields(b), blocks: [...b.blocks, nested] }));
  }
  for (const attr of over.body.attributes) {
    if (attr.name === "required_version") {
      // Terraform collects every terraform block's constraint, and an override's replaces them all.
      for (const k of bases) editBody(k, (b) => ({ ...bodyFields(b), attributes: b.attributes.filter((a) => a.name !== attr.name) }));
    }
    const owner = bases.find((k) => blockAt(k).body.attributes.some((a) => a.name === attr.name)) ?? first;
    editBody(owner, (b) => putAttribute(b, attr));
  }
}

/** A top-level block's place: file and index. */
interface Slot {
  f: FileBlocks;
  i: number;
}

/** Where the primary files' top-level blocks of `type` are. */
function slotsOf(primary: FileBlocks[], type: string): Slot[] {
  const out: Slot[] = [];
  for (const f of primary) f.blocks.forEach((b, i) => b.type === type && out.push({ f, i }));
  return out;
}

function blockAt(k: Slot): Block {
  return k.f.blocks[k.i]!;
}

function editBody(k: Slot, edit: (b: Body) => Body): void {
  const b = blockAt(k);
  k.f.blocks[k.i] = withBody(b, edit(b.body));
}

/** The entry replaces the module's entry of the same name, or joins its first `required_providers` block. */
function mergeRequiredProvider(bases: Slot[], overBlock: Block, entry: Attribute): void {
  const isRp = (b: Block) => b.type === "required_providers";
  const declares = (b: Block) => isRp(b) && b.body.attributes.some((a) => a.name === entry.name);
  const owner = bases.find((k) => blockAt(k).body.blocks.some(declares)) ?? bases.find((k) => blockAt(k).body.blocks.some(isRp));
  if (!owner) {
    editBody(bases[0]!, (b) => ({ ...bodyFields(b), blocks: [...b.blocks, withBody(overBlock, { ...bodyFields(overBlock.body), attributes: [entry] })] }));
    return;
  }
  editBody(owner, (b) => {
    const at = b.blocks.some(declares) ? b.blocks.findIndex(declares) : b.blocks.findIndex(isRp);
    const blocks = [...b.blocks];
    blocks[at] = withBody(blocks[at]!, putAttribute(blocks[at]!.body, entry));
    return { ...bodyFields(b), blocks };
  });
}
