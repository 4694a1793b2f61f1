import type { EngineContext } from "../../context.js";
import { engineServices, startBackgroundWork } from "../../domain/services.js";
import type { Router } from "../router.js";
import { ZSTACK, type Api } from "./api.js";
import { registerBackupRoutes } from "./backup-routes.js";
import { registerCdpRoutes } from "./cdp-routes.js";
import { registerInventoryRoutes } from "./inventory-routes.js";
import { registerJobRoutes } from "./job-routes.js";
import { registerSchedulerRoutes } from "./scheduler-routes.js";
import { nodeZoneOf, zoneOffsetMinutes } from "./request-date.js";
import { registerVolumeBackupRoutes } from "./volume-backup-routes.js";
import { registerSessionRoutes } from "./session-routes.js";

/** Registers the ZStack Cloud API under /zstack/v1 (sessions, async jobs, inventory, CDP, VM and volume backups, schedulers). */
export async function registerZStack(router: Router, ctx: EngineContext): Promise<void> {
  const api: Api = { router, ctx, services: engineServices(ctx) };
  await startBackgroundWork(ctx, api.services);
  // Cron triggers read the management node's wall clock, the zone AccessKey dates are compared in.
  const zone = nodeZoneOf(ctx.options.timeZone);
  api.services.backupScheduler.start((at) => zoneOffsetMinutes(zone, at));
  registerSessionRoutes(api);
  registerJobRoutes(api);
  registerInventoryRoutes(api);
  registerCdpRoutes(api);
  registerBackupRoutes(api);
  registerVolumeBackupRoutes(api);
  registerSchedulerRoutes(api);
  // What the real RestServer answers for unmapped URLs and wrong methods.
  router.fallback("/zstack", (req, allowed) =>
    allowed.length
      ? { status: 405, headers: { allow: allowed.join(", ") }, text: `the method ${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(", ")}` }
      : { status: 404, text: `no api mapping to ${req.path.startsWith(ZSTACK) ? req.path.slice("/zstack".length) : req.path}` },
  );
}
