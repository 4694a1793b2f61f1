import { createHmac, timingSafeEqual } from "node:crypto";

/** The ±window a signed request's `Date` may differ from the engine clock (ZStack's REQUEST_DURATION_MINUTES). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * The text ZStack AccessKey clients sign: `METHOD\nDate\n/v1<path>`, where the path has neither the `/zstack`
 * context nor the query string. Paths outside `/zstack` (the engine's admin routes) are signed as they are.
 */
export function stringToSign(method: string, date: string, path: string): string {
  const signedPath = path.startsWith("/zstack/") ? path.slice("/zstack".length) : path;
  return `${method.toUpperCase()}\n${date}\n${signedPath}`;
}

/** Base64 of HMAC-SHA1(secret, text). */
export function signature(secret: string, text: string): string {
  return createHmac("sha1", secret).update(text, "utf8").digest("base64");
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of the `Authorization` header for a request signed with an AccessKey. */
export function accessKeyAuthorization(id: string, secret: string, method: string, date: string, path: string): string {
  return `ZStack ${id}:${signature(secret, stringToSign(method, date, path))}`;
}
