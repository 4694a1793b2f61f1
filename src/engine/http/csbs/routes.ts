import type { EngineContext } from "../../context.js";
import { csbsServices, DEMO_USER } from "../../domain/csbs/services.js";
import type { Router } from "../router.js";
import { registerCheckpointRoutes } from "./checkpoint-routes.js";
import { renderError } from "./errors.js";
import { v1Adder } from "./handler.js";
import { registerKarborRoutes } from "./karbor-routes.js";
import { registerKeystone } from "./keystone.js";
import { registerPolicyRoutes } from "./policy-routes.js";
import { registerRestoreRoutes } from "./restore-routes.js";

/**
 * Registers Keystone v3 (`/v3`), the CSBS API and Karbor's native plan/checkpoint/provider/restore routes
 * (`/v1/{project_id}`). With `ctx.options.demo`, makes sure the demo user `demo`/`password` (project `demo`,
 * domain `Default`) exists — idempotently, so a restarted engine keeps everything it had.
 */
export async function registerCsbs(router: Router, ctx: EngineContext): Promise<void> {
  const services = csbsServices(ctx);
  if (ctx.options.demo) services.identity.ensureUser(DEMO_USER);

  registerKeystone(router, services.identity);
  const add = v1Adder(router, services.identity);
  registerPolicyRoutes(add, services);
  registerCheckpointRoutes(add, services);
  registerKarborRoutes(add, services, ctx.inventory);
  registerRestoreRoutes(add, services);

  router.fallback("/v1", (req, allowed) =>
    renderError(
      allowed.length > 0
        ? { status: 405, code: "APIGW.0101", message: `${req.method} is not allowed on ${req.path} (allowed: ${allowed.join(", ")})` }
        : { status: 404, code: "APIGW.0101", message: `The API does not exist: ${req.method} ${req.path}` },
      "shared",
    ),
  );
  router.fallback("/v3", (req, allowed) =>
    renderError(
      allowed.length > 0
        ? { status: 405, code: "", message: `${req.method} is not allowed on ${req.path}` }
        : { status: 404, code: "", message: `Could not find ${req.path}.` },
      "keystone",
    ),
  );
}
