/**
 * Type-constraint expressions, as written in a variable's `type`: the keywords `string`, `number`, `bool`,
 * `any`; `list(T)`, `set(T)`, `map(T)`, `tuple([T, ...])`, `object({name = T, ...})`; and inside an object
 * type `optional(T)` or `optional(T, default)`. These are parsed from the expression AST, not evaluated.
 */
import type { Diagnostic } from "../config/diagnostics.js";
import type { Expression, SourceRange } from "../config/hcl/ast.js";
import { convert } from "./convert.js";
import { evaluate } from "./evaluate.js";
import { BOOL, DYNAMIC, NUMBER, STRING, typeString, type Type } from "./types.js";
import type { Value } from "./value.js";

export interface TypeConstraintResult {
  type: Type;
  diagnostics: Diagnostic[];
}

/**
 * The type a constraint expression denotes. On error the type is `dynamic` (accepting anything) and the
 * diagnostics say what was wrong and where ("The keyword "list" cannot be used in this type specification: an
 * element type is required.").
 */
export function parseTypeConstraint(expr: Expression): TypeConstraintResult {
  const diagnostics: Diagnostic[] = [];
  const type = parse(expr, diagnostics, false);
  return { type, diagnostics };
}

const KEYWORDS: Record<string, Type> = { string: STRING, number: NUMBER, bool: BOOL, any: DYNAMIC };

function invalid(diags: Diagnostic[], detail: string, range: SourceRange): Type {
  diags.push({ severity: "error", summary: "Invalid type specification", detail, subject: range });
  return DYNAMIC;
}

function keyword(name: string, range: SourceRange, diags: Diagnostic[]): Type {
  const t = KEYWORDS[name];
  if (t) return t;
  if (name === "list" || name === "set" || name === "map") {
    return invalid(diags, `The ${name} type constructor requires one argument specifying the element type.`, range);
  }
  if (name === "object" || name === "tuple") {
    return invalid(diags, `The ${name} type constructor requires one argument specifying the ${name === "object" ? "attribute types as an object" : "element types as a list"}.`, range);
  }
  return invalid(diags, `The keyword ${JSON.stringify(name)} is not a valid type specification.`, range);
}

function parse(expr: Expression, diags: Diagnostic[], inObject: boolean): Type {
  switch (expr.kind) {
    case "scope_traversal":
      if (expr.steps.length > 0) return invalid(diags, "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).", expr.range);
      return keyword(expr.root, expr.range, diags);
    case "parens":
      return parse(expr.expr, diags, inObject);
    case "template": {
      // The JSON syntax writes a type as a string: "string", or "${list(string)}" (a template wrapping it).
      const only = expr.parts.length === 1 ? expr.parts[0]! : undefined;
      if (only?.kind === "interpolation") return parse(only.expr, diags, inObject);
      if (only?.kind === "literal") return keyword(only.value, expr.range, diags);
      return invalid(diags, "A type specification cannot be a string template.", expr.range);
    }
    case "literal":
      if (typeof expr.value === "string") return keyword(expr.value, expr.range, diags);
      return invalid(diags, "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).", expr.range);
    case "function_call":
      return constructor(expr.name, expr.args, expr.range, diags, inObject);
    default:
      return invalid(diags, "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).", expr.range);
  }
}

function constructor(name: string, args: readonly Expression[], range: SourceRange, diags: Diagnostic[], inObject: boolean): Type {
  const one = (): Expression | undefined => {
    if (args.length !== 1) {
      invalid(diags, `The ${name} type constructor requires exactly one argument.`, range);
      return undefined;
    }
    return args[0];
  };
  switch (name) {
    case "list":
    case "set":
    case "map": {
      const a = one();
      return a ? { kind: name, element: parse(a, diags, false) } : DYNAMIC;
    }
    case "tuple": {
      const a = one();
      if (!a) return DYNAMIC;
      if (a.kind !== "tuple") return invalid(diags, "The tuple type constructor requires a list of element types, like tuple([string, number]).", a.range);
      return { kind: "tuple", elements: a.items.map((i) => parse(i, diags, false)) };
    }
    case "object": {
      const a = one();
      if (!a) return DYNAMIC;
      if (a.kind !== "object") return invalid(diags, "The object type constructor requires an object of attribute types, like object({name = string}).", a.range);
      const attributes: Record<string, Type> = {};
      const optional: Record<string, { default?: Value }> = {};
      for (const item of a.items) {
        const key = attributeName(item.key);
        if (key === undefined) {
          invalid(diags, "Object constructor attribute names must be identifiers or quoted strings.", item.key.range);
          continue;
        }
        if (item.value.kind === "function_call" && item.value.name === "optional") {
          const opt = optionalAttr(item.value.args, item.value.range, diags);
          attributes[key] = opt.type;
          optional[key] = opt.default === undefined ? {} : { default: opt.default };
        } else {
          attributes[key] = parse(item.value, diags, true);
        }
      }
      return Object.keys(optional).length > 0 ? { kind: "object", attributes, optional } : { kind: "object", attributes };
    }
    case "optional":
      return invalid(
        diags,
        inObject ? "The optional modifier must be the whole type of an object attribute, like optional(string)." : "The optional modifier can only be used for attributes of an object type.",
        range,
      );
    default:
      return invalid(diags, `Keyword ${JSON.stringify(name)} is not a valid type constructor.`, range);
  }
}

function attributeName(e: Expression): string | undefined {
  if (e.kind === "literal" && typeof e.value === "string") return e.value;
  if (e.kind === "scope_traversal" && e.steps.length === 0) return e.root;
  if (e.kind === "template" && e.parts.length === 1 && e.parts[0]!.kind === "literal") return e.parts[0]!.value;
  return undefined;
}

function optionalAttr(args: readonly Expression[], range: SourceRange, diags: Diagnostic[]): { type: Type; default?: Value } {
  if (args.length < 1 || args.length > 2) {
    invalid(diags, "The optional modifier requires the attribute type and, optionally, a default value: optional(string, \"x\").", range);
    return { type: DYNAMIC };
  }
  const type = parse(args[0]!, diags, false);
  if (args.length === 1) return { type };
  const r = evaluate(args[1]!);
  if (r.diagnostics.length > 0) {
    diags.push(...r.diagnostics);
    return { type };
  }
  const c = convert(r.value, type);
  if (!c.ok) {
    diags.push({
      severity: "error",
      summary: "Invalid default value for optional attribute",
      detail: `The default value is not compatible with the attribute type ${typeString(type)}: ${c.error.message}.`,
      subject: args[1]!.range,
    });
    return { type };
  }
  return c.value === null ? { type } : { type, default: c.value };
}
