/**
 * The references an expression or body makes to named objects (`var.x`, `local.y`, `zstack_cdp_task.web`,
 * `data.a.b`, `module.m`, `count.index`, `each.key`, `path.module`, `self`), found statically. Names bound inside
 * the expression (for-expression and template-for variables, dynamic-block iterators) are not references.
 * Used for validation here and for dependency edges by the graph builder.
 */
import type { ResourceMode } from "../addrs/resource.js";
import type { Body, Expression, TemplatePart, TraversalStep } from "./hcl/ast.js";
import { assertNever } from "./hcl/ast.js";
import type { SourceRange } from "./source.js";

export type RefSubject =
  | { kind: "var"; name: string }
  | { kind: "local"; name: string }
  | { kind: "resource"; mode: ResourceMode; type: string; name: string }
  | { kind: "module"; name: string }
  | { kind: "count"; attr: string }
  | { kind: "each"; attr: string }
  | { kind: "path"; attr: string }
  | { kind: "terraform"; attr: string }
  | { kind: "self" };

export interface Reference {
  subject: RefSubject;
  /** The traversal's steps after the part naming the subject (`.id`, `[0].name`...). */
  rest: TraversalStep[];
  range: SourceRange;
}

/** A traversal that cannot be a reference (`var` alone, `count.foo`...), with what was expected. */
export interface BadReference {
  summary: string;
  detail: string;
  range: SourceRange;
}

export interface References {
  refs: Reference[];
  bad: BadReference[];
  /** Every function call, by name as written (`upper`, `provider::zstack::parse_id`). */
  calls: { name: string; range: SourceRange }[];
}

const SPECIAL_ATTRS: Record<string, readonly string[]> = {
  count: ["index"],
  each: ["key", "value"],
  path: ["module", "root", "cwd"],
  terraform: ["workspace", "applying"],
};

/** Classifies one scope traversal (root not bound locally). */
export function classifyTraversal(root: string, steps: readonly TraversalStep[], range: SourceRange): Reference | BadReference {
  switch (root) {
    case "var":
    case "local": {
      const name = attrStep(steps, 0);
      if (!name) return needRef(root, range, root === "var" ? "a variable name" : "a local value name", `${root}.name`);
      return { subject: { kind: root, name }, rest: steps.slice(1), range };
    }
    case "module": {
      const name = attrStep(steps, 0);
      if (!name) return needRef(root, range, "a module call name", "module.network.vpc_id");
      return { subject: { kind: "module", name }, rest: steps.slice(1), range };
    }
    case "data": {
      const type = attrStep(steps, 0);
      const name = attrStep(steps, 1);
      if (!type || !name) return needRef(root, range, "a data source type and name", "data.zstack_vm.db.uuid");
      return { subject: { kind: "resource", mode: "data", type, name }, rest: steps.slice(2), range };
    }
    case "count":
    case "each":
    case "path":
    case "terraform": {
      const name = attrStep(steps, 0);
      const allowed = SPECIAL_ATTRS[root]!;
      if (!name || !allowed.includes(name)) {
        return {
          summary: `Invalid "${root}" attribute`,
          detail: `The "${root}" object has only the attribute${allowed.length > 1 ? "s" : ""} ${allowed.map((a) => `${root}.${a}`).join(", ")}.`,
          range,
        };
      }
      return { subject: { kind: root, attr: name }, rest: steps.slice(1), range };
    }
    case "self":
      return { subject: { kind: "self" }, rest: [...steps], range };
    default: {
      const name = attrStep(steps, 0);
      if (!name) {
        return {
          summary: "Invalid reference",
          detail: `A reference to a resource type must be followed by the resource name, like ${root}.name (or is "${root}" a misspelled variable? Input variables are var.${root}).`,
          range,
        };
      }
      return { subject: { kind: "resource", mode: "managed", type: root, name }, rest: steps.slice(1), range };
    }
  }
}

/** The name of step `i` when it is an attribute step. */
function attrStep(steps: readonly TraversalStep[], i: number): string | undefined {
  const s = steps[i];
  return s && s.kind === "attr" ? s.name : undefined;
}

function needRef(root: string, range: SourceRange, what: string, example: string): BadReference {
  return { summary: "Invalid reference", detail: `A reference to "${root}" must be followed by ${what}, like ${example}.`, range };
}

class Walker {
  readonly out: References = { refs: [], bad: [], calls: [] };
  private readonly bound: string[] = [];

