import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { readJsonObject } from "../body.js";
import { ZSTACK, type Api } from "./api.js";
import { requestErrorResponse, RequestError } from "./errors.js";
import { parseParams, unwrap } from "./envelope.js";
import { authenticate } from "./auth.js";
import { sessionView } from "./views.js";
import { toWire } from "./wire.js";

const logInParams = z.strictObject({
  accountName: z.string().min(1, "must not be empty"),
  password: z.string().regex(/^[0-9a-fA-F]{128}$/, "must be the hex SHA-512 of the password (128 hex characters)"),
  accountType: z.string().optional(),
  captchaUuid: z.string().optional(),
  verifyCode: z.string().optional(),
  clientInfo: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Login, logout and session checks: the only non-GET ZStack calls that answer synchronously (200), and the only
 * ones that need no session.
 */
export function registerSessionRoutes(api: Api): void {
  const { router, services } = api;

  router.add("PUT", `${ZSTACK}/accounts/login`, async (req) => {
    try {
      const body = await readJsonObject(req.raw);
      // Current SDKs send `logInByAccount`; the older manual shows `logIn`.
      const actionName = body.logIn !== undefined && body.logInByAccount === undefined ? "logIn" : "logInByAccount";
      if (body.logIn !== undefined && body.logInByAccount !== undefined) throw new RequestError(400, "Invalid request body: give either 'logInByAccount' or 'logIn'");
      const params = parseParams(unwrap(body, actionName), logInParams);
      const session = services.accounts.logIn(params.accountName, params.password);
      return { status: 200, json: { inventory: toWire(sessionView(session)) } };
    } catch (e) {
      const response = requestErrorResponse(e);
      if (response) return response;
      if (e instanceof DomainError && e.kind === "unauthenticated") {
        return { status: 503, json: { error: { code: "ID.1000", description: "Authentication error", details: e.message } } };
      }
      throw e;
    }
  });

  // Logging out needs credentials: the session's own (OAuth <uuid>), or those of its account or an admin.
  router.add("DELETE", `${ZSTACK}/accounts/sessions/:uuid`, (req) => {
    const auth = authenticate(req, services.accounts, api.ctx.clock);
    if (auth.kind === "rejected") return auth.response;
    if (auth.kind === "invalid") return { status: 503, json: { error: { code: "ID.1001", description: "Invalid session, the session doesn't exist or has expired", details: auth.error.message } } };
    const target = services.accounts.validSession(req.params.uuid!);
    const caller = auth.principal.account;
    if (target && target.accountUuid !== caller.uuid && caller.type !== "SystemAdmin") {
      return { status: 503, json: { error: { code: "ID.1002", description: "Permission denied", details: `account[uuid:${caller.uuid}] may not log out session[uuid:${target.uuid}] of another account` } } };
    }
    services.accounts.logOut(req.params.uuid!);
    return { status: 200, json: {} };
  });

  router.add("GET", `${ZSTACK}/accounts/sessions/:uuid/valid`, (req) => ({
    status: 200,
    json: { valid: services.accounts.validSession(req.params.uuid!) !== undefined },
  }));
}
