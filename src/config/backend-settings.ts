/**
 * The arguments of a `backend` block as plain JSON values. Terraform evaluates a backend block before anything
 * else exists, so only constants are allowed (no variables, locals or functions); anything else is an error at
 * the expression. Nested blocks (`assume_role {}`, `endpoints {}` written as blocks) become objects.
 */
import { errorAt, type Diagnostic } from "./diagnostics.js";
import type { Body, Expression } from "./hcl/ast.js";
import type { JsonNode } from "./json/value.js";
import { constString } from "./static.js";

export type SettingValue = null | boolean | number | string | SettingValue[] | { [k: string]: SettingValue };

export function backendSettings(body: Body, context: string): { settings: Record<string, SettingValue>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const settings: Record<string, SettingValue> = {};
  for (const a of body.attributes) {
    const v = a.json ? fromJson(a.json) : staticValue(a.expr, diagnostics, context);
    if (v !== undefined) settings[a.name] = v;
  }
  for (const b of body.blocks) {
    settings[b.type] = backendSettings(b.body, context).settings;
  }
  return { settings, diagnostics };
}

function fromJson(n: JsonNode): SettingValue {
  switch (n.type) {
    case "null":
      return null;
    case "bool":
    case "number":
    case "string":
      return n.value;
    case "array":
      return n.items.map(fromJson);
    case "object":
      return Object.fromEntries(n.properties.map((p) => [p.name.value, fromJson(p.value)]));
  }
}

function staticValue(e: Expression, diags: Diagnostic[], context: string): SettingValue | undefined {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "template": {
      const s = constString(e);
      if (s !== undefined) return s;
      break;
    }
    case "tuple": {
      const items = e.items.map((i) => staticValue(i, diags, context));
      return items.every((i) => i !== undefined) ? (items as SettingValue[]) : undefined;
    }
    case "object": {
      const out: Record<string, SettingValue> = {};
      for (const it of e.items) {
        const k = constString(it.key) ?? (it.key.kind === "scope_traversal" && it.key.steps.length === 0 ? it.key.root : undefined);
        const v = staticValue(it.value, diags, context);
        if (k === undefined || v === undefined) return undefined;
        out[k] = v;
      }
      return out;
    }
    case "parens":
      return staticValue(e.expr, diags, context);
    case "unary":
      if (e.op === "-" && e.operand.kind === "literal" && typeof e.operand.value === "number") return -e.operand.value;
      break;
    default:
      break;
  }
  diags.push(errorAt("Variables not allowed", `${context}: only constant values are allowed here (no variables, locals or functions): a backend is configured before anything is evaluated. Use -backend-config for values that vary.`, e.range));
  return undefined;
}
