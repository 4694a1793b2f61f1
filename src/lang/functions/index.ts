/**
 * The built-in function table. `try` and `can` are not here: they take unevaluated expressions and are
 * special forms of the evaluator (see evaluate.ts).
 */
import { collectionFunctions } from "./collection.js";
import { filesystemFunctions } from "./filesystem.js";
import { conversionFunctions } from "./conversion.js";
import { encodingFunctions } from "./encoding.js";
import { hashFunctions } from "./hash.js";
import { numericFunctions } from "./numeric.js";
import { sensitiveFunctions } from "./sensitive.js";
import { networkFunctions } from "./network.js";
import type { FunctionDef } from "./signature.js";
import { stringFunctions } from "./string.js";
import { timeFunctions } from "./time.js";

export type { FunctionDef, Param, CallResult } from "./signature.js";
export { callFunction, FunctionError } from "./signature.js";
export type { FunctionContext, FileAccess } from "./context.js";
export { functionContext, nodeFiles } from "./context.js";

/** Every built-in function by name (also reachable as `core::NAME`). */
export const builtinFunctions: ReadonlyMap<string, FunctionDef> = new Map(
  Object.entries({ ...stringFunctions, ...collectionFunctions, ...conversionFunctions, ...numericFunctions, ...encodingFunctions, ...hashFunctions, ...sensitiveFunctions, ...filesystemFunctions, ...timeFunctions, ...networkFunctions }),
);

/** The function a call names, looking through the `core::` namespace; undefined when there is none. */
export function lookupFunction(name: string, table: ReadonlyMap<string, FunctionDef> = builtinFunctions): FunctionDef | undefined {
  return table.get(name.startsWith("core::") ? name.slice(6) : name);
}
