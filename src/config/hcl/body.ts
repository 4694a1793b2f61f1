/**
 * Decoding a body against a schema, the same way for both syntaxes: which attributes and which nested blocks
 * (with how many labels) are expected. For the JSON syntax this is where properties become nested blocks
 * (`"lifecycle": {...}`, `"resource": {"type": {"name": {...}}}`), since JSON cannot say so by itself.
 */
import type { Attribute, Block, BlockLabel, Body } from "./ast.js";
import type { Diagnostic } from "../diagnostics.js";
import { fit } from "./fit.js";
import { LazyRange, type LineIndex } from "./position.js";
import { jsonBody } from "../json/syntax.js";
import type { JsonNode } from "../json/value.js";
import { joinRanges, type SourceRange } from "../source.js";
import { didYouMean } from "../suggest.js";

export interface AttributeSchema {
  name: string;
  required?: boolean;
}

export interface BlockSchema {
  type: string;
  /** Names of the labels, for messages: `["type", "name"]` for `resource`. */
  labels: readonly string[];
}

export interface BodySchema {
  attributes: readonly AttributeSchema[];
  blocks: readonly BlockSchema[];
}

export interface BodyContent {
  attributes: Map<string, Attribute>;
  blocks: Block[];
  /** With `partial`: what the schema did not name, as a body of the same syntax (for a later, wider schema). */
  remain: Body;
}

export interface BodyContentOptions {
  /** Keep unknown attributes and blocks in `remain` instead of reporting them. */
  partial?: boolean;
  /** Where to point "missing required argument" errors (usually the block header). */
  missingRange?: SourceRange;
  /** How the enclosing block is called in messages: `resource "x" "y"`. */
  context?: string;
  /** For JSON bodies: the line index of the file. Optional: taken from the body's own ranges when absent. */
  lines?: LineIndex;
}

/**
 * Splits `body` into the attributes and blocks `schema` names, reporting unsupported ones (unless
 * `partial`), missing required attributes, and blocks with the wrong number of labels. Never throws.
 */
interface SchemaIndex {
  attrNames: Set<string>;
  blockSchemas: Map<string, BlockSchema>;
}

const indexes = new WeakMap<BodySchema, SchemaIndex>();

function schemaIndex(schema: BodySchema): SchemaIndex {
  let ix = indexes.get(schema);
  if (!ix) {
    ix = { attrNames: new Set(schema.attributes.map((a) => a.name)), blockSchemas: new Map(schema.blocks.map((b) => [b.type, b])) };
    indexes.set(schema, ix);
  }
  return ix;
}

export function bodyContent(body: Body, schema: BodySchema, diags: Diagnostic[], opts: BodyContentOptions = {}): BodyContent {
  const { attrNames, blockSchemas } = schemaIndex(schema);
  const attributes = new Map<string, Attribute>();
  const blocks: Block[] = [];
  const remainAttributes: Attribute[] = [];
  const remainBlocks: Block[] = [];

  for (const attr of body.attributes) {
    if (attrNames.has(attr.name)) {
      const prev = attributes.get(attr.name);
      if (prev) {
        diags.push({
          severity: "error",
          summary: "Duplicate argument",
          detail: `The argument "${attr.name}" was already set at ${prev.nameRange.filename}:${prev.nameRange.start.line}:${prev.nameRange.start.column}. Each argument may be set only once.`,
          subject: attr.nameRange,
        });
      } else attributes.set(attr.name, attr);
      continue;
    }
    const bs = blockSchemas.get(attr.name);
    if (bs && body.syntax === "json" && attr.json) {
      const lines = opts.lines ?? (attr.json.range instanceof LazyRange ? attr.json.range.lines : undefined);
      blocks.push(...jsonBlocks(attr.name, attr.nameRange, attr.json, bs, [], diags, lines));
      continue;
    }
    if (opts.partial) {
      remainAttributes.push(attr);
      continue;
    }
    diags.push({
      severity: "error",
      summary: "Unsupported argument",
      detail: bs
        ? `An argument named "${attr.name}" is not expected${inContext(opts)}. Did you mean to define a block of type "${attr.name}"? Expected: ${attr.name} { ... }`
        : `An argument named "${attr.name}" is not expected${inContext(opts)}.${didYouMean(attr.name, [...attrNames, ...blockSchemas.keys()])}`,
      subject: attr.nameRange,
    });
  }

  for (const block of body.blocks) {
    const bs = blockSchemas.get(block.type);
    if (!bs) {
      if (opts.partial) {
        remainBlocks.push(block);
        continue;
      }
      diags.push({
        severity: "error",
        summary: "Unsupported block type",
        detail: attrNames.has(block.type)
          ? `Blocks of type "${block.type}" are not expected${inContext(opts)}. Did you mean to define an argument? Expected: ${block.type} = ...`
          : `Blocks of type "${block.type}" are not expected${inContext(opts)}.${didYouMean(block.type, [...attrNames, ...blockSchemas.keys()])}`,
        subject: block.typeRange,
      });
      continue;
    }
    if (checkLabels(block, bs, diags)) blocks.push(block);
  }

  for (const a of schema.attributes) {
    if (a.required && !attributes.has(a.name)) {
      diags.push({
        severity: "error",
        summary: "Missing required argument",
        detail: `The argument "${a.name}" is required${inContext(opts)}, but no definition was found. Expected: ${a.name} = ...`,
        subject: opts.missingRange ?? body.range,
      });
    }
  }
  // Nothing taken (a resource body without meta-arguments): the body itself is what remains, not a copy of it.
  if (remainAttributes.length === body.attributes.length && remainBlocks.length === body.blocks.length) return { attributes, blocks, remain: body };
  // `remain` is what a resource keeps as its configuration: exact-size arrays (see fit).
  const remain: Body = { kind: "body", syntax: body.syntax, attributes: fit(remainAttributes), blocks: fit(remainBlocks), range: body.range };
  if (body.json) remain.json = body.json;
  return { attributes, blocks, remain };
}

