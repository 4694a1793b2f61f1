import type { EngineContext } from "../../context.js";
import type { Router } from "../router.js";

/** Registers the csbs routes. (Filled in by the csbs API work.) */
export async function registerCsbs(_router: Router, _ctx: EngineContext): Promise<void> {}
