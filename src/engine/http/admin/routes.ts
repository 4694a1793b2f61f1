import type { EngineContext } from "../../context.js";
import type { Router } from "../router.js";

/** Registers the admin routes. (Filled in by the admin API work.) */
export async function registerAdmin(_router: Router, _ctx: EngineContext): Promise<void> {}
