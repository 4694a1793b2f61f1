import type { Account, Accounts } from "../../domain/accounts.js";
import type { Clock } from "../../domain/clock.js";
import type { HttpRequest, HttpResponse } from "../router.js";
import { authenticate } from "../zstack/auth.js";

/** The realm named in `WWW-Authenticate`, so a browser or curl knows to send basic credentials. */
const REALM = 'Basic realm="backplan engine states", charset="UTF-8"';

/**
 * Who is calling the state routes. Terraform's http backend can only send HTTP basic auth (`username` /
 * `password`, `TF_HTTP_USERNAME` / `TF_HTTP_PASSWORD`), so that is the main way: an engine account's name and
 * clear-text password. A ZStack session (`OAuth`) or signed AccessKey is accepted too, for scripts that already
 * hold one. No or bad credentials are 401 with a `WWW-Authenticate` challenge.
 */
export function stateCaller(req: HttpRequest, accounts: Accounts, clock: Clock): { account: Account } | { response: HttpResponse } {
  const header = req.headers.authorization ?? "";
  if (header === "") return { response: unauthorized("this route needs HTTP basic auth with an engine account (Terraform: username/password)") };
  const m = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (m) {
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const name = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? "" : decoded.slice(colon + 1);
    const account = accounts.verifyPassword(name, password);
    return account ? { account } : { response: unauthorized(`wrong account name or password for "${name}"`) };
  }
  const outcome = authenticate(req, accounts, clock);
  if (outcome.kind === "ok") return { account: outcome.principal.account };
  return { response: unauthorized(outcome.kind === "invalid" ? outcome.error.message : "unsupported Authorization scheme; use Basic") };
}

function unauthorized(details: string): HttpResponse {
  return {
    status: 401,
    headers: { "www-authenticate": REALM },
    json: { error: { code: "ID.1001", description: "authentication required", details } },
  };
}
