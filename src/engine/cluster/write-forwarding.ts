import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Volume writes one node hands to another (the owner of the volume's CDP journal), over HTTP, signed with the key
 * the nodes share in their database. The signature covers method, path, query, the sending node, the time, a
 * nonce and the body's SHA-256; the receiver accepts each signature once within FORWARD_WINDOW_MS.
 */

/** The route a forwarded write is sent to, on the owner node. */
export const FORWARDED_WRITE_ROUTE = "/engine/v1/cluster/volumes/:uuid/data";

/** How far apart the sender's and receiver's clocks may be, and how long a signature is remembered. */
export const FORWARD_WINDOW_MS = 60_000;

/** The error code a node answers when it is not (or no longer) the owner: the sender looks the owner up again. */
export const NOT_OWNER = "CLUSTER.NOT_OWNER";

const H = { node: "x-backplan-node", date: "x-backplan-date", nonce: "x-backplan-nonce", signature: "x-backplan-signature" } as const;

interface Signed {
  method: string;
  path: string;
  query: string;
  node: string;
  date: number;
  nonce: string;
  body: Uint8Array;
}

function signature(key: Buffer, s: Signed): string {
  const bodyHash = createHash("sha256").update(s.body).digest("hex");
  return createHmac("sha256", key).update([s.method, s.path, s.query, s.node, String(s.date), s.nonce, bodyHash].join("\n")).digest("hex");
}

/** What the receiver learns from a forwarded request's headers, or why it refuses them. */
export type ForwardCheck = { ok: true; node: string; signature: string; date: number } | { ok: false; reason: string };

/**
 * Checks a forwarded request's signature and time (not its one-time use: the caller keeps the signatures it
 * accepted). `query` is the raw query string without `?`.
 */
export function checkForwarded(key: Buffer, req: { method: string; path: string; query: string; headers: IncomingHttpHeaders }, body: Uint8Array, now: number): ForwardCheck {
  const one = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const node = one(H.node);
  const dateText = one(H.date);
  const nonce = one(H.nonce);
  const given = one(H.signature);
  if (!node || !dateText || !nonce || !given) return { ok: false, reason: `a forwarded request needs the headers ${Object.values(H).join(", ")}` };
  const date = Number(dateText);
  if (!Number.isSafeInteger(date) || Math.abs(now - date) > FORWARD_WINDOW_MS) return { ok: false, reason: `${H.date} is more than ${FORWARD_WINDOW_MS / 1000} s away from this node's clock` };
  const expected = Buffer.from(signature(key, { method: req.method, path: req.path, query: req.query, node, date, nonce, body }), "hex");
  const got = Buffer.from(given, "hex");
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: "the forwarded request's signature does not match (not signed with this cluster's key)" };
  return { ok: true, node, signature: given, date };
}

/** How a forwarded write ended. `retry`: not written, worth sending again after looking the owner up afresh. */
export type ForwardOutcome = { kind: "written" } | { kind: "retry"; reason: string } | { kind: "refused"; status: number; message: string };

/**
 * Sends the write of `data` at `offset` of volume `volumeUuid` to the node at `baseUrl`. Never rejects: a network
 * failure, a timeout, a 503 and a NOT_OWNER answer are `retry`; another refusal is `refused` with the receiver's
 * message.
 */
export async function forwardWrite(opts: { baseUrl: string; key: Buffer; from: string; volumeUuid: string; offset: number; data: Uint8Array; timeoutMs: number }): Promise<ForwardOutcome> {
  const path = FORWARDED_WRITE_ROUTE.replace(":uuid", encodeURIComponent(opts.volumeUuid));
  const query = `offset=${opts.offset}`;
  const date = Date.now();
  const nonce = randomBytes(12).toString("hex");
  const sig = signature(opts.key, { method: "PUT", path, query, node: opts.from, date, nonce, body: opts.data });
  let res: Response;
  try {
    res = await fetch(`${opts.baseUrl}${path}?${query}`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream", [H.node]: opts.from, [H.date]: String(date), [H.nonce]: nonce, [H.signature]: sig },
      body: opts.data,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    return { kind: "retry", reason: `${opts.baseUrl} did not answer: ${e instanceof Error ? e.message : String(e)}` };
  }
  const text = await res.text().catch(() => "");
  if (res.ok) return { kind: "written" };
  const error = parseError(text);
  if (res.status === 503 || error.code === NOT_OWNER) return { kind: "retry", reason: `${opts.baseUrl} answered ${res.status}: ${error.details}` };
  return { kind: "refused", status: res.status, message: error.details };
}

function parseError(text: string): { code?: string; details: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; details?: unknown } }).error;
    return { ...(typeof e?.code === "string" ? { code: e.code } : {}), details: typeof e?.details === "string" ? e.details : text };
  } catch {
    return { details: text };
  }
}
