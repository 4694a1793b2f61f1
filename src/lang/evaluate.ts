/**
 * The expression evaluator: `evaluate(expr, scope)` over the HCL AST of src/config/hcl/ast.ts.
 *
 * Contract:
 * - Never throws for bad configuration; every problem is a diagnostic with the exact source range, and the
 *   value at a failed spot is an unknown (so one evaluation reports as much as it can).
 * - References are resolved by the caller's `Scope`: the evaluator splits each traversal into a subject
 *   (`var.x`, `aws_x.y`, `each.value`...) and the remaining steps, asks `scope.resolve` for the subject and
 *   applies the steps itself. So the plan engine decides what each reference means, including whether `self`
 *   or `count.index` are allowed at that spot.
 * - Unknowns propagate: an unknown operand, condition, collection or key makes the affected result unknown
 *   (typed where the type is evident). Marks propagate: anything computed from a sensitive value is sensitive.
 * - `&&`/`||` short-circuit: the right side is not evaluated when a known left side decides (so
 *   `var.x != null && var.x.y` works). One deliberate leniency: a conditional whose arms have no common type
 *   returns the chosen arm as-is where Terraform fails ("Inconsistent conditional result types"); a
 *   configuration that works in Terraform works the same here.
 */
import type { Diagnostic } from "../config/diagnostics.js";
import type {
  ConditionalExpr,
  Expression,
  ForExpr,
  FunctionCallExpr,
  ObjectExpr,
  ScopeTraversalExpr,
  SourceRange,
  SplatExpr,
  TemplateExpr,
  TemplatePart,
  TraversalStep,
} from "../config/hcl/ast.js";
import { convert } from "./convert.js";
import { callFunction, functionContext, lookupFunction, type FunctionContext, type FunctionDef } from "./functions/index.js";
import { binaryOp, unaryOp } from "./operators.js";
import { parseReference, type Reference } from "./reference.js";
import { getAttribute, index, isProblem, type Problem } from "./traverse.js";
import { BOOL, DYNAMIC, isPrimitive, STRING, typeEquals, typeOf, unify, type Type } from "./types.js";
import {
  getAttr,
  isObject,
  Marked,
  isWhollyKnown,
  markIf,
  newObject,
  UNKNOWN,
  unknownOf,
  Unknown,
  unmark,
  type Value,
  type ValueObject,
} from "./value.js";

export interface Scope {
  /**
   * The value of a reference's subject (`var.x`, `aws_instance.web`, `each.value`...), or a `Problem`
   * ("Reference to undeclared input variable") the evaluator reports at the subject's range. Absent: no
   * references are allowed in this expression ("Variables not allowed").
   */
  resolve?(ref: Reference): Value | Problem;
  /** Names bound directly, looked up before `resolve` (template variables; `{ var: {...} }` in tests). */
  variables?: Readonly<Record<string, Value>>;
  /** Function context (base directory, planning, clock...). Default: `functionContext()`. */
  functions?: FunctionContext;
  /** The functions available. Default: every built-in. */
  functionTable?: ReadonlyMap<string, FunctionDef>;
  /** Parses a template file's text, which `templatefile()` needs; without it templatefile reports an error. */
  parseTemplate?(source: string, filename: string): { expr: Expression; diagnostics: Diagnostic[] };
}

export interface EvalResult {
  value: Value;
  diagnostics: Diagnostic[];
}

/** Evaluates `expr` in `scope`. See the file comment for the contract. */
export function evaluate(expr: Expression, scope: Scope = {}): EvalResult {
  const ev = new Evaluator(scope);
  const value = ev.eval(expr, undefined);
  return { value, diagnostics: ev.diags };
}

interface Bindings {
  name: string;
  value: Value;
  parent: Bindings | undefined;
}

function lookupBinding(b: Bindings | undefined, name: string): Value | undefined {
  for (let x = b; x; x = x.parent) if (x.name === name) return x.value;
  return undefined;
}

let defaultFunctionContext: FunctionContext | undefined;

