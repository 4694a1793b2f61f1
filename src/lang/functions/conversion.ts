/** Type conversion functions: `tostring`, `tonumber`, `tobool`, `tolist`, `toset`, `tomap`. */
import { convert } from "../convert.js";
import { BOOL, DYNAMIC, friendlyName, listOf, mapOf, NUMBER, setOf, STRING, typeOf, type Type } from "../types.js";
import { unmark } from "../value.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

function conversion(target: Type): FunctionDef {
  return {
    params: [p("v", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: target,
    impl: ([v]) => {
      const c = convert(v!, target);
      if (c.ok) return c.value;
      const from = friendlyName(typeOf(unmark(v!)[0]));
      const generic = c.error.path.length === 0 && c.error.reason.endsWith(" required") && !c.error.reason.endsWith("is required");
      const reason = generic ? `cannot convert ${from} to ${friendlyName(target)}` : c.error.message;
      throw new FunctionError(reason, 0);
    },
  };
}

export const conversionFunctions: Record<string, FunctionDef> = {
  tostring: conversion(STRING),
  tonumber: conversion(NUMBER),
  tobool: conversion(BOOL),
  tolist: conversion(listOf(DYNAMIC)),
  toset: conversion(setOf(DYNAMIC)),
  tomap: conversion(mapOf(DYNAMIC)),
};
