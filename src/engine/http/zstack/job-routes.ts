import { ZSTACK, type Api } from "./api.js";
import { zstackError } from "./errors.js";
import { assertNever } from "../../domain/never.js";

/**
 * Polling of asynchronous jobs, as ZStack's RestServer answers it: 202 `{}` while running, 200 with the result,
 * 503 `{"error": ...}` on failure, 404 once the job expired (or never existed). The job uuid is the capability:
 * no session is needed, so a client whose session expired during a long job still learns its outcome.
 */
export function registerJobRoutes(api: Api): void {
  api.router.add("GET", `${ZSTACK}/api-jobs/:uuid`, (req) => {
    const job = api.services.jobs.get(req.params.uuid!);
    if (!job) return { status: 404, text: "the job has been expired" };
    switch (job.status) {
      case "running":
        return { status: 202, json: {} };
      case "succeeded":
        return { status: 200, json: job.result };
      case "failed":
        return { status: 503, json: { error: zstackError(job.error) } };
      default:
        return assertNever(job);
    }
  });
}
