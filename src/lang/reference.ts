/**
 * References: what a traversal like `aws_instance.web[0].id` points at. The evaluator splits every traversal
 * into a *subject* (the object the plan engine knows: a variable, a local, a resource, a module call...) and the
 * remaining steps it applies itself; `references(expr)` lists them without evaluating, for the graph builder.
 * The split follows Terraform: `var.NAME`, `local.NAME`, `data.TYPE.NAME`, `module.NAME`, `each.key|value`,
 * `count.index`, `path.module|root|cwd`, `terraform.workspace`, `self`, otherwise `TYPE.NAME` (a managed resource).
 */
import type { Expression, SourceRange, TemplatePart, TraversalStep } from "../config/hcl/ast.js";
import type { Diagnostic } from "../config/diagnostics.js";

export type ReferenceSubject =
  | { kind: "var"; name: string }
  | { kind: "local"; name: string }
  | { kind: "resource"; mode: "managed" | "data"; type: string; name: string }
  | { kind: "module"; name: string }
  | { kind: "each"; attr: "key" | "value" }
  | { kind: "count"; attr: "index" }
  | { kind: "path"; attr: "module" | "root" | "cwd" }
  | { kind: "terraform"; attr: string }
  | { kind: "self" };

export interface Reference {
  subject: ReferenceSubject;
  /** Steps after the subject (`[0].id` of `aws_instance.web[0].id`), applied by the evaluator. */
  steps: TraversalStep[];
  /** The subject's part of the source (`aws_instance.web`). */
  subjectRange: SourceRange;
  /** The whole traversal. */
  range: SourceRange;
}

/** How a subject is written, for messages and dependency keys: `var.x`, `data.t.n`, `aws_x.y`, `each.key`. */
export function subjectString(s: ReferenceSubject): string {
  switch (s.kind) {
    case "var":
      return `var.${s.name}`;
    case "local":
      return `local.${s.name}`;
    case "resource":
      return `${s.mode === "data" ? "data." : ""}${s.type}.${s.name}`;
    case "module":
      return `module.${s.name}`;
    case "each":
    case "count":
    case "path":
    case "terraform":
      return `${s.kind}.${s.attr}`;
    case "self":
      return "self";
    default: {
      const never: never = s;
      throw new Error(`unexpected subject ${JSON.stringify(never)}`);
    }
  }
}

function err(summary: string, detail: string, subject: SourceRange): Diagnostic {
  return { severity: "error", summary, detail, subject };
}

/**
 * Splits a traversal into subject and remaining steps, or explains why it is not a valid reference
 * ("A reference to a resource type must be followed by at least one attribute access...").
 */
export function parseReference(
  root: string,
  rootRange: SourceRange,
  steps: readonly TraversalStep[],
  range: SourceRange,
): { ok: true; ref: Reference } | { ok: false; diagnostic: Diagnostic } {
  const a0 = attrAt(steps, 0);
  switch (root) {
    case "var":
    case "local":
      if (a0 === undefined) return needAttr(root, `an attribute access naming the ${root === "var" ? "input variable" : "local value"}`, range);
      return made({ kind: root, name: a0 }, 1, steps, rootRange, range);
    case "module":
      if (a0 === undefined) return needAttr(root, "an attribute access naming the module call", range);
      return made({ kind: "module", name: a0 }, 1, steps, rootRange, range);
    case "data": {
      const name = attrAt(steps, 1);
      if (a0 === undefined || name === undefined) return needAttr(root, "two attribute names: the data source type and the resource name", range);
      return made({ kind: "resource", mode: "data", type: a0, name }, 2, steps, rootRange, range);
    }
    case "each":
      if (a0 !== "key" && a0 !== "value") return needAttr(root, `"key" or "value"`, range);
      return made({ kind: "each", attr: a0 }, 1, steps, rootRange, range);
    case "count":
      if (a0 !== "index") return needAttr(root, `"index"`, range);
      return made({ kind: "count", attr: "index" }, 1, steps, rootRange, range);
    case "path":
      if (a0 !== "module" && a0 !== "root" && a0 !== "cwd") return needAttr(root, `"module", "root" or "cwd"`, range);
      return made({ kind: "path", attr: a0 }, 1, steps, rootRange, range);
    case "terraform":
      if (a0 === undefined) return needAttr(root, 'an attribute name such as "workspace"', range);
      return made({ kind: "terraform", attr: a0 }, 1, steps, rootRange, range);
    case "self":
      return made({ kind: "self" }, 0, steps, rootRange, range);
    default:
      if (a0 === undefined) {
        return {
          ok: false,
          diagnostic: err(
            "Invalid reference",
            `A reference to a resource type must be followed by at least one attribute access, specifying the resource name ("${root}" is not a known name here).`,
            range,
          ),
        };
      }
      return made({ kind: "resource", mode: "managed", type: root, name: a0 }, 1, steps, rootRange, range);
  }
}

