/**
 * Helpers for the lang tests (and for other parts' tests that want to evaluate HCL snippets): parse with the
 * real HCL parser, evaluate, and render values with unknowns and marks visible so tables can compare them.
 */
import { parseExpression, parseTemplate } from "../config/hcl/parser.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Expression } from "../config/hcl/ast.js";
import { evaluate, type Scope } from "./evaluate.js";
import { typeString } from "./types.js";
import { isObject, Marked, Unknown, type Value } from "./value.js";

/** A plain-JSON picture of a value: `{ $unknown: "<type>" }` for unknowns, `{ $sensitive: x }` for marks. */
export type Shown = null | boolean | number | string | Shown[] | { [k: string]: Shown };

export function show(v: Value): Shown {
  if (v instanceof Unknown) return { $unknown: typeString(v.type) };
  if (v instanceof Marked) return { $sensitive: show(v.value) };
  if (Array.isArray(v)) return v.map(show);
  if (isObject(v)) {
    const out: { [k: string]: Shown } = {};
    for (const k of Object.keys(v)) out[k] = show(v[k]!);
    return out;
  }
  return v;
}

export function parseHcl(src: string, filename = "test.tf"): Expression {
  const p = parseExpression(src, filename);
  if (p.diagnostics.length > 0) throw new Error(`test expression does not parse: ${src}\n${p.diagnostics.map((d) => d.detail).join("\n")}`);
  return p.value;
}

/** Parses `src` as a template (the inside of a template file). */
export function parseHclTemplate(src: string, filename = "test.tftpl"): { expr: Expression; diagnostics: Diagnostic[] } {
  const p = parseTemplate(src, filename);
  return { expr: p.value, diagnostics: p.diagnostics };
}

export interface Evaluated {
  value: Value;
  shown: Shown;
  diagnostics: Diagnostic[];
  /** "Summary: detail" of each error, for readable assertions. */
  errors: string[];
}

export function evalHcl(src: string, scope: Scope = {}): Evaluated {
  const r = evaluate(parseHcl(src), { parseTemplate: parseHclTemplate, ...scope });
  return {
    value: r.value,
    shown: show(r.value),
    diagnostics: r.diagnostics,
    errors: r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.summary}: ${d.detail}`),
  };
}
