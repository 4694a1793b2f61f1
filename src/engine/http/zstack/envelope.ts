import { z } from "zod";
import { RequestError } from "./errors.js";

/**
 * How ZStack wraps POST/PUT parameters: in `params` for POST APIs (creates, enable/disable), in the lowerCamel
 * action name for PUT actions (`updateCdpTask`) — exactly one key, as RestServer reads it — with
 * `systemTags`/`userTags` beside the wrapper or, as the Java SDK sends them, inside it.
 */
export interface Envelope {
  /** Which key held the parameters (for messages). */
  key: string;
  params: unknown;
  systemTags: string[];
  userTags: string[];
}

const tags = z.array(z.string());

/** Fields the Java SDK puts inside the wrapper beside the API's own parameters (not parameters themselves). */
const SDK_WRAPPER_FIELDS = ["systemTags", "userTags", "requestIp"] as const;

/**
 * Splits a body into its envelope; `key` is the wrapper the API reads (`params` or the action name). A body
 * with no wrapper reads as empty parameters (so the missing required fields are what gets reported). Throws
 * RequestError (400) naming the field for unknown top-level keys, the other wrapper used instead of `key`
 * (RestServer finds no parameters there), a non-object wrapper or malformed tags.
 */
export function unwrap(body: Record<string, unknown>, key = "params"): Envelope {
  const other = key === "params" ? undefined : "params";
  for (const k of Object.keys(body)) {
    if (k === key || k === "systemTags" || k === "userTags") continue;
    if (k === other || (body[key] === undefined && /^[a-z][A-Za-z]+$/.test(k) && k !== "params" && isObject(body[k]))) {
      throw new RequestError(400, `Invalid request body: the parameters of this API go in '${key}', not '${k}'`);
    }
    throw new RequestError(400, `Invalid request body: ${k}: unknown field; parameters go in '${key}'`);
  }
  const raw = body[key] ?? {};
  if (!isObject(raw)) throw new RequestError(400, `Invalid request body: ${key}: must be a JSON object`);
  const params: Record<string, unknown> = { ...raw };
  const result: Envelope = { key, params, systemTags: [], userTags: [] };
  for (const t of ["systemTags", "userTags"] as const) {
    for (const [where, value] of [[t, body[t]], [`${key}.${t}`, params[t]]] as const) {
      if (value === undefined || value === null) continue;
      const parsed = tags.safeParse(value);
      if (!parsed.success) throw new RequestError(400, `Invalid request body: ${where}: must be a list of strings`);
      result[t].push(...parsed.data);
    }
  }
  for (const f of SDK_WRAPPER_FIELDS) delete params[f];
  return result;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Validates the wrapped parameters; zod issues are reported with paths starting at the wrapper key. Fields the
 * schema does not know are dropped, at any depth, as ZStack's Gson mapping ignores them; every other problem
 * is reported.
 */
export function parseParams<S extends z.ZodType>(envelope: Envelope, schema: S): z.infer<S> {
  let input: unknown = envelope.params;
  for (let round = 0; ; round++) {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    const unknown = parsed.error.issues.filter((i) => i.code === "unrecognized_keys");
    if (unknown.length === 0 || unknown.length < parsed.error.issues.length || round > 8) {
      const issues = parsed.error.issues.map((i) => ({ ...i, path: [envelope.key, ...i.path] }));
      throw new z.ZodError(issues);
    }
    input = structuredClone(input);
    for (const issue of unknown) {
      const at = issue.path.reduce<unknown>((o, k) => (isObject(o) || Array.isArray(o) ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), input);
      if (isObject(at)) for (const k of issue.keys) delete at[k];
    }
  }
}

// ---- field schemas shared by the request bodies

export const uuid = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex uuid");
export const name = z.string().min(1, "must not be empty").max(255, "must be at most 255 characters");
export const description = z.string().max(2048, "must be at most 2048 characters");
export const long = z.number().int("must be an integer").refine(Number.isSafeInteger, "is out of range");
