import type { Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import { waitUntil } from "../http/wait.js";
import type { CsbsClient } from "./client.js";

/** Statuses in which a checkpoint or a backup is finished, successfully or not. */
export const SETTLED = new Set(["available", "error"]);

/**
 * Sends `DELETE path` until CSBS accepts it: a busy backup record is refused with 400/409 (Karbor: 500, which
 * is not retried) and asked again; 404 counts as done. Rejects with a timeout naming `what` at the deadline.
 */
export async function deleteWhenAccepted(client: CsbsClient, d: Deadline, path: string, query: Readonly<Record<string, string>> | undefined, what: string): Promise<void> {
  const full = await client.pathOf(d, path);
  await waitUntil(
    d,
    async () => {
      try {
        await client.call(d, { method: "DELETE", path, ...(query ? { query } : {}) });
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return true;
        if (e instanceof ApiError && (e.status === 400 || e.status === 409)) return false;
        throw e;
      }
    },
    (accepted) => accepted,
    () => client.timeout(d, "DELETE", full, `${what} is still busy and refuses deletion`),
  );
}