  expr(e: Expression): void {
    switch (e.kind) {
      case "literal":
      case "splat_item":
      case "invalid":
        return;
      case "scope_traversal": {
        if (this.bound.includes(e.root)) return;
        const r = classifyTraversal(e.root, e.steps, e.range);
        if ("subject" in r) this.out.refs.push(r);
        else this.out.bad.push(r);
        return;
      }
      case "template":
        this.parts(e.parts);
        return;
      case "tuple":
        for (const i of e.items) this.expr(i);
        return;
      case "object":
        for (const item of e.items) {
          if (!item.bareKey) this.expr(item.key);
          this.expr(item.value);
        }
        return;
      case "relative_traversal":
        this.expr(e.source);
        return;
      case "index":
        this.expr(e.collection);
        this.expr(e.key);
        return;
      case "splat":
        this.expr(e.source);
        this.expr(e.each);
        return;
      case "function_call":
        this.out.calls.push({ name: e.name, range: e.nameRange });
        for (const a of e.args) this.expr(a);
        return;
      case "conditional":
        this.expr(e.condition);
        this.expr(e.trueResult);
        this.expr(e.falseResult);
        return;
      case "binary":
        this.expr(e.left);
        this.expr(e.right);
        return;
      case "unary":
        this.expr(e.operand);
        return;
      case "parens":
        this.expr(e.expr);
        return;
      case "for": {
        this.expr(e.collection);
        const vars = e.keyVar !== undefined ? [e.keyVar, e.valueVar] : [e.valueVar];
        this.within(vars, () => {
          if (e.keyExpr) this.expr(e.keyExpr);
          this.expr(e.valueExpr);
          if (e.condition) this.expr(e.condition);
        });
        return;
      }
      default:
        assertNever(e);
    }
  }

  parts(parts: readonly TemplatePart[]): void {
    for (const p of parts) {
      switch (p.kind) {
        case "literal":
          break;
        case "interpolation":
          this.expr(p.expr);
          break;
        case "if":
          this.expr(p.condition);
          this.parts(p.then);
          if (p.else) this.parts(p.else);
          break;
        case "for": {
          this.expr(p.collection);
          const vars = p.keyVar !== undefined ? [p.keyVar, p.valueVar] : [p.valueVar];
          this.within(vars, () => this.parts(p.body));
          break;
        }
        default:
          assertNever(p);
      }
    }
  }

  within(names: readonly string[], f: () => void): void {
    this.bound.push(...names);
    try {
      f();
    } finally {
      this.bound.length -= names.length;
    }
  }

  body(b: Body): void {
    for (const a of b.attributes) {
      if (b.syntax === "json" && a.name === "dynamic" && a.expr.kind === "object") {
        // JSON dynamic blocks: {"label": {"for_each": ..., "iterator": "it", "content": {...}}}
        const names: string[] = [];
        for (const item of a.expr.items) {
          if (item.key.kind === "template" && item.key.parts.length === 1 && item.key.parts[0]!.kind === "literal") names.push(item.key.parts[0]!.value);
          const inner = item.value.kind === "tuple" ? item.value.items : [item.value];
          for (const spec of inner) {
            if (spec.kind !== "object") continue;
            for (const f of spec.items) {
              const k = f.key.kind === "template" && f.key.parts[0]?.kind === "literal" ? f.key.parts[0].value : undefined;
              if (k === "iterator" && f.value.kind === "template" && f.value.parts[0]?.kind === "literal") names.push(f.value.parts[0].value);
            }
          }
        }
        this.within(names, () => this.expr(a.expr));
        continue;
      }
      this.expr(a.expr);
    }
    for (const block of b.blocks) {
      if (block.type === "dynamic" && block.labels.length === 1) {
        let iterator = block.labels[0]!.value;
        for (const a of block.body.attributes) {
          if (a.name === "iterator" && a.expr.kind === "scope_traversal" && a.expr.steps.length === 0) iterator = a.expr.root;
          else if (a.name !== "iterator") this.expr(a.expr);
        }
        this.within([iterator], () => {
          for (const inner of block.body.blocks) {
            if (inner.type === "content") this.body(inner.body);
            else this.body(inner.body);
          }
        });
        continue;
      }
      this.body(block.body);
    }
  }
}

/** References made by an expression. */
export function expressionReferences(e: Expression): References {
  const w = new Walker();
  w.expr(e);
  return w.out;
}

/** References made anywhere in a body (nested blocks included, dynamic-block iterators bound). */
export function bodyReferences(b: Body): References {
  const w = new Walker();
  w.body(b);
  return w.out;
}
