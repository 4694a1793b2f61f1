import type { CsbsClient } from "../../providers/csbs/client.js";
import { CSBS_PROVIDER_ID } from "../../providers/csbs/backup_policy.js";
import { deadlineOf } from "../../providers/http/deadline.js";
import { ApiCallError } from "./api.js";
import type { RecoveryPoint } from "./points.js";

type Json = Record<string, unknown>;
type CsbsPoint = Extract<RecoveryPoint, { kind: "csbs" }>;

const GiB = 1024 ** 3;
/** How long one CSBS call may take; restores are polled, each poll a call. */
const CALL_TIMEOUT_MS = 60_000;
const SERVER = "OS::Nova::Server";

/** Where a CSBS restore puts the new server, and how it is marked so clean-up finds it. */
export interface CsbsRestoreTarget {
  name: string;
  description: string;
  instanceOfferingUuid: string | null;
  l3NetworkUuids: string[];
}

/** The 32-hex form of a server id given in either OpenStack (dashed) or ZStack form. */
export function serverUuid(id: string): string {
  return id.toLowerCase().replace(/-/g, "");
}

/**
 * The CSBS calls of a restore test, through the csbs provider's client (Keystone, endpoint, retries): the
 * available backups (checkpoint items) of each server, and restores into new servers (`POST /restores`, polled
 * with `GET /restores/{id}`).
 */
export class CsbsRestoreApi {
  private items: Promise<Json[]> | null = null;

  constructor(private readonly client: CsbsClient) {}

  /** The server's available backups, from one listing per run. Sizes: CSBS reports whole GB per disk. */
  async points(vmUuid: string, signal: AbortSignal): Promise<CsbsPoint[]> {
    this.items ??= this.listAvailable(signal);
    return (await this.items)
      .filter((i) => typeof i["resource_id"] === "string" && serverUuid(i["resource_id"]) === vmUuid)
      .map((i) => {
        const info = (i["extend_info"] ?? {}) as Json;
        const volumes = (Array.isArray(info["volume_backups"]) ? info["volume_backups"] : []) as Json[];
        return {
          kind: "csbs",
          checkpointId: String(i["checkpoint_id"]),
          itemId: String(i["id"]),
          resourceId: String(i["resource_id"]),
          // CSBS prints UTC without a zone (`2016-12-06T21:20:29.898823`).
          time: Date.parse(`${String(i["created_at"]).slice(0, 23)}Z`),
          volumeSizes: volumes.map((v) => Number(v["source_volume_size"]) * GiB),
          sizeUnit: GiB,
        };
      });
  }

  /**
   * Restores the point into a new server and waits until CSBS says `success` (resolving to the new server's
   * 32-hex uuid) or `fail` (rejecting with CSBS's reason for the server, e.g. a corrupt chunk).
   */
  async restore(point: CsbsPoint, target: CsbsRestoreTarget, signal: AbortSignal): Promise<string> {
    const key = `${SERVER}#${point.resourceId}`;
    const options: Json = {
      restore_name: target.name,
      restore_description: target.description,
      ...(target.instanceOfferingUuid ? { instance_offering_uuid: target.instanceOfferingUuid } : {}),
      ...(target.l3NetworkUuids.length ? { l3_network_uuids: target.l3NetworkUuids } : {}),
    };
    const created = await this.call(signal, { method: "POST", path: "/restores", body: { restore: { provider_id: CSBS_PROVIDER_ID, checkpoint_id: point.checkpointId, parameters: { [key]: options } } } });
    const id = String(((created["restore"] ?? {}) as Json)["id"] ?? "");
    if (!id) throw new ApiCallError("POST /restores answered without a restore id");
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const r = ((await this.call(signal, { method: "GET", path: `/restores/${id}` }))["restore"] ?? {}) as Json;
      if (r["status"] === "success") {
        const server = ((r["restored_servers"] ?? {}) as Json)[key];
        if (typeof server !== "string") throw new ApiCallError(`restore ${id} succeeded without naming the server it created`);
        return serverUuid(server);
      }
      if (r["status"] !== "in_progress") {
        const reason = ((r["resources_reason"] ?? {}) as Json)[key];
        throw new ApiCallError(`CSBS restore ${id} ${String(r["status"])}: ${typeof reason === "string" ? reason : "no reason given"}`);
      }
      await new Promise((done) => setTimeout(done, delay));
      signal.throwIfAborted();
    }
  }

  private async listAvailable(signal: AbortSignal): Promise<Json[]> {
    const out: Json[] = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await this.call(signal, { method: "GET", path: "/checkpoint_items", query: { status: "available", limit: 1000, offset } });
      const page = (Array.isArray(r["checkpoint_items"]) ? r["checkpoint_items"] : []) as Json[];
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  private async call(signal: AbortSignal, c: Parameters<CsbsClient["call"]>[1]): Promise<Json> {
    try {
      return await this.client.call(deadlineOf({ timeoutMs: CALL_TIMEOUT_MS, signal }), c);
    } catch (e) {
      if (signal.aborted) throw e;
      throw new ApiCallError((e as Error).message);
    }
  }
}