/**
 * The reference a traversal node makes, computed once per node: the plan engine evaluates the same AST for
 * every instance of a resource, and the split never changes. (Callers must not mutate the AST or the
 * returned `Reference`.)
 */
const referenceCache = new WeakMap<ScopeTraversalExpr, ReturnType<typeof parseReference>>();

function referenceOf(e: ScopeTraversalExpr): ReturnType<typeof parseReference> {
  let r = referenceCache.get(e);
  if (!r) {
    r = parseReference(e.root, e.rootRange, e.steps, e.range);
    referenceCache.set(e, r);
  }
  return r;
}

function hasErrors(diags: readonly Diagnostic[], from = 0): boolean {
  for (let i = from; i < diags.length; i++) if (diags[i]!.severity === "error") return true;
  return false;
}

function where(r: SourceRange): string {
  return `${r.filename}:${r.start.line},${r.start.column}`;
}

class Evaluator {
  diags: Diagnostic[] = [];
  private splatItems: Value[] = [];
  private fctx: FunctionContext | undefined;

  constructor(private readonly scope: Scope) {}

  private error(summary: string, detail: string, subject: SourceRange): Value {
    this.diags.push({ severity: "error", summary, detail, subject });
    return UNKNOWN;
  }

  private problem(p: Problem, subject: SourceRange): Value {
    return this.error(p.summary, p.detail, subject);
  }

  /** Evaluates `e` collecting its diagnostics separately (for `try`, `can` and conditional arms). */
  private isolated(e: Expression, b: Bindings | undefined): { value: Value; diags: Diagnostic[] } {
    const saved = this.diags;
    this.diags = [];
    try {
      return { value: this.eval(e, b), diags: this.diags };
    } finally {
      this.diags = saved;
    }
  }

  eval(e: Expression, b: Bindings | undefined): Value {
    switch (e.kind) {
      case "literal":
        return e.value;
      case "template":
        return this.template(e, b);
      case "tuple": {
        const out = new Array<Value>(e.items.length);
        for (let i = 0; i < e.items.length; i++) out[i] = this.eval(e.items[i]!, b);
        return out;
      }
      case "object":
        return this.object(e, b);
      case "scope_traversal":
        return this.traversal(e, b);
      case "relative_traversal":
        return this.steps(this.eval(e.source, b), e.steps);
      case "index": {
        const coll = this.eval(e.collection, b);
        const key = this.eval(e.key, b);
        const r = index(coll, key);
        return isProblem(r) ? this.problem(r, e.keyRange) : r;
      }
      case "splat":
        return this.splat(e, b);
      case "splat_item": {
        const item = this.splatItems[this.splatItems.length - 1];
        return item === undefined ? this.error("Invalid splat item", "The splat item symbol is only valid inside a splat expression.", e.range) : item;
      }
      case "function_call":
        return this.call(e, b);
      case "conditional":
        return this.conditional(e, b);
      case "binary": {
        const left = this.eval(e.left, b);
        if (e.op === "&&" || e.op === "||") {
          const [l, lm] = unmark(left);
          if (l === (e.op === "||")) return markIf(l, lm);
        }
        const right = this.eval(e.right, b);
        const r = binaryOp(e.op, left, right);
        if (!isProblem(r)) return r;
        return this.problem(r, r.operand === "right" ? e.right.range : r.operand === "left" ? e.left.range : e.range);
      }
      case "unary": {
        const r = unaryOp(e.op, this.eval(e.operand, b));
        return isProblem(r) ? this.problem(r, e.operand.range) : r;
      }
      case "for":
        return this.forExpr(e, b);
      case "parens":
        return this.eval(e.expr, b);
      case "invalid":
        return UNKNOWN;
      default: {
        const never: never = e;
        throw new Error(`unexpected expression ${JSON.stringify(never)}`);
      }
    }
  }

  private steps(v: Value, steps: readonly TraversalStep[]): Value {
    let cur = v;
    for (const s of steps) {
      const r = s.kind === "attr" ? getAttribute(cur, s.name) : index(cur, s.key);
      if (isProblem(r)) return this.problem(r, s.range);
      cur = r;
    }
    return cur;
  }