/** ` in resource "x" "y"` for messages (built only when there is one: most bodies decode without errors). */
function inContext(opts: BodyContentOptions): string {
  return opts.context ? ` in ${opts.context}` : "";
}

function checkLabels(block: Block, bs: BlockSchema, diags: Diagnostic[]): boolean {
  const want = bs.labels.length;
  const got = block.labels.length;
  if (got === want) return true;
  if (got < want) {
    const missing = bs.labels[got]!;
    diags.push({
      severity: "error",
      summary: `Missing ${missing} for ${bs.type}`,
      detail: `All ${bs.type} blocks must have ${want} label${want === 1 ? "" : "s"} (${bs.labels.join(", ")}); this one has ${got}. Expected: ${bs.type}${bs.labels.map((l) => ` "${l.toUpperCase()}"`).join("")} { ... }`,
      subject: got > 0 ? block.labels[got - 1]!.range : block.typeRange,
    });
  } else {
    const extra = block.labels[want]!;
    diags.push({
      severity: "error",
      summary: `Extraneous label for ${bs.type}`,
      detail:
        want === 0
          ? `No labels are expected for ${bs.type} blocks, but found "${extra.value}". Expected: ${bs.type} { ... }`
          : `Only ${want} label${want === 1 ? "" : "s"} (${bs.labels.join(", ")}) are expected for ${bs.type} blocks, but found the extra label "${extra.value}".`,
      subject: extra.range,
    });
  }
  return false;
}

/**
 * The blocks a JSON property stands for: each label level is an object keyed by the label (or an array of
 * such objects); the innermost value is one block body object or an array of them.
 */
function jsonBlocks(
  type: string,
  typeRange: SourceRange,
  node: JsonNode,
  bs: BlockSchema,
  labels: BlockLabel[],
  diags: Diagnostic[],
  lines: LineIndex | undefined,
): Block[] {
  const out: Block[] = [];
  if (!lines) {
    // Only reachable for JSON nodes built by hand (not parsed from a file): nothing to parse strings against.
    diags.push({ severity: "error", summary: "Cannot decode JSON block", detail: `The "${type}" block has no source file to read its expressions from.`, subject: typeRange });
    return out;
  }
  if (labels.length < bs.labels.length) {
    const items = node.type === "array" ? node.items : [node];
    for (const item of items) {
      if (item.type !== "object") {
        diags.push({
          severity: "error",
          summary: "Incorrect JSON value type",
          detail: `Expected a JSON object whose property names are the ${bs.labels[labels.length]} labels of the "${type}" blocks, but found a JSON ${item.type}.`,
          subject: item.range,
        });
        continue;
      }
      for (const p of item.properties) {
        if (p.name.value === "//") continue;
        out.push(...jsonBlocks(type, typeRange, p.value, bs, [...labels, { value: p.name.value, range: p.name.range }], diags, lines));
      }
    }
    return out;
  }
  const bodies = node.type === "array" ? node.items : [node];
  for (const b of bodies) {
    if (b.type !== "object") {
      diags.push({
        severity: "error",
        summary: "Incorrect JSON value type",
        detail: `Expected a JSON object for the contents of a "${type}" block, but found a JSON ${b.type}.`,
        subject: b.range,
      });
      continue;
    }
    const open = { filename: b.range.filename, start: b.range.start, end: b.range.start };
    const close = { filename: b.range.filename, start: b.range.end, end: b.range.end };
    out.push({
      kind: "block",
      type,
      typeRange,
      labels,
      body: jsonBody(b, lines, diags),
      openBraceRange: open,
      closeBraceRange: close,
      range: joinRanges(typeRange, b.range),
    });
  }
  return out;
}
