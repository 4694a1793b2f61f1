import { CsbsError } from "../../domain/csbs/errors.js";
import type { Identity, TokenContext } from "../../domain/csbs/identity.js";
import type { HttpRequest } from "../router.js";

/**
 * Who is calling `/v1/{project_id}/...`: the `X-Auth-Token` must be a valid, unexpired token scoped to exactly
 * that project. Missing/invalid/expired → `token_invalid` (401); another project → `project_forbidden` (403).
 */
export function authorize(req: HttpRequest, identity: Identity): TokenContext {
  const header = req.headers["x-auth-token"];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) throw new CsbsError("token_invalid", "The request you have made requires authentication: send a token in X-Auth-Token.");
  const ctx = identity.validate(token);
  const projectId = req.params.project_id ?? "";
  if (!ctx.project) throw new CsbsError("project_forbidden", "The token is not scoped to a project.");
  if (ctx.project.uuid !== projectId) {
    throw new CsbsError("project_forbidden", `The token is scoped to project ${ctx.project.uuid}, not to project ${projectId}.`);
  }
  return ctx;
}
