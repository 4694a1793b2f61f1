import type { Accounts, Principal } from "../../domain/accounts.js";
import type { Clock } from "../../domain/clock.js";
import { DomainError } from "../../domain/errors.js";
import type { HttpRequest, HttpResponse } from "../router.js";
import { MAX_CLOCK_SKEW_MS, signature, signatureMatches, stringToSign } from "./access-key-signature.js";
import { plain } from "./errors.js";
import { localNodeZone, wallClockOf, wallClockSkewMs, type NodeZone } from "./request-date.js";

/**
 * The result of checking a request's credentials, in the three ways ZStack answers (research §1.2):
 * - `rejected`: the REST layer refuses the request outright (400 for a missing/unknown scheme or malformed
 *   AccessKey header, 403 for a skewed clock), before any job exists;
 * - `invalid`: the credentials are well-formed but not valid (unknown or expired session, unknown AccessKey, bad
 *   signature): the API itself fails with ID.1001, i.e. 503 for synchronous calls and a failed job for async ones;
 * - `ok`: who is calling.
 */
export type AuthOutcome =
  | { kind: "ok"; principal: Principal }
  | { kind: "rejected"; response: HttpResponse }
  | { kind: "invalid"; error: DomainError };

/** `zone` is the node's time zone, against whose clock face a signed request's `Date` is compared. */
export function authenticate(req: HttpRequest, accounts: Accounts, clock: Clock, zone: NodeZone = localNodeZone()): AuthOutcome {
  const header = req.headers.authorization;
  if (header === undefined || header === "") return { kind: "rejected", response: plain(400, "missing header 'Authorization'") };
  const space = header.indexOf(" ");
  const scheme = space < 0 ? header : header.slice(0, space);
  const credential = space < 0 ? "" : header.slice(space + 1).trim();
  switch (scheme) {
    case "OAuth":
      return bySession(credential, accounts);
    case "ZStack":
      return byAccessKey(req, credential, accounts, clock, zone);
    default:
      return { kind: "rejected", response: plain(400, "Authorization type must be 'OAuth'") };
  }
}

function bySession(sessionUuid: string, accounts: Accounts): AuthOutcome {
  const session = sessionUuid ? accounts.validSession(sessionUuid) : undefined;
  const account = session ? accounts.account(session.accountUuid) : undefined;
  if (!session || !account) return { kind: "invalid", error: new DomainError("unauthenticated", `Session expired or invalid: session[uuid:${sessionUuid}]`) };
  return { kind: "ok", principal: { account, via: { kind: "session", session } } };
}

function byAccessKey(req: HttpRequest, credential: string, accounts: Accounts, clock: Clock, zone: NodeZone): AuthOutcome {
  const m = /^([^:\s]+):(\S+)$/.exec(credential);
  if (!m) return { kind: "rejected", response: plain(400, "accessKey format is 'ZStack AccessKeyId:Signature'") };
  const date = req.headers.date;
  if (!date) return { kind: "rejected", response: plain(400, "'Date' must be incuded in request header") };
  const face = wallClockOf(date);
  if (face === undefined) return { kind: "rejected", response: plain(400, `'Date' header '${date}' is not a date such as 'Wed, 25 Nov 2026 16:30:43 CST'`) };
  // As ZStack by default: the zone token is not interpreted, the clock face is compared with the node's own.
  if (Math.abs(wallClockSkewMs(face, clock.now(), zone)) > MAX_CLOCK_SKEW_MS) return { kind: "rejected", response: plain(403, "requestTimeTooSkewed") };
  const key = accounts.accessKey(m[1]!);
  const account = key ? accounts.account(key.accountUuid) : undefined;
  if (!key || !account || !signatureMatches(signature(key.accessKeySecret, stringToSign(req.method, date, req.path)), m[2]!)) {
    return { kind: "invalid", error: new DomainError("unauthenticated", `invalid AccessKey signature for AccessKeyId[${m[1]}]`) };
  }
  return { kind: "ok", principal: { account, via: { kind: "accessKey", accessKey: key } } };
}