function attrAt(steps: readonly TraversalStep[], i: number): string | undefined {
  const s = steps[i];
  return s !== undefined && s.kind === "attr" ? s.name : undefined;
}

function made(
  subject: ReferenceSubject,
  used: number,
  steps: readonly TraversalStep[],
  rootRange: SourceRange,
  range: SourceRange,
): { ok: true; ref: Reference } {
  const last = used > 0 ? steps[used - 1] : undefined;
  const subjectRange = { filename: rootRange.filename, start: rootRange.start, end: (last?.range ?? rootRange).end };
  return { ok: true, ref: { subject, steps: used === 0 ? (steps as TraversalStep[]) : steps.slice(used), subjectRange, range } };
}

function needAttr(root: string, what: string, range: SourceRange): { ok: false; diagnostic: Diagnostic } {
  return { ok: false, diagnostic: err("Invalid reference", `The "${root}" object must be followed by ${what}.`, range) };
}

/**
 * Every reference in `expr`, in source order, without evaluating anything. Names bound inside the expression
 * (`for` and template `%{for}` iteration variables) are not references. Invalid traversals are skipped here;
 * evaluation reports them.
 */
export function references(expr: Expression): Reference[] {
  const out: Reference[] = [];
  walk(expr, NOTHING_BOUND, out);
  return out;
}

/** The names bound outside any `for` (shared: `walk` copies before it binds a name). */
const NOTHING_BOUND: ReadonlySet<string> = new Set();

function walk(e: Expression, bound: ReadonlySet<string>, out: Reference[]): void {
  switch (e.kind) {
    case "literal":
    case "splat_item":
    case "invalid":
      return;
    case "template":
      walkParts(e.parts, bound, out);
      return;
    case "tuple":
      for (const i of e.items) walk(i, bound, out);
      return;
    case "object":
      for (const i of e.items) {
        if (!i.bareKey) walk(i.key, bound, out);
        walk(i.value, bound, out);
      }
      return;
    case "scope_traversal": {
      if (bound.has(e.root)) return;
      const r = parseReference(e.root, e.rootRange, e.steps, e.range);
      if (r.ok) out.push(r.ref);
      return;
    }
    case "relative_traversal":
      walk(e.source, bound, out);
      return;
    case "index":
      walk(e.collection, bound, out);
      walk(e.key, bound, out);
      return;
    case "splat":
      walk(e.source, bound, out);
      walk(e.each, bound, out);
      return;
    case "function_call":
      for (const a of e.args) walk(a, bound, out);
      return;
    case "conditional":
      walk(e.condition, bound, out);
      walk(e.trueResult, bound, out);
      walk(e.falseResult, bound, out);
      return;
    case "binary":
      walk(e.left, bound, out);
      walk(e.right, bound, out);
      return;
    case "unary":
      walk(e.operand, bound, out);
      return;
    case "for": {
      walk(e.collection, bound, out);
      const inner = new Set(bound);
      inner.add(e.valueVar);
      if (e.keyVar !== undefined) inner.add(e.keyVar);
      if (e.keyExpr) walk(e.keyExpr, inner, out);
      walk(e.valueExpr, inner, out);
      if (e.condition) walk(e.condition, inner, out);
      return;
    }
    case "parens":
      walk(e.expr, bound, out);
      return;
    default: {
      const never: never = e;
      throw new Error(`unexpected expression ${JSON.stringify(never)}`);
    }
  }
}

function walkParts(parts: readonly TemplatePart[], bound: ReadonlySet<string>, out: Reference[]): void {
  for (const p of parts) {
    switch (p.kind) {
      case "literal":
        break;
      case "interpolation":
        walk(p.expr, bound, out);
        break;
      case "if":
        walk(p.condition, bound, out);
        walkParts(p.then, bound, out);
        if (p.else) walkParts(p.else, bound, out);
        break;
      case "for": {
        walk(p.collection, bound, out);
        const inner = new Set(bound);
        inner.add(p.valueVar);
        if (p.keyVar !== undefined) inner.add(p.keyVar);
        walkParts(p.body, inner, out);
        break;
      }
      default: {
        const never: never = p;
        throw new Error(`unexpected template part ${JSON.stringify(never)}`);
      }
    }
  }
}
