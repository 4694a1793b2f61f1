import type { Identity, TokenContext } from "../../domain/csbs/identity.js";
import type { HttpRequest, HttpResponse, Router } from "../router.js";
import { authorize } from "./auth.js";
import { errorResponse, type Dialect } from "./errors.js";

export type AuthedHandler = (req: HttpRequest, auth: TokenContext) => Promise<HttpResponse> | HttpResponse;
export type AddV1 = (method: string, path: string, dialect: Dialect, handler: AuthedHandler) => void;

/**
 * Route registration for `/v1/{project_id}...`: every handler runs after `authorize`, and whatever it throws
 * is answered in the route's error dialect — a handler never lets an error reach the server's 500 path.
 */
export function v1Adder(router: Router, identity: Identity): AddV1 {
  return (method, path, dialect, handler) => {
    router.add(method, `/v1/:project_id${path}`, async (req) => {
      try {
        return await handler(req, authorize(req, identity));
      } catch (e) {
        return errorResponse(e, dialect);
      }
    });
  };
}
