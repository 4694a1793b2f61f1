/**
 * The final value of an input variable, as Terraform computes it from the declaration and the value given
 * (or not) from outside: type constraint, default, `nullable`, `sensitive`, and values given as text
 * (`-var`, `TF_VAR_*`), as expressions (`*.tfvars`) or as values (a module call's argument).
 */
import type { Diagnostic } from "../config/diagnostics.js";
import type { Expression, SourceRange } from "../config/hcl/ast.js";
import { convert } from "./convert.js";
import { evaluate } from "./evaluate.js";
import { parseTypeConstraint } from "./typeexpr.js";
import { DYNAMIC, type Type } from "./types.js";
import { isNull, markSensitive, type Value } from "./value.js";

/** What of a `variable` block this needs (a subset of the config model's `Variable`). */
export interface VariableDeclaration {
  name: string;
  type?: Expression;
  default?: Expression;
  sensitive: boolean;
  nullable: boolean;
  declRange: SourceRange;
}

export type GivenValue =
  | { kind: "string"; text: string }
  | { kind: "expr"; expr: Expression }
  | { kind: "value"; value: Value };

export interface GivenVariable {
  value: GivenValue;
  /** Where it came from, for messages: `-var`, `TF_VAR_env`, `terraform.tfvars`, `module "x"`. */
  origin: string;
  range?: SourceRange;
}

export interface FinalizeOptions {
  /** Parses `-var`/environment text as an HCL expression, needed when the type is not a primitive. */
  parseExpression?(src: string, filename: string): { value: Expression; diagnostics: Diagnostic[] };
  /** "root module" (default) or e.g. `module "backup"`, for messages. */
  moduleName?: string;
}

export interface FinalVariable {
  value: Value;
  type: Type;
  diagnostics: Diagnostic[];
}

function at(r: SourceRange): string {
  return `${r.filename}:${r.start.line},${r.start.column}`;
}

function error(summary: string, detail: string, subject: SourceRange): Diagnostic {
  return { severity: "error", summary, detail, subject };
}

/**
 * The declaration's type constraint, and its default converted to that type; diagnostics when the type is not a
 * valid constraint or the default does not convert (what `validate` reports without any value given).
 */
export function declaredDefault(typeExpr: Expression | undefined, defaultExpr: Expression | undefined): { type: Type; default?: Value; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let type: Type = DYNAMIC;
  if (typeExpr) {
    const t = parseTypeConstraint(typeExpr);
    diagnostics.push(...t.diagnostics);
    type = t.type;
  }
  if (!defaultExpr || diagnostics.some((d) => d.severity === "error")) return { type, diagnostics };
  const r = evaluate(defaultExpr);
  diagnostics.push(...r.diagnostics);
  const c = convert(r.value, type);
  if (!c.ok) {
    diagnostics.push(
      error("Invalid default value for variable", `This default value is not compatible with the variable's type constraint: ${c.error.message}.`, defaultExpr.range),
    );
    return { type, diagnostics };
  }
  return { type, default: c.value, diagnostics };
}

/**
 * The variable's value after Terraform's rules: a missing value takes the default (or is an error without
 * one); text is taken literally for a primitive or absent type and parsed as HCL otherwise; a null takes the
 * default when `nullable = false`; the result is converted to the type constraint (applying optional-attribute
 * defaults) and marked when the variable is sensitive. On error the value is null and diagnostics say why.
 */
export function finalizeVariable(decl: VariableDeclaration, given: GivenVariable | undefined, options: FinalizeOptions = {}): FinalVariable {
  const { type, default: def, diagnostics } = declaredDefault(decl.type, decl.default);
  const literalText = type.kind === "string" || type.kind === "number" || type.kind === "bool" || type.kind === "dynamic";
  const fail = (): FinalVariable => ({ value: null, type, diagnostics });
  if (diagnostics.some((d) => d.severity === "error")) return fail();

  let value: Value;
  if (!given) {
    if (def === undefined) {
      const where = options.moduleName ?? "root module";
      diagnostics.push(
        error(
          "No value for required variable",
          `The ${where} input variable "${decl.name}" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.`,
          decl.declRange,
        ),
      );
      return fail();
    }
    value = def;
  } else {
    const g = given.value;
    switch (g.kind) {
      case "value":
        value = g.value;
        break;
      case "expr": {
        const r = evaluate(g.expr);
        diagnostics.push(...r.diagnostics);
        value = r.value;
        break;
      }
      case "string": {
        if (literalText) {
          value = g.text;
          break;
        }
        if (!options.parseExpression) {
          diagnostics.push(error("Invalid value for input variable", `The value for var.${decl.name} from ${given.origin} must be parsed as HCL, which is not available here.`, given.range ?? decl.declRange));
          return fail();
        }
        const p = options.parseExpression(g.text, `<value for var.${decl.name}>`);
        if (p.diagnostics.length > 0) {
          diagnostics.push(...p.diagnostics);
          return fail();
        }
        const r = evaluate(p.value);
        diagnostics.push(...r.diagnostics);
        value = r.value;
        break;
      }
      default: {
        const never: never = g;
        throw new Error(`unexpected given value ${JSON.stringify(never)}`);
      }
    }
    if (diagnostics.some((d) => d.severity === "error")) return fail();
    if (isNull(value) && !decl.nullable) {
      if (def === undefined || def === null) {
        diagnostics.push(
          error(
            "Required variable not set",
            `The given value is not suitable for var.${decl.name} declared at ${at(decl.declRange)}: required variable may not be set to null.`,
            given.range ?? decl.declRange,
          ),
        );
        return fail();
      }
      value = def;
    }
  }

  const c = convert(value, type);
  if (!c.ok) {
    diagnostics.push(
      error(
        "Invalid value for input variable",
        `The given value is not suitable for var.${decl.name} declared at ${at(decl.declRange)}: ${c.error.message}.`,
        given?.range ?? decl.declRange,
      ),
    );
    return fail();
  }
  return { value: decl.sensitive ? markSensitive(c.value) : c.value, type, diagnostics };
}
