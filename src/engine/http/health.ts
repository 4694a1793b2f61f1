import type { Router } from "./router.js";

export const HEALTH = "/engine/v1/health";

/**
 * `GET /engine/v1/health`: 200 once every route is registered, without authentication, for load balancers'
 * health checks (HAProxy `option httpchk`, nginx `health_check`) and process supervisors. It says nothing about
 * the lab's content, so it needs no credential.
 */
export function registerHealth(router: Router): void {
  router.add("GET", HEALTH, () => ({ status: 200, json: { status: "ok" } }));
}
