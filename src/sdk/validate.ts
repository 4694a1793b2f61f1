import type { z } from "zod";
import type { Attribute } from "./attribute.js";
import { elementObjectShape } from "./tftype.js";
import { isWhollyKnown, type SdkObject, type SdkValue } from "./value.js";

/** One problem with a configuration object, located by attribute path (`["scheduled_operation", 0, "name"]`). */
export interface AttributeDiagnostic {
  path: (string | number)[];
  summary: string;
  detail: string;
}

/**
 * Checks a resource, data source or provider configuration against its attribute flags and zod schema.
 * `config` holds configurable attributes only (absent or null when not set); unknown leaves are accepted here
 * and checked once known. Returns every problem found, not just the first.
 */
export function validateConfig(
  attributes: Readonly<Record<string, Attribute>>,
  shape: Readonly<Record<string, z.ZodType>>,
  config: SdkObject,
  base: (string | number)[] = [],
): AttributeDiagnostic[] {
  const out: AttributeDiagnostic[] = [];
  for (const key of Object.keys(config)) {
    const attr = attributes[key];
    if (!attr) {
      out.push({
        path: [...base, key],
        summary: "Unsupported argument",
        detail: `An argument named "${key}" is not expected here.`,
      });
    } else if (attr.kind === "computed" && config[key] !== null && config[key] !== undefined) {
      out.push({
        path: [...base, key],
        summary: "Value for unconfigurable attribute",
        detail: `Can't configure a value for "${key}": its value will be decided automatically based on the result of applying this configuration.`,
      });
    }
  }
  for (const key in attributes) {
    const attr = attributes[key]!;
    if (attr.kind === "computed") continue;
    const value = config[key] ?? null;
    if (value === null && attr.kind !== "required") continue;
    const path = [...base, key];
    if (value === null) {
      if (attr.kind === "required") {
        out.push({
          path,
          summary: attr.block ? "Missing required block" : "Missing required argument",
          detail: attr.block
            ? `At least 1 "${key}" block is required.`
            : `The argument "${key}" is required, but no definition was found.`,
        });
      }
      continue;
    }
    if (attr.block) {
      out.push(...validateBlocks(key, attr, shape[key], value, path));
      continue;
    }
    const schema = shape[key];
    if (schema && isWhollyKnown(value)) out.push(...zodProblems(schema, value, path));
  }
  return out;
}

function validateBlocks(key: string, attr: Attribute, schema: z.ZodType | undefined, value: SdkValue, path: (string | number)[]): AttributeDiagnostic[] {
  const block = attr.block!;
  const items = block.nesting === "single" ? [value] : Array.isArray(value) ? value : undefined;
  if (!items) return [{ path, summary: "Invalid block", detail: `"${key}" must be given as blocks.` }];
  const out: AttributeDiagnostic[] = [];
  if (block.minItems !== undefined && items.length < block.minItems) {
    out.push({ path, summary: "Insufficient blocks", detail: `At least ${block.minItems} "${key}" blocks are required.` });
  }
  if (block.maxItems !== undefined && items.length > block.maxItems) {
    out.push({ path, summary: "Too many blocks", detail: `No more than ${block.maxItems} "${key}" blocks are allowed.` });
  }
  const elementShape = schema ? (elementObjectShape(schema) ?? {}) : {};
  items.forEach((item, i) => {
    const itemPath = block.nesting === "single" ? path : [...path, i];
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      out.push({ path: itemPath, summary: "Invalid block", detail: `Each "${key}" block must be an object.` });
    } else {
      out.push(...validateConfig(block.attributes, elementShape, item as SdkObject, itemPath));
    }
  });
  return out;
}

function zodProblems(schema: z.ZodType, value: SdkValue, path: (string | number)[]): AttributeDiagnostic[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const full = [...path, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    return {
      path: full,
      summary: "Invalid value for argument",
      detail: `${formatPath(full)}: ${issue.message}`,
    };
  });
}

/** `scheduled_operation[0].name` */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s;
}
