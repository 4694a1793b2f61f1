import type { z } from "zod";
import { invalidParameter } from "../../domain/csbs/errors.js";
import { readJsonObject } from "../body.js";
import type { HttpRequest } from "../router.js";

/** Largest CSBS/Karbor/Keystone request body accepted; policies are the biggest at a few KB. */
export const MAX_CSBS_BODY = 64 * 1024;

/**
 * Reads the JSON body and validates it against `schema`. The first problem becomes an `invalid_parameter`
 * CsbsError whose field is the dotted path of the offending field (`policy.scheduled_operations[0].enabled`).
 */
export async function readBody<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.output<S>> {
  const body = await readJsonObject(req.raw, MAX_CSBS_BODY);
  return parse(schema, body);
}

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const field = path ? `${path}.${key}` : key;
    throw invalidParameter(field, `${field}: unknown field`);
  }
  const field = path || "body";
  if (issue.code === "invalid_type" && valueAt(value, issue.path) === undefined) throw invalidParameter(field, `${field}: required field is missing`);
  throw invalidParameter(field, `${field}: ${issue.message}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
