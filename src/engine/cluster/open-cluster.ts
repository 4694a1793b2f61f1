import type { Cluster, ClusterBounds } from "./cluster.js";
import { EmbeddedCluster } from "./embedded-cluster.js";
import { advertiseUrlOf, defaultAdvertiseUrl, nodeIdOf, NodeIdentityError } from "./node-identity.js";
import { PostgresCluster, type PostgresClusterOptions } from "./pg-cluster.js";

export interface ClusterSettings {
  /** `postgres://...`: the shared metadata database; absent: the embedded engine, a cluster of one. */
  metadata?: string;
  nodeName?: string;
  advertiseUrl?: string;
  bounds?: Partial<ClusterBounds>;
  /** The host the node listens on (to refuse a wildcard address no other node could reach). */
  listenHost: string;
}

/** Which cluster a node will belong to, its settings checked. */
export type ClusterPlan = { kind: "embedded" } | { kind: "postgres"; options: PostgresClusterOptions };

/**
 * Checks the settings without touching anything: throws NodeIdentityError, naming the setting, on a bad node
 * name or advertise URL, on either without `metadata` (one node has no use for them, and a node meant to join a
 * cluster must not quietly run alone), and on a wildcard listen address without an advertise URL.
 */
export function planCluster(s: ClusterSettings): ClusterPlan {
  const nodeId = nodeIdOf(s.nodeName);
  const advertiseUrl = s.advertiseUrl === undefined ? undefined : advertiseUrlOf(s.advertiseUrl);
  if (s.metadata === undefined) {
    if (s.nodeName !== undefined) throw new NodeIdentityError("node-name", "--node-name names one of several engine nodes sharing --metadata postgres://...; without --metadata the engine is one node");
    if (advertiseUrl !== undefined) throw new NodeIdentityError("advertise-url", "--advertise-url tells other engine nodes sharing --metadata postgres://... where this one is; without --metadata there are none");
    return { kind: "embedded" };
  }
  if (advertiseUrl === undefined) defaultAdvertiseUrl(`http://${s.listenHost.includes(":") ? `[${s.listenHost}]` : s.listenHost}:0`);
  return {
    kind: "postgres",
    options: { connectionString: s.metadata, nodeId, ...(advertiseUrl !== undefined ? { advertiseUrl } : {}), ...(s.bounds ? { bounds: s.bounds } : {}) },
  };
}

/** Opens the planned cluster: PostgreSQL (tables created when absent; rejects when unreachable) or embedded. */
export async function openCluster(plan: ClusterPlan): Promise<Cluster> {
  return plan.kind === "embedded" ? new EmbeddedCluster() : PostgresCluster.open(plan.options);
}