  private traversal(e: ScopeTraversalExpr, b: Bindings | undefined): Value {
    const bound = lookupBinding(b, e.root);
    if (bound !== undefined) return this.steps(bound, e.steps);
    const vars = this.scope.variables;
    if (vars) {
      const v = getAttr(vars as ValueObject, e.root);
      if (v !== undefined) return this.steps(v, e.steps);
    }
    const resolve = this.scope.resolve;
    if (!resolve) {
      if (vars) {
        return this.error("Unknown variable", `There is no variable named ${JSON.stringify(e.root)}.`, e.rootRange);
      }
      return this.error("Variables not allowed", "Variables may not be used here.", e.range);
    }
    const r = referenceOf(e);
    if (!r.ok) {
      this.diags.push(r.diagnostic);
      return UNKNOWN;
    }
    const v = resolve.call(this.scope, r.ref);
    if (isProblem(v)) return this.problem(v, r.ref.subjectRange);
    return this.steps(v, r.ref.steps);
  }

  private object(e: ObjectExpr, b: Bindings | undefined): Value {
    const out = newObject();
    let unknownKey = false;
    let marked = false;
    for (const item of e.items) {
      let key: string;
      if (item.bareKey && item.key.kind === "literal") {
        key = String(item.key.value);
      } else {
        const [k, km] = unmark(this.eval(item.key, b));
        if (km) marked = true;
        if (k === null) {
          this.error("Null value as key", "Can't use a null value as a key.", item.key.range);
          continue;
        }
        if (k instanceof Unknown) {
          unknownKey = true;
          this.eval(item.value, b);
          continue;
        }
        const c = convert(k, STRING);
        if (!c.ok || typeof c.value !== "string") {
          this.error("Incorrect key type", "Can't use this value as a key: string required.", item.key.range);
          continue;
        }
        key = c.value;
      }
      out[key] = this.eval(item.value, b);
    }
    return markIf(unknownKey ? UNKNOWN : out, marked);
  }

  private template(e: TemplateExpr, b: Bindings | undefined): Value {
    const parts = e.parts;
    if (parts.length === 1 && parts[0]!.kind === "interpolation" && !e.heredoc) return this.eval(parts[0]!.expr, b);
    if (parts.length === 1 && parts[0]!.kind === "literal") return parts[0]!.value;
    const st = { text: "", unknown: false, marked: false, failed: false };
    this.parts(parts, b, st);
    if (st.unknown || st.failed) return markIf(st.failed ? UNKNOWN : unknownOf(STRING), st.marked);
    return markIf(st.text, st.marked);
  }

