/**
 * How a built-in function is declared and called. Each function declares its parameters (name and type
 * constraint) and an implementation over plain known values; `callFunction` does the rest the same way for every
 * function, as Terraform does:
 * - arity is checked and reported with the function's and parameter's names;
 * - each argument is converted to its parameter's type; a mismatch names the parameter;
 * - marks are taken off the arguments (deeply) and put back on the result, so anything computed from a
 *   sensitive value is sensitive — unless the parameter says `allowMarked` and the function handles marks itself;
 * - an argument that is not wholly known makes the result an unknown of the declared return type, unless the
 *   parameter says `allowUnknown` and the function handles unknowns itself;
 * - null arguments are refused unless the parameter says `allowNull`.
 */
import { convert } from "../convert.js";
import type { Type } from "../types.js";
import { isWhollyKnown, markIf, unknownOf, unmark, unmarkDeep, type Value } from "../value.js";
import type { FunctionContext } from "./context.js";

export interface Param {
  name: string;
  type: Type;
  allowNull?: boolean;
  allowUnknown?: boolean;
  /**
   * true: the function sees marks and handles them itself. "nested": only a mark on the argument as a whole is
   * taken off (and put on the result); marks inside it stay on their elements, for functions that only move
   * elements around (`merge`, `concat`, `lookup`...), so one sensitive attribute does not taint its neighbours.
   */
  allowMarked?: boolean | "nested";
}

export interface FunctionDef {
  params: readonly Param[];
  /** Accepts any number of further arguments of this parameter's kind. */
  variadic?: Param;
  /** The result type, used for the unknown result when an argument is unknown. */
  returns: Type | ((args: readonly Value[]) => Type);
  /** Runs on converted arguments; throws `FunctionError` for bad input. */
  impl(args: Value[], ctx: FunctionContext): Value;
}

/**
 * Bad input found by a function. `argIndex` says which argument is at fault (the evaluator points the
 * diagnostic at it); absent when the call as a whole failed.
 */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly argIndex?: number,
  ) {
    super(message);
    this.name = "FunctionError";
  }
}

/** The outcome of `callFunction`: a value, or an error message with the argument at fault when there is one. */
export type CallResult =
  | { ok: true; value: Value }
  | { ok: false; summary: string; message: string; argIndex?: number };

/** Whether `v` needs no conversion to `type` (the common case, checked without allocating). */
function fits(v: Value, type: Type): boolean {
  switch (type.kind) {
    case "dynamic":
      return true;
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "bool":
      return typeof v === "boolean";
    default:
      return false;
  }
}

/**
 * Calls `def` (known as `name`) with already-evaluated `args`. Never throws for bad input: arity, type and
 * implementation errors come back as `{ ok: false }` with Terraform-like wording.
 */
export function callFunction(name: string, def: FunctionDef, args: readonly Value[], ctx: FunctionContext): CallResult {
  const { params, variadic } = def;
  if (args.length < params.length) {
    const missing = params[args.length]!;
    return {
      ok: false,
      summary: "Not enough function arguments",
      message: `Function "${name}" expects${variadic ? " at least" : ""} ${params.length} argument(s). Missing value for "${missing.name}".`,
    };
  }
  if (!variadic && args.length > params.length) {
    return {
      ok: false,
      summary: "Too many function arguments",
      message: `Function "${name}" expects only ${params.length} argument(s).`,
      argIndex: params.length,
    };
  }
  let sensitive = false;
  let unknownResult = false;
  const converted: Value[] = new Array<Value>(args.length);
  for (let i = 0; i < args.length; i++) {
    const p = i < params.length ? params[i]! : variadic!;
    let a: Value = args[i]!;
    if (p.allowMarked !== true) {
      const [u, m] = p.allowMarked === "nested" ? unmark(a) : unmarkDeep(a);
      a = u;
      if (m) sensitive = true;
    }
    if (a === null && !p.allowNull) {
      return { ok: false, summary: "Invalid function argument", message: `Invalid value for "${p.name}" parameter in call to ${name}(): argument must not be null.`, argIndex: i };
    }
    if (!fits(a, p.type)) {
      const c = convert(a, p.type);
      if (!c.ok) {
        return { ok: false, summary: "Invalid function argument", message: `Invalid value for "${p.name}" parameter in call to ${name}(): ${c.error.message}.`, argIndex: i };
      }
      a = c.value;
    }
    if (!p.allowUnknown && !isWhollyKnown(a)) unknownResult = true;
    converted[i] = a;
  }
  if (unknownResult) {
    const t = typeof def.returns === "function" ? def.returns(converted) : def.returns;
    return { ok: true, value: markIf(unknownOf(t), sensitive) };
  }
  try {
    return { ok: true, value: markIf(def.impl(converted, ctx), sensitive) };
  } catch (e) {
    if (e instanceof FunctionError) {
      if (e.argIndex !== undefined) {
        const p = e.argIndex < params.length ? params[e.argIndex]! : variadic;
        return { ok: false, summary: "Invalid function argument", message: `Invalid value for "${p?.name ?? "argument"}" parameter in call to ${name}(): ${e.message.replace(/\.?$/, ".")}`, argIndex: e.argIndex };
      }
      return { ok: false, summary: "Error in function call", message: `Call to function "${name}" failed: ${e.message.replace(/\.?$/, ".")}` };
    }
    // Anything else (a string too long to build, a stack too deep to spread) is still the configuration's
    // problem, reported like any other failed call rather than crashing the run.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, summary: "Error in function call", message: `Call to function "${name}" failed: ${message.replace(/\.?$/, ".")}` };
  }
}
