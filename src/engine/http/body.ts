import type { IncomingMessage } from "node:http";

/** The default limit for API request bodies; ZStack and CSBS bodies are small JSON documents. */
export const MAX_JSON_BODY = 1024 * 1024;

/**
 * The deepest nesting of objects and arrays a body may have. API bodies are a few levels deep; without a bound,
 * a body nested thousands deep overflows the stack of whatever walks it recursively (validation, errors).
 */
export const MAX_JSON_DEPTH = 64;

/** How deeply `[`/`{` nest in JSON text, strings skipped: a linear scan, no recursion, before parsing. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let most = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) most = Math.max(most, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return most;
}

export class BodyError extends Error {
  constructor(
    readonly reason: "too_large" | "malformed" | "not_object",
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Reads the whole body, failing with `too_large` past `limit` bytes (the rest is drained, not buffered). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  if (tooLarge) throw new BodyError("too_large", `request body of ${size} bytes exceeds the limit of ${limit} bytes`);
  return Buffer.concat(chunks);
}

/**
 * Reads and parses a JSON object body. An empty body reads as `{}` (ZStack actions such as EnableCdpTask are
 * commonly sent without one). Anything but a JSON object is a `BodyError` with a message saying what was wrong.
 */
export async function readJsonObject(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Record<string, unknown>> {
  const buf = await readBody(req, limit);
  const text = buf.toString("utf8").trim();
  if (text === "") return {};
  const depth = nestingDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new BodyError("malformed", `malformed JSON body: nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} allowed`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BodyError("malformed", `malformed JSON body: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BodyError("not_object", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