  private parts(
    parts: readonly TemplatePart[],
    b: Bindings | undefined,
    st: { text: string; unknown: boolean; marked: boolean; failed: boolean },
  ): void {
    for (const p of parts) {
      switch (p.kind) {
        case "literal":
          st.text += p.value;
          break;
        case "interpolation": {
          const [v, m] = unmark(this.eval(p.expr, b));
          if (m) st.marked = true;
          if (v instanceof Unknown) {
            st.unknown = true;
            break;
          }
          if (v === null) {
            this.error(
              "Invalid template interpolation value",
              "The expression result is null. Cannot include a null value in a string template.",
              p.expr.range,
            );
            st.failed = true;
            break;
          }
          if (typeof v === "string") {
            st.text += v;
            break;
          }
          const c = convert(v, STRING);
          if (!c.ok || typeof c.value !== "string") {
            if (isWhollyKnown(v) || !(Array.isArray(v) || isObject(v))) {
              this.error("Invalid template interpolation value", "Cannot include the given value in a string template: string required.", p.expr.range);
              st.failed = true;
            } else st.unknown = true;
            break;
          }
          st.text += c.value;
          break;
        }
        case "if": {
          const [c, m] = unmark(this.eval(p.condition, b));
          if (m) st.marked = true;
          if (c instanceof Unknown) {
            st.unknown = true;
            break;
          }
          const cond = this.condition(c, p.condition.range, "template");
          if (cond === undefined) {
            st.failed = true;
            break;
          }
          if (cond) this.parts(p.then, b, st);
          else if (p.else) this.parts(p.else, b, st);
          break;
        }
        case "for": {
          const items = this.iterate(this.eval(p.collection, b), p.collection.range, "template 'for' directive");
          if (items === "unknown") {
            st.unknown = true;
            break;
          }
          if (items === undefined) {
            st.failed = true;
            break;
          }
          if (items.marked) st.marked = true;
          for (const [k, v] of items.entries) {
            let inner: Bindings = { name: p.valueVar, value: v, parent: b };
            if (p.keyVar !== undefined) inner = { name: p.keyVar, value: k, parent: inner };
            this.parts(p.body, inner, st);
          }
          break;
        }
        default: {
          const never: never = p;
          throw new Error(`unexpected template part ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** A known, unmarked condition value as a boolean; reports (in HCL's words) and returns undefined otherwise. */
  private condition(c: Value, range: SourceRange, where: "conditional" | "for" | "template"): boolean | undefined {
    if (c === null) {
      if (where === "for") this.error("Invalid 'for' condition", "The value of the 'if' clause must not be null.", range);
      else this.error("Null condition", "The condition value is null. Conditions must either be true or false.", range);
      return undefined;
    }
    const cv = convert(c, BOOL);
    if (!cv.ok || typeof cv.value !== "boolean") {
      if (where === "for") this.error("Invalid 'for' condition", "The 'if' clause value is invalid: bool required.", range);
      else this.error("Incorrect condition type", "The condition expression must be of type bool.", range);
      return undefined;
    }
    return cv.value;
  }

  /**
   * The (key, value) pairs a `for` iterates: tuple elements with their index, object attributes in key order.
   * "unknown" when the collection is unknown; undefined (after reporting) when it cannot be iterated.
   */
  private iterate(coll: Value, range: SourceRange, what: string): { entries: Array<[Value, Value]>; marked: boolean } | "unknown" | undefined {
    const [c, marked] = unmark(coll);
    if (c instanceof Unknown) return "unknown";
    if (c === null) {
      this.error("Iteration over null value", `A null value cannot be used as the collection in a ${what}.`, range);
      return undefined;
    }
    if (Array.isArray(c)) return { entries: c.map((v, i) => [i, v]), marked };
    if (isObject(c)) {
      return {
        entries: Object.keys(c)
          .sort()
          .map((k) => [k, c[k]!]),
        marked,
      };
    }
    this.error("Iteration over non-iterable value", `A value of type ${typeof c === "boolean" ? "bool" : typeof c} cannot be used as the collection in a ${what}.`, range);
    return undefined;
  }

  private forExpr(e: ForExpr, b: Bindings | undefined): Value {
    const items = this.iterate(this.eval(e.collection, b), e.collection.range, "'for' expression");
    if (items === "unknown") return UNKNOWN;
    if (items === undefined) return UNKNOWN;
    let marked = items.marked;
    let unknown = false;
    const tuple: Value[] = [];
    const obj = newObject();
    const start = this.diags.length;
    for (const [k, v] of items.entries) {
      let inner: Bindings = { name: e.valueVar, value: v, parent: b };
      if (e.keyVar !== undefined) inner = { name: e.keyVar, value: k, parent: inner };
      if (e.condition) {
        const [c, cm] = unmark(this.eval(e.condition, inner));
        if (cm) marked = true;
        if (c instanceof Unknown) {
          unknown = true;
          continue;
        }
        const cond = this.condition(c, e.condition.range, "for");
        if (cond === undefined) break;
        if (!cond) continue;
      }
      if (e.resultType === "tuple") {
        tuple.push(this.eval(e.valueExpr, inner));
      } else {
        const [key, km] = unmark(this.eval(e.keyExpr!, inner));
        if (km) marked = true;
        const value = this.eval(e.valueExpr, inner);
        if (key instanceof Unknown) {
          unknown = true;
          continue;
        }
        if (key === null) {
          this.error("Invalid object key", "Key expression in 'for' expression must not produce a null value.", e.keyExpr!.range);
          break;
        }
        const ks = convert(key, STRING);
        if (!ks.ok || typeof ks.value !== "string") {
          this.error("Invalid object key", "The key expression produced an invalid result: string required.", e.keyExpr!.range);
          break;
        }
        const name = ks.value;
        if (e.grouping) {
          const group = getAttr(obj, name);
          if (group === undefined) obj[name] = [value];
          else (group as Value[]).push(value);
        } else {
          if (getAttr(obj, name) !== undefined) {
            this.error(
              "Duplicate object key",
              `Two different items produced the key ${JSON.stringify(name)} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
              e.keyExpr!.range,
            );
            break;
          }
          obj[name] = value;
        }
      }
      if (hasErrors(this.diags, start)) break;
    }
    if (hasErrors(this.diags, start)) return UNKNOWN;
    if (unknown) return markIf(UNKNOWN, marked);
    return markIf(e.resultType === "tuple" ? tuple : obj, marked);
  }

  private splat(e: SplatExpr, b: Bindings | undefined): Value {
    const [src, marked] = unmark(this.eval(e.source, b));
    if (src === null) return markIf([], marked);
    if (src instanceof Unknown) return markIf(UNKNOWN, marked);
    const items = Array.isArray(src) ? src : [src];
    const out = new Array<Value>(items.length);
    const start = this.diags.length;
    for (let i = 0; i < items.length; i++) {
      this.splatItems.push(items[i]!);
      try {
        out[i] = this.eval(e.each, b);
      } finally {
        this.splatItems.pop();
      }
      if (hasErrors(this.diags, start)) return UNKNOWN;
    }
    return markIf(out, marked);
  }

  private conditional(e: ConditionalExpr, b: Bindings | undefined): Value {
    const cond = this.eval(e.condition, b);
    const t = this.isolated(e.trueResult, b);
    const f = this.isolated(e.falseResult, b);
    const [c, cm] = unmark(cond);
    if (c instanceof Unknown) {
      // As in HCL, the arms' own problems wait until the condition is known and one of them is chosen.
      const marked = cm || t.value instanceof Marked || f.value instanceof Marked;
      return markIf(unknownOf(conditionalType(t.value, f.value) ?? DYNAMIC), marked);
    }
    const chosen = this.condition(c, e.condition.range, "conditional");
    if (chosen === undefined) return UNKNOWN;
    const arm = chosen ? t : f;
    this.diags.push(...arm.diags);
    if (hasErrors(arm.diags)) return UNKNOWN;
    const type = conditionalType(t.value, f.value);
    let result = arm.value;
    if (type && type.kind !== "dynamic" && !typeEquals(typeOf(result), type)) {
      const conv = convert(result, type);
      if (conv.ok) result = conv.value;
    }
    return markIf(result, cm);
  }

  private functionContext(): FunctionContext {
    if (this.fctx) return this.fctx;
    const base = this.scope.functions ?? (defaultFunctionContext ??= functionContext());
    const parseTemplate = this.scope.parseTemplate;
    this.fctx =
      parseTemplate && !base.renderTemplate
        ? { ...base, renderTemplate: (source, filename, vars) => renderTemplate(this.scope, base, parseTemplate, source, filename, vars) }
        : base;
    return this.fctx;
  }

  private call(e: FunctionCallExpr, b: Bindings | undefined): Value {
    const name = e.name.startsWith("core::") ? e.name.slice(6) : e.name;
    if (name === "try") return this.tryCall(e, b);
    if (name === "can") return this.canCall(e, b);
    const def = lookupFunction(name, this.scope.functionTable);
    if (!def) {
      if (name.startsWith("provider::")) {
        return this.error("Call to unknown function", `Provider-defined function ${JSON.stringify(e.name)} is not available: backplan providers define no functions.`, e.nameRange);
      }
      return this.error("Call to unknown function", `There is no function named ${JSON.stringify(e.name)}.`, e.nameRange);
    }
    const start = this.diags.length;
    const n = e.args.length;
    const args: Value[] = new Array<Value>(n);
    for (let i = 0; i < n; i++) args[i] = this.eval(e.args[i]!, b);
    if (hasErrors(this.diags, start)) return UNKNOWN;
    if (e.expandFinal && n > 0) {
      const lastRange = e.args[n - 1]!.range;
      const [last, m] = unmark(args.pop()!);
      if (last === null) {
        return this.error("Invalid expanding argument value", "The expanding argument (indicated by ...) must not be null.", lastRange);
      }
      if (last instanceof Unknown) {
        return markIf(unknownOf(typeof def.returns === "function" ? DYNAMIC : def.returns), m);
      }
      if (!Array.isArray(last)) {
        return this.error("Invalid expanding argument value", "The expanding argument (indicated by ...) must be of a tuple, list, or set type.", lastRange);
      }
      for (const x of last) args.push(markIf(x, m));
    }
    const r = callFunction(name, def, args, this.functionContext());
    if (r.ok) return r.value;
    // With `...`, every argument from the expanded list on points at the expanded expression.
    const subject = r.argIndex !== undefined && n > 0 ? e.args[Math.min(r.argIndex, n - 1)]!.range : e.range;
    return this.error(r.summary, r.message, subject);
  }

  private tryCall(e: FunctionCallExpr, b: Bindings | undefined): Value {
    if (e.args.length === 0) {
      return this.error("Not enough function arguments", `Function "try" expects at least one argument.`, e.range);
    }
    const failures: Diagnostic[] = [];
    for (const a of e.args) {
      const r = this.isolated(a, b);
      if (!hasErrors(r.diags)) {
        if (!isWhollyKnown(r.value)) return UNKNOWN;
        this.diags.push(...r.diags);
        return r.value;
      }
      failures.push(...r.diags.filter((d) => d.severity === "error"));
    }
    const lines = failures.map((d) => `- ${d.summary}${d.subject ? ` (at ${where(d.subject)})` : ""}\n  ${d.detail}`);
    return this.error(
      "Error in function call",
      `Call to function "try" failed: no expression succeeded:\n${lines.join("\n")}\n\nAt least one expression must produce a successful result.`,
      e.range,
    );
  }

  private canCall(e: FunctionCallExpr, b: Bindings | undefined): Value {
    if (e.args.length !== 1) {
      return this.error(
        e.args.length === 0 ? "Not enough function arguments" : "Too many function arguments",
        `Function "can" expects exactly one argument.`,
        e.range,
      );
    }
    const r = this.isolated(e.args[0]!, b);
    if (hasErrors(r.diags)) return false;
    if (!isWhollyKnown(r.value)) return unknownOf(BOOL);
    return true;
  }
}

