/**
 * HCL operators on values. Operands are converted to the operator's type (so `"2" * 3` is 6); an unknown
 * operand gives an unknown result of the operator's type, except where the known operand decides the answer
 * (`false && x`, `true || x`); a mark on either operand marks the result.
 */
import type { BinaryOperator, UnaryOperator } from "../config/hcl/ast.js";
import { convert } from "./convert.js";
import { isProblem, problem, type Problem } from "./traverse.js";
import { BOOL, NUMBER, type Type } from "./types.js";
import { equalValue, markIf, unknownOf, Unknown, unmark, type Value } from "./value.js";

function operand(v: Value, type: Type, side: "left" | "right" | "operand"): Value | Problem {
  if (v === null) {
    return problem("Invalid operand", `Unsuitable value for ${side === "operand" ? "unary" : side} operand: argument must not be null.`, side === "operand" ? undefined : side);
  }
  const c = convert(v, type);
  if (!c.ok) {
    const what = type.kind === "number" ? "a number is required" : "a bool is required";
    return problem("Invalid operand", `Unsuitable value for ${side === "operand" ? "unary" : side} operand: ${what}.`, side === "operand" ? undefined : side);
  }
  return c.value;
}

/** `left op right`; `Problem` when an operand does not fit the operator. */
export function binaryOp(op: BinaryOperator, left: Value, right: Value): Value | Problem {
  if (op === "==" || op === "!=") {
    const eq = equalValue(left, right);
    if (op === "==") return eq;
    const [u, m] = unmark(eq);
    return u instanceof Unknown ? eq : markIf(!u, m);
  }
  const [l, lm] = unmark(left);
  const [r, rm] = unmark(right);
  const marked = lm || rm;
  const type = op === "&&" || op === "||" ? BOOL : NUMBER;
  const a = l instanceof Unknown ? l : operand(l, type, "left");
  if (isProblem(a)) return a;
  const b = r instanceof Unknown ? r : operand(r, type, "right");
  if (isProblem(b)) return b;

  if (op === "&&" || op === "||") {
    const decisive = op === "||";
    if (a === decisive || b === decisive) return markIf(decisive, marked);
    if (a instanceof Unknown || b instanceof Unknown) return markIf(unknownOf(BOOL), marked);
    return markIf(op === "&&" ? a === true && b === true : a === true || b === true, marked);
  }
  const resultType = op === "<" || op === ">" || op === "<=" || op === ">=" ? BOOL : NUMBER;
  if (a instanceof Unknown || b instanceof Unknown) return markIf(unknownOf(resultType), marked);
  const x = a as number;
  const y = b as number;
  let out: Value;
  switch (op) {
    case "+":
      out = x + y;
      break;
    case "-":
      out = x - y;
      break;
    case "*":
      out = x * y;
      break;
    case "/":
      if (y === 0) return problem("Operation failed", "Error during operation: can't divide by zero.");
      out = x / y;
      break;
    case "%":
      if (y === 0) return problem("Operation failed", "Error during operation: can't divide by zero.");
      out = x % y;
      break;
    case "<":
      out = x < y;
      break;
    case ">":
      out = x > y;
      break;
    case "<=":
      out = x <= y;
      break;
    case ">=":
      out = x >= y;
      break;
  }
  if (typeof out === "number" && !Number.isFinite(out)) return problem("Operation failed", "Error during operation: the result is too large to represent.");
  return markIf(out, marked);
}

/** `!v` or `-v`. */
export function unaryOp(op: UnaryOperator, v: Value): Value | Problem {
  const [u, marked] = unmark(v);
  const type = op === "!" ? BOOL : NUMBER;
  if (u instanceof Unknown) return markIf(unknownOf(type), marked);
  const c = operand(u, type, "operand");
  if (isProblem(c)) return c;
  return markIf(op === "!" ? !c : -(c as number), marked);
}
