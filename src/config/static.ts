/**
 * Static analysis of expressions: the places where Terraform reads an expression without evaluating it
 * (constant strings and bools, keywords, traversals naming addresses).
 */
import { parseTarget } from "../addrs/parse.js";
import type { TargetAddr } from "../addrs/resource.js";
import type { Expression, TraversalStep } from "./hcl/ast.js";

/** The value of a constant string: a template of literal text only, or a string literal. */
export function constString(e: Expression): string | undefined {
  if (e.kind === "literal") return typeof e.value === "string" ? e.value : undefined;
  if (e.kind === "template") {
    let s = "";
    for (const p of e.parts) {
      if (p.kind !== "literal") return undefined;
      s += p.value;
    }
    return s;
  }
  return undefined;
}

/** `true`/`false` literals (and, for the JSON syntax, the strings "true"/"false"). */
export function constBool(e: Expression): boolean | undefined {
  if (e.kind === "literal" && typeof e.value === "boolean") return e.value;
  const s = constString(e);
  if (s === "true") return true;
  if (s === "false") return false;
  return undefined;
}

/** The name of a bare identifier expression (`all`, `string`), else undefined. */
export function exprAsKeyword(e: Expression): string | undefined {
  if (e.kind === "scope_traversal" && e.steps.length === 0) return e.root;
  if (e.kind === "parens") return undefined;
  return undefined;
}

export interface StaticTraversal {
  root: string;
  steps: TraversalStep[];
}

/** A static traversal (`a.b[0]["k"]`), or undefined when the expression is anything else. */
export function exprAsTraversal(e: Expression): StaticTraversal | undefined {
  if (e.kind === "scope_traversal") return { root: e.root, steps: e.steps };
  return undefined;
}

export function formatTraversal(t: StaticTraversal): string {
  let s = t.root;
  for (const st of t.steps) {
    if (st.kind === "attr") s += "." + st.name;
    else s += typeof st.key === "number" ? `[${st.key}]` : `[${JSON.stringify(st.key)}]`;
  }
  return s;
}

/** Reads an address expression (`module.a.x.y["k"]`) as a target; `error` says what was expected. */
export function exprAsTarget(e: Expression): { ok: true; value: TargetAddr } | { ok: false; error: string } {
  const t = exprAsTraversal(e);
  if (!t) return { ok: false, error: "Expected a static address such as zstack_cdp_task.web, module.a or data.x.y[0], not a computed expression." };
  const r = parseTarget(formatTraversal(t));
  return r.ok ? r : { ok: false, error: r.error };
}

/** Items of a tuple expression (`[a, b]`), or undefined when it is not a tuple constructor. */
export function exprList(e: Expression): Expression[] | undefined {
  return e.kind === "tuple" ? e.items : undefined;
}