/** The type both arms of a conditional convert to; undefined when they have none in common. */
function conditionalType(t: Value, f: Value): Type | undefined {
  const [a] = unmark(t);
  const [b] = unmark(f);
  if (a === null) return f === null ? DYNAMIC : typeOf(b);
  if (b === null) return typeOf(a);
  if (typeof a === typeof b && typeof a !== "object") return typeOf(a);
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (isPrimitive(ta) && isPrimitive(tb)) return STRING;
  return unify([ta, tb]);
}

function renderTemplate(
  scope: Scope,
  fctx: FunctionContext,
  parse: NonNullable<Scope["parseTemplate"]>,
  source: string,
  filename: string,
  vars: ValueObject,
): { value: Value; error?: string } {
  const parsed = parse(source, filename);
  const errs = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errs.length === 0) {
    const nested: FunctionContext = {
      ...fctx,
      renderTemplate: () => ({ value: UNKNOWN, error: "cannot recursively call templatefile from inside another template" }),
    };
    const r = evaluate(parsed.expr, {
      variables: vars,
      functions: nested,
      ...(scope.functionTable ? { functionTable: scope.functionTable } : {}),
    });
    errs.push(...r.diagnostics.filter((d) => d.severity === "error"));
    if (errs.length === 0) return { value: r.value };
  }
  const text = errs.map((d) => `${d.subject ? `${where(d.subject)}: ` : ""}${d.summary}; ${d.detail}`).join("\n");
  return { value: UNKNOWN, error: text };
}
