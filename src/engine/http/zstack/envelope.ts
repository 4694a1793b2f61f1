import { z } from "zod";
import { RequestError } from "./errors.js";

/**
 * How ZStack wraps POST/PUT parameters: `{"params": {...}}` for creates, `{"<actionName>": {...}}` for actions —
 * this engine accepts either key for both — with `systemTags`/`userTags` beside the wrapper.
 */
export interface Envelope {
  /** Which key held the parameters (for messages): `params` or the action name. */
  key: string;
  params: unknown;
  systemTags: string[];
  userTags: string[];
}

const tags = z.array(z.string());

/**
 * Splits a body into its envelope. A body with no wrapper key reads as empty parameters (so the missing required
 * fields are what gets reported). Throws RequestError (400) naming the field for unknown top-level keys, both
 * wrappers at once, a non-object wrapper or malformed tags.
 */
export function unwrap(body: Record<string, unknown>, actionName?: string): Envelope {
  const wrappers = actionName ? ["params", actionName] : ["params"];
  for (const key of Object.keys(body)) {
    if (!wrappers.includes(key) && key !== "systemTags" && key !== "userTags") {
      throw new RequestError(400, `Invalid request body: ${key}: unknown field; parameters go in ${wrappers.map((w) => `'${w}'`).join(" or ")}`);
    }
  }
  const present = wrappers.filter((w) => body[w] !== undefined);
  if (present.length > 1) throw new RequestError(400, `Invalid request body: give the parameters in either 'params' or '${actionName}', not both`);
  const key = present[0] ?? "params";
  const params = body[key] ?? {};
  if (params === null || typeof params !== "object" || Array.isArray(params)) throw new RequestError(400, `Invalid request body: ${key}: must be a JSON object`);
  const result: Envelope = { key, params, systemTags: [], userTags: [] };
  for (const t of ["systemTags", "userTags"] as const) {
    if (body[t] === undefined || body[t] === null) continue;
    const parsed = tags.safeParse(body[t]);
    if (!parsed.success) throw new RequestError(400, `Invalid request body: ${t}: must be a list of strings`);
    result[t] = parsed.data;
  }
  return result;
}

/** Validates the wrapped parameters; zod issues are reported with paths starting at the wrapper key. */
export function parseParams<S extends z.ZodType>(envelope: Envelope, schema: S): z.infer<S> {
  const parsed = schema.safeParse(envelope.params);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ ...i, path: [envelope.key, ...i.path] }));
  throw new z.ZodError(issues);
}

// ---- field schemas shared by the request bodies

export const uuid = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex uuid");
export const name = z.string().min(1, "must not be empty").max(255, "must be at most 255 characters");
export const description = z.string().max(2048, "must be at most 2048 characters");
export const long = z.number().int("must be an integer").refine(Number.isSafeInteger, "is out of range");
