import type { z } from "zod";
import { CsbsError, invalidParameter } from "../../domain/csbs/errors.js";
import type { AuthRequest, Identity, TokenContext } from "../../domain/csbs/identity.js";
import type { HttpRequest, HttpResponse, Router } from "../router.js";
import { errorResponse } from "./errors.js";
import { authBody } from "./schemas.js";
import { readBody } from "./validate.js";
import { keystoneTime } from "./wire-time.js";

export const REGION = "RegionOne";
const IDENTITY_VERSION = "v3.14";

/**
 * Keystone v3, as much as OpenStack clients need: version discovery, issuing tokens (password and token
 * methods, project scope), validating and revoking them. The token body's catalog points `data-protect`
 * (CSBS / Karbor) at `/v1/{project_id}` of this engine and `identity` at `/v3`.
 */
export function registerKeystone(router: Router, identity: Identity): void {
  const keystone = (fn: (req: HttpRequest) => Promise<HttpResponse> | HttpResponse) => async (req: HttpRequest) => {
    try {
      return await fn(req);
    } catch (e) {
      return errorResponse(e, "keystone");
    }
  };

  router.add("GET", "/v3", keystone((req) => ({ status: 200, json: { version: versionDoc(req.origin) } })));

  router.add(
    "POST",
    "/v3/auth/tokens",
    keystone(async (req) => {
      const body = await readBody(req, authBody);
      const issued = identity.authenticate(toAuthRequest(body));
      return { status: 201, headers: { "x-subject-token": issued.token }, json: tokenBody(issued.context, req.origin) };
    }),
  );

  router.add(
    "GET",
    "/v3/auth/tokens",
    keystone((req) => {
      const caller = identity.validate(header(req, "x-auth-token"));
      const subject = identity.validate(header(req, "x-subject-token"));
      identity.authorizeTokenAction(caller, subject, "validate_token");
      return { status: 200, headers: { "x-subject-token": header(req, "x-subject-token") }, json: tokenBody(subject, req.origin) };
    }),
  );

  router.add(
    "DELETE",
    "/v3/auth/tokens",
    keystone((req) => {
      const caller = identity.validate(header(req, "x-auth-token"));
      const subject = header(req, "x-subject-token");
      identity.authorizeTokenAction(caller, identity.validate(subject), "revoke_token");
      identity.revoke(subject);
      return { status: 204 };
    }),
  );
}

/** The `version` object of `GET /v3` (also one entry of the `GET /` version list). */
export function versionDoc(origin: string): Record<string, unknown> {
  return {
    id: IDENTITY_VERSION,
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href: `${origin}/v3/` }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }],
  };
}

function header(req: HttpRequest, name: string): string {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) throw new CsbsError("token_invalid", `The request you have made requires authentication: missing ${name} header.`);
  return s;
}

function toAuthRequest(body: z.output<typeof authBody>): AuthRequest {
  const { identity, scope } = body.auth;
  // Keystone authenticates with every listed method; the engine serves one per request, as clients send.
  const method = identity.methods[0]!;
  let id: AuthRequest["identity"];
  switch (method) {
    case "password": {
      const user = identity.password?.user;
      if (!user) throw invalidParameter("auth.identity.password", "auth.identity.password: required for the password method");
      id = {
        method: "password",
        password: user.password,
        user: "id" in user ? { id: user.id } : { name: user.name, domain: user.domain },
      };
      break;
    }
    case "token": {
      if (!identity.token) throw invalidParameter("auth.identity.token", "auth.identity.token: required for the token method");
      id = { method: "token", token: identity.token.id };
      break;
    }
  }
  if (scope === undefined || scope === "unscoped") return { identity: id };
  const p = scope.project;
  return { identity: id, scope: { project: "id" in p ? { id: p.id } : { name: p.name, domain: p.domain } } };
}

/** The Keystone v3 token body; `catalog` and `roles` only for project-scoped tokens, as Keystone does. */
export function tokenBody(ctx: TokenContext, origin: string): Record<string, unknown> {
  const token: Record<string, unknown> = {
    methods: ctx.token.methods,
    user: {
      id: ctx.user.uuid,
      name: ctx.user.name,
      domain: { id: ctx.userDomain.uuid, name: ctx.userDomain.name },
      password_expires_at: null,
    },
    audit_ids: [ctx.token.auditId],
    expires_at: keystoneTime(ctx.token.expiresAt),
    issued_at: keystoneTime(ctx.token.issuedAt),
  };
  if (ctx.project) {
    token.project = {
      id: ctx.project.uuid,
      name: ctx.project.name,
      domain: { id: ctx.projectDomain?.uuid ?? ctx.project.domainId, name: ctx.projectDomain?.name ?? "" },
    };
    token.is_domain = false;
    token.roles = [
      { id: "9fe2ff9ee4384b1894a90878d3e92bab", name: "member" },
      { id: "a1e1d2c5b14b4b6f8f7a3e4f7d9c1b20", name: "reader" },
    ];
    token.catalog = catalog(origin, ctx.project.uuid);
  }
  return { token };
}

function catalog(origin: string, projectId: string): Record<string, unknown>[] {
  const endpoints = (serviceId: string, url: string) =>
    (["public", "internal", "admin"] as const).map((iface) => ({
      id: `${serviceId}${iface}`,
      interface: iface,
      region: REGION,
      region_id: REGION,
      url,
    }));
  return [
    { id: "csbs", type: "data-protect", name: "csbs", endpoints: endpoints("csbs", `${origin}/v1/${projectId}`) },
    { id: "keystone", type: "identity", name: "keystone", endpoints: endpoints("keystone", `${origin}/v3`) },
  ];
}
