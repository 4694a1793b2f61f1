import type { EngineContext } from "../../context.js";
import type { Router } from "../router.js";

/** Registers the zstack routes. (Filled in by the zstack API work.) */
export async function registerZStack(_router: Router, _ctx: EngineContext): Promise<void> {}
