/** Sensitivity functions: `sensitive`, `nonsensitive`, `issensitive`. They see marks as they are. */
import { BOOL, DYNAMIC, type Type } from "../types.js";
import { isMarked, markSensitive, unmark } from "../value.js";
import type { FunctionDef, Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

export const sensitiveFunctions: Record<string, FunctionDef> = {
  sensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: DYNAMIC,
    impl: ([v]) => markSensitive(v!),
  },
  issensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: BOOL,
    impl: ([v]) => isMarked(v!),
  },
  nonsensitive: {
    params: [p("value", DYNAMIC, { allowNull: true, allowUnknown: true, allowMarked: true })],
    returns: DYNAMIC,
    impl: ([v]) => unmark(v!)[0],
  },
};
