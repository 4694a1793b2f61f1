import type { Json } from "../plan/plan.js";
import { SENSITIVE_TEXT } from "./encoding.js";
import { isIdentifier } from "./paths.js";
import type { Style } from "./style.js";
import { lcsPairs, type DiffAction, type ValueDiff } from "./value-diff.js";

/**
 * Renders a ValueDiff in Terraform's human plan layout: four columns per nesting level, a three-character action
 * symbol, `old -> new`, `(known after apply)`, `(sensitive value)`, `# forces replacement`, unchanged children
 * counted in a `# (N unchanged ... hidden)` line. The first line continues whatever the caller wrote before it
 * (`key = `); later lines carry their own indentation.
 */

export interface RenderOptions {
  style: Style;
  /** Show unchanged children instead of counting them (imports, important attributes). */
  showUnchanged: boolean;
  /** Suppress the ` -> null` suffix on removed values (children of a removed collection). */
  overrideNullSuffix: boolean;
  /** Suppress `# forces replacement` (the before-part of an unknown that carries the marker itself). */
  forbidReplace: boolean;
}

export function renderOptions(style: Style): RenderOptions {
  return { style, showUnchanged: false, overrideNullSuffix: false, forbidReplace: false };
}

/** Attributes shown even when unchanged, because they identify the object (Terraform: id, name, tags; backplan adds uuid, the ZStack identifier). */
const IMPORTANT = new Set(["id", "uuid", "name", "tags"]);

export function indentOf(level: number): string {
  return "    ".repeat(level);
}

/** The three-character action symbol of a nested value. */
export function diffSymbol(action: DiffAction, style: Style): string {
  switch (action) {
    case "create":
      return `  ${style.green("+")}`;
    case "delete":
      return `  ${style.red("-")}`;
    case "update":
      return `  ${style.yellow("~")}`;
    case "no-op":
      return "   ";
  }
}

function nullSuffix(action: DiffAction, o: RenderOptions): string {
  return !o.overrideNullSuffix && action === "delete" ? ` ${o.style.dim("-> null")}` : "";
}

function forcesSuffix(replace: boolean, o: RenderOptions): string {
  return replace && !o.forbidReplace ? ` ${o.style.red("# forces replacement")}` : "";
}

function arrow(o: RenderOptions): string {
  return ` ${o.style.yellow("->")} `;
}

export function unchangedLine(count: number, noun: string, style: Style): string {
  return style.dim(`# (${count} unchanged ${noun}${count === 1 ? "" : "s"} hidden)`);
}

export function attributeKey(key: string): string {
  return isIdentifier(key) ? key : JSON.stringify(key);
}

