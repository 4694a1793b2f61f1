import type { EngineContext } from "../../context.js";
import type { Account } from "../../domain/accounts.js";
import { DomainError, type DomainErrorKind } from "../../domain/errors.js";
import { engineServices } from "../../domain/services.js";
import { MAX_STATE_BYTES, StateLockedError, TeamStates, type StateVersion } from "../../domain/team-states.js";
import { BodyError, readBody } from "../body.js";
import type { HttpRequest, HttpResponse, Router } from "../router.js";
import { stateCaller } from "./auth.js";

export const STATES = "/engine/v1/states";

/**
 * Terraform's http state protocol served by the engine, so a team needs no other state server:
 *
 *   GET    /engine/v1/states/NAME            current state (200), or 204 when none was written
 *   POST   /engine/v1/states/NAME[?ID=lock]  store a new version (PUT too, for `update_method = "PUT"`)
 *   DELETE /engine/v1/states/NAME[?ID=lock]  delete the state and all its versions
 *   LOCK   /engine/v1/states/NAME            lock: body = LockInfo; 423 + holder's LockInfo when held
 *   UNLOCK /engine/v1/states/NAME            unlock: body = LockInfo with the holder's ID
 *   .../NAME/lock                            the same lock with POST/PUT/LOCK and DELETE/UNLOCK (GitLab style);
 *                                            GET answers the holder's LockInfo (200) or 204
 *   GET    /engine/v1/states                 every state: latest version, lock
 *   GET    /engine/v1/states/NAME/versions   every version kept: version, serial, lineage, size, md5, when, who
 *   GET    /engine/v1/states/NAME/versions/N the body of version N
 *
 * Every route needs an engine account (HTTP basic auth, see `auth.ts`); `?force=true` on unlock is for
 * SystemAdmin accounts only. Errors other than lock conflicts are `{"error": {code, description, details}}`.
 */
export function registerTeamStates(router: Router, ctx: EngineContext): void {
  const { accounts } = engineServices(ctx);
  const states = new TeamStates(ctx.store.teamStates, ctx.clock);

  const route = (method: string, pattern: string, run: (req: HttpRequest, who: Account) => Promise<HttpResponse> | HttpResponse) =>
    router.add(method, STATES + pattern, async (req) => {
      const caller = stateCaller(req, accounts, ctx.clock);
      if ("response" in caller) return caller.response;
      try {
        return await run(req, caller.account);
      } catch (e) {
        return errorResponse(e);
      }
    });

  route("GET", "", () => ({
    status: 200,
    json: {
      states: states.list().map((s) => ({ name: s.name, latest: s.latest ? versionView(s.latest) : null, lock: s.lock ?? null })),
    },
  }));

  route("GET", "/:name", (req) => {
    const found = states.current(req.params.name!);
    if (!found) return { status: 204 };
    return stateBody(found.version, found.data);
  });

  const write = async (req: HttpRequest, who: Account): Promise<HttpResponse> => {
    const data = await readBody(req.raw, MAX_STATE_BYTES);
    const md5 = header(req, "content-md5");
    const lockId = req.query.get("ID") ?? undefined;
    const version = states.write(req.params.name!, data, { ...(lockId ? { lockId } : {}), ...(md5 ? { md5 } : {}), who: who.name });
    return { status: 200, json: versionView(version) };
  };
  route("POST", "/:name", write);
  route("PUT", "/:name", write);

  route("DELETE", "/:name", (req) => {
    states.delete(req.params.name!, req.query.get("ID") ?? undefined);
    return { status: 200, json: {} };
  });

  const lock = async (req: HttpRequest, who: Account): Promise<HttpResponse> => {
    const info = (await readBody(req.raw, 1024 * 1024)).toString("utf8");
    states.lock(req.params.name!, info, who.name);
    return { status: 200, json: JSON.parse(info) as unknown };
  };
  const unlock = async (req: HttpRequest, who: Account): Promise<HttpResponse> => {
    const text = (await readBody(req.raw, 1024 * 1024)).toString("utf8").trim();
    const force = req.query.get("force") === "true";
    if (force && who.type !== "SystemAdmin") throw new DomainError("permission_denied", "force-unlock needs a SystemAdmin account");
    const id = req.query.get("ID") ?? (text === "" ? undefined : idIn(text));
    states.unlock(req.params.name!, id, force);
    return { status: 200, json: {} };
  };
  for (const method of ["LOCK", "POST", "PUT"]) route(method, "/:name/lock", lock);
  for (const method of ["UNLOCK", "DELETE"]) route(method, "/:name/lock", unlock);
  route("LOCK", "/:name", lock);
  route("UNLOCK", "/:name", unlock);

  route("GET", "/:name/lock", (req) => {
    const info = states.holder(req.params.name!);
    return info === undefined ? { status: 204 } : { status: 200, text: info, headers: { "content-type": "application/json" } };
  });

  route("GET", "/:name/versions", (req) => ({ status: 200, json: { versions: states.versions(req.params.name!).map(versionView) } }));

  route("GET", "/:name/versions/:version", (req) => {
    const raw = req.params.version!;
    if (!/^[1-9]\d{0,15}$/.test(raw)) throw new DomainError("invalid_argument", `version must be a positive integer, got "${raw}"`, "version");
    const found = states.version(req.params.name!, Number(raw));
    return stateBody(found.version, found.data);
  });
}

function stateBody(version: StateVersion, data: Uint8Array): HttpResponse {
  return {
    status: 200,
    bytes: data,
    headers: {
      "content-type": "application/json",
      "content-md5": version.md5,
      "x-backplan-state-version": String(version.version),
    },
  };
}

function versionView(v: StateVersion): Record<string, unknown> {
  return {
    version: v.version,
    serial: v.serial,
    lineage: v.lineage,
    size: v.size,
    md5: v.md5,
    created: new Date(v.createdAt).toISOString(),
    createdBy: v.createdBy,
  };
}

/** The `ID` of an unlock body; an unparsable body is a 400 naming what was expected. */
function idIn(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new DomainError("invalid_argument", "the unlock body must be Terraform's LockInfo JSON", "body");
  }
  const id = v !== null && typeof v === "object" ? (v as { ID?: unknown }).ID : undefined;
  return typeof id === "string" && id !== "" ? id : undefined;
}

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const STATUS: Record<DomainErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  conflict: 409,
  permission_denied: 403,
  unauthenticated: 401,
  timeout: 504,
  internal: 500,
};

/**
 * A lock conflict answers 423 with the holder's LockInfo as the whole body: Terraform's http client reads the
 * body of a 423/409 as the LockInfo to print. Everything else is the engine's JSON error object.
 */
function errorResponse(e: unknown): HttpResponse {
  if (e instanceof StateLockedError) return { status: 423, text: e.holder, headers: { "content-type": "application/json" } };
  const body = (status: number, kind: string, details: string) => ({ status, json: { error: { code: kind, description: describe(status), details } } });
  if (e instanceof BodyError) return body(e.reason === "too_large" ? 413 : 400, "invalid_argument", e.message);
  if (e instanceof DomainError) return body(STATUS[e.kind], e.kind, e.message);
  console.error("backplan engine state API: unexpected error", e);
  return body(500, "internal", e instanceof Error ? e.message : String(e));
}

function describe(status: number): string {
  return status === 401 ? "authentication required" : status === 403 ? "permission denied" : status < 500 ? "bad request" : "internal error";
}
