/**
 * The expression language: values (known / unknown / sensitive), types and conversion, references, the
 * evaluator and built-in functions. Other parts import from here.
 */
export * from "./value.js";
export * from "./types.js";
export { convert, convertOrThrow, ConversionError, type ConvertOptions, type ConvertResult } from "./convert.js";
export { formatNumber, parseNumber } from "./number.js";
export { evaluate, type EvalResult, type Scope } from "./evaluate.js";
export { parseReference, references, subjectString, type Reference, type ReferenceSubject } from "./reference.js";
export { parseTypeConstraint, type TypeConstraintResult } from "./typeexpr.js";
export { problem, isProblem, Problem } from "./traverse.js";
export {
  builtinFunctions,
  callFunction,
  functionContext,
  lookupFunction,
  nodeFiles,
  FunctionError,
  type FileAccess,
  type FunctionContext,
  type FunctionDef,
  type Param,
} from "./functions/index.js";
export { finalizeVariable, type FinalVariable, type GivenVariable, type GivenValue, type VariableDeclaration } from "./variable.js";