function primitiveText(v: Json, o: RenderOptions): string {
  if (v === null) return o.style.dim("null");
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

function isMultiline(v: Json): v is string {
  return typeof v === "string" && v.includes("\n");
}

function heredocLines(s: string): string[] {
  const lines = s.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function renderHeredoc(d: ValueDiff & { kind: "primitive" }, indent: number, o: RenderOptions): string {
  const inner = indentOf(indent + 1);
  const out: string[] = [];
  const asLines = (v: Json) => (v === null ? [] : heredocLines(typeof v === "string" ? v : JSON.stringify(v)));
  if (d.action === "update") {
    const bl = asLines(d.before);
    const al = asLines(d.after);
    const common = lcsPairs(bl, al, (x, y) => x === y);
    let bi = 0;
    let ai = 0;
    for (let k = 0; k <= common.length; k++) {
      const [bEnd, aEnd] = common[k] ?? [bl.length, al.length];
      for (; bi < bEnd; bi++) out.push(`${inner}${diffSymbol("delete", o.style)} ${bl[bi]}`);
      for (; ai < aEnd; ai++) out.push(`${inner}${diffSymbol("create", o.style)} ${al[ai]}`);
      if (k < common.length) {
        out.push(`${inner}${diffSymbol("no-op", o.style)} ${bl[bi]}`);
        bi++;
        ai++;
      }
    }
  } else {
    for (const line of asLines(d.action === "delete" ? d.before : d.after)) out.push(`${inner}${diffSymbol("no-op", o.style)} ${line}`);
  }
  return `<<-EOT${forcesSuffix(d.replace, o)}\n${out.join("\n")}\n${indentOf(indent)}${diffSymbol("no-op", o.style)} EOT${nullSuffix(d.action, o)}`;
}

function renderPrimitive(d: ValueDiff & { kind: "primitive" }, indent: number, o: RenderOptions): string {
  if (isMultiline(d.before) || isMultiline(d.after)) return renderHeredoc(d, indent, o);
  const forces = forcesSuffix(d.replace, o);
  switch (d.action) {
    case "create":
      return `${primitiveText(d.after, o)}${forces}`;
    case "delete":
      return `${primitiveText(d.before, o)}${nullSuffix(d.action, o)}${forces}`;
    case "no-op":
      return `${primitiveText(d.before, o)}${forces}`;
    case "update":
      return `${primitiveText(d.before, o)}${arrow(o)}${primitiveText(d.after, o)}${forces}`;
  }
}

/** Warning lines shown above an attribute whose sensitivity changes while the object stays. */
function sensitivityWarnings(d: ValueDiff, indent: number, o: RenderOptions): string[] {
  if (d.kind !== "sensitive" || d.beforeSensitive === d.afterSensitive || d.action === "create" || d.action === "delete") return [];
  const pad = indentOf(indent);
  const w = o.style.yellow("Warning");
  const text = d.beforeSensitive
    ? `  # ${w}: this attribute value will no longer be marked as sensitive\n${pad}  # after applying this change.`
    : `  # ${w}: this attribute value will be marked as sensitive and will not\n${pad}  # display in UI output after applying this change.`;
  return [d.valueChanged ? text : `${text} The value is unchanged.`];
}

/**
 * One `key = value` line (plus the lines the value spans) inside an object or block at nesting `indent`.
 */
function attributeLine(key: string, width: number, d: ValueDiff, indent: number, o: RenderOptions): string {
  const pad = indentOf(indent + 1);
  const warnings = sensitivityWarnings(d, indent + 1, o).map((w) => `${pad}${w}\n`).join("");
  return `${warnings}${pad}${diffSymbol(d.action, o.style)} ${key.padEnd(width)} = ${renderDiff(d, indent + 1, o)}`;
}

/**
 * The body of an object (`block` true: the resource itself, whose removed primitives keep ` -> null`; false: an
 * object attribute, whose children do not repeat it because the object's closing brace carries it).
 */
export function renderObjectBody(
  attributes: readonly [string, ValueDiff][],
  action: DiffAction,
  replace: boolean,
  indent: number,
  o: RenderOptions,
  block: boolean,
): string {
  const closeSuffix = block ? "" : nullSuffix(action, o);
  if (attributes.length === 0) return `{}${closeSuffix}${forcesSuffix(replace, o)}`;
  const childOpts: RenderOptions = { ...o, overrideNullSuffix: block ? o.overrideNullSuffix : true, forbidReplace: false };
  const keys = attributes.map(([k]) => attributeKey(k));
  const width = Math.max(...keys.map((k) => k.length));
  const lines: string[] = [`{${forcesSuffix(replace, o)}`];
  let hidden = 0;
  attributes.forEach(([, d], i) => {
    const key = keys[i]!;
    if (IMPORTANT.has(attributes[i]![0])) {
      lines.push(attributeLine(key, width, d, indent, { ...childOpts, showUnchanged: true }));
      return;
    }
    if (d.action === "no-op" && !o.showUnchanged) {
      hidden++;
      return;
    }
    lines.push(attributeLine(key, width, d, indent, childOpts));
  });
  if (hidden > 0) lines.push(`${indentOf(indent + 1)}${diffSymbol("no-op", o.style)} ${unchangedLine(hidden, "attribute", o.style)}`);
  lines.push(`${indentOf(indent)}${diffSymbol("no-op", o.style)} }${closeSuffix}`);
  return lines.join("\n");
}

function renderList(d: ValueDiff & { kind: "list" }, indent: number, o: RenderOptions): string {
  if (d.elements.length === 0) return `[]${nullSuffix(d.action, o)}${forcesSuffix(d.replace, o)}`;
  const elementOpts: RenderOptions = { ...o, overrideNullSuffix: true, forbidReplace: false };
  const unchangedOpts: RenderOptions = { ...o, showUnchanged: true, forbidReplace: false };
  const pad = indentOf(indent + 1);
  const noop = diffSymbol("no-op", o.style);
  const lines: string[] = [`[${forcesSuffix(d.replace, o)}`];
  const element = (e: ValueDiff, eo: RenderOptions) => `${pad}${diffSymbol(e.action, o.style)} ${renderDiff(e, indent + 1, eo)},`;
  // Lists of primitives show one unchanged neighbour on each side of a change, so the reader sees where in the
  // (ordered) list it happens.
  const context = d.primitiveElements;
  let pending: ValueDiff[] = [];
  let showNext = false;
  for (const e of d.elements) {
    if (e.action === "no-op" && !showNext && !o.showUnchanged) {
      pending.push(e);
      continue;
    }
    showNext = false;
    let eo = elementOpts;
    if (context) {
      if (pending.length > 1) lines.push(`${pad}${noop} ${unchangedLine(pending.length - 1, "element", o.style)}`);
      if (pending.length > 0) lines.push(element(pending[pending.length - 1]!, unchangedOpts));
      pending = [];
      if (e.action === "no-op") eo = unchangedOpts;
      else showNext = true;
    }
    lines.push(element(e, eo));
  }
  if (pending.length > 0) lines.push(`${pad}${noop} ${unchangedLine(pending.length, "element", o.style)}`);
  lines.push(`${indentOf(indent)}${noop} ]${nullSuffix(d.action, o)}`);
  return lines.join("\n");
}

/** Renders a value difference; see the module comment for the layout contract. */
export function renderDiff(d: ValueDiff, indent: number, o: RenderOptions): string {
  switch (d.kind) {
    case "primitive":
      return renderPrimitive(d, indent, o);
    case "sensitive":
      return `${SENSITIVE_TEXT}${nullSuffix(d.action, o)}${forcesSuffix(d.replace, o)}`;
    case "unknown": {
      if (d.before === null) return `(known after apply)${forcesSuffix(d.replace, o)}`;
      const beforeOpts: RenderOptions = { ...o, overrideNullSuffix: true, forbidReplace: d.replace || o.forbidReplace };
      return `${renderDiff(d.before, indent, beforeOpts)}${arrow(o)}(known after apply)${forcesSuffix(d.replace, o)}`;
    }
    case "object":
      return renderObjectBody(d.attributes, d.action, d.replace, indent, o, false);
    case "list":
      return renderList(d, indent, o);
    case "typeChange": {
      const beforeOpts: RenderOptions = { ...o, overrideNullSuffix: true };
      return `${renderDiff(d.before, indent, beforeOpts)}${arrow(o)}${renderDiff(d.after, indent, o)}${forcesSuffix(d.replace, o)}`;
    }
  }
}
