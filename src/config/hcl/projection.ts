/**
 * The "hcl2json" projection of a parsed file: the JSON shape produced by the hcl2json family of tools
 * (hcl2-parser, @cdktf/hcl2json). Blocks become arrays (nested under one object level per label), literal
 * values become JSON values, templates become strings with their interpolations as `${source}`, and every
 * other expression becomes `"${source text}"`. It exists so our parser can be checked differentially
 * against those tools, and as a debugging view; it is lossy by design (no positions, no comments).
 */
import type { Body, Expression, TemplatePart } from "./ast.js";

export type Projected = null | boolean | number | string | Projected[] | { [k: string]: Projected };

/** Projects a body; `src` is the file text the body's ranges point into. */
export function projectBody(body: Body, src: string): { [k: string]: Projected } {
  const out: { [k: string]: Projected } = {};
  for (const a of body.attributes) out[a.name] = projectExpr(a.expr, src);
  for (const b of body.blocks) {
    let target = out;
    let key = b.type;
    for (const label of b.labels) {
      const inner = target[key];
      if (inner && typeof inner === "object" && !Array.isArray(inner)) target = inner;
      else {
        const obj: { [k: string]: Projected } = {};
        target[key] = obj;
        target = obj;
      }
      key = label.value;
    }
    const value = projectBody(b.body, src);
    const cur = target[key];
    if (Array.isArray(cur)) cur.push(value);
    else target[key] = [value];
  }
  return out;
}

function source(e: Expression, src: string): string {
  return src.slice(e.range.start.byte, e.range.end.byte);
}

function wrap(e: Expression, src: string): string {
  return "${" + source(e, src) + "}";
}

/** Projects one expression as hcl2json does. */
export function projectExpr(e: Expression, src: string): Projected {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "unary":
      if (e.operand.kind === "literal") {
        const v = e.operand.value;
        if (e.op === "-" && typeof v === "number") return -v;
        if (e.op === "!" && typeof v === "boolean") return !v;
      }
      return wrap(e, src);
    case "template": {
      if (e.parts.length === 1 && e.parts[0]!.kind === "interpolation") return projectExpr(e.parts[0]!.expr, src);
      return projectParts(e.parts, src);
    }
    case "tuple":
      return e.items.map((i) => projectExpr(i, src));
    case "object": {
      const out: { [k: string]: Projected } = {};
      for (const item of e.items) out[projectKey(item.key, item.bareKey, src)] = projectExpr(item.value, src);
      return out;
    }
    default:
      return wrap(e, src);
  }
}

function projectKey(key: Expression, bare: boolean, src: string): string {
  if (bare && key.kind === "literal") return String(key.value);
  if (key.kind === "scope_traversal") return source(key, src);
  return stringPart(key, src);
}

function stringPart(e: Expression, src: string): string {
  switch (e.kind) {
    case "literal":
      return e.value === null ? "" : String(e.value);
    case "template":
      if (e.parts.length === 1 && e.parts[0]!.kind === "interpolation") return stringPart(e.parts[0]!.expr, src);
      return projectParts(e.parts, src);
    default:
      return wrap(e, src);
  }
}

function projectParts(parts: readonly TemplatePart[], src: string): string {
  let out = "";
  for (const p of parts) {
    switch (p.kind) {
      case "literal":
        out += p.value;
        break;
      case "interpolation":
        // hcl2json cannot tell `${a ? b : c}` from `%{if a}b%{else}c%{endif}`: both are conditionals to it.
        if (p.expr.kind === "conditional") {
          const f = stringPart(p.expr.falseResult, src);
          out += `%{if ${source(p.expr.condition, src)}}${stringPart(p.expr.trueResult, src)}${f ? `%{else}${f}` : ""}%{endif}`;
        } else out += stringPart(p.expr, src);
        break;
      case "if": {
        const f = p.else ? projectParts(p.else, src) : "";
        out += `%{if ${source(p.condition, src)}}${projectParts(p.then, src)}${f ? `%{else}${f}` : ""}%{endif}`;
        break;
      }
      case "for":
        out += `%{for ${p.keyVar !== undefined ? `${p.keyVar}, ` : ""}${p.valueVar} in ${source(p.collection, src)}}${projectParts(p.body, src)}%{endfor}`;
        break;
    }
  }
  return out;
}
