import type { Cluster, ClusterBounds } from "./cluster.js";
import { EmbeddedCluster } from "./embedded-cluster.js";
import { advertiseUrlOf, defaultAdvertiseUrl, nodeIdOf, NodeIdentityError } from "./node-identity.js";
import { PostgresCluster } from "./pg-cluster.js";

export interface ClusterSettings {
  /** `postgres://...`: the shared metadata database; absent: the embedded engine, a cluster of one. */
  metadata?: string;
  nodeName?: string;
  advertiseUrl?: string;
  bounds?: Partial<ClusterBounds>;
  /** The host the node listens on (to refuse a wildcard address no other node could reach, before connecting). */
  listenHost: string;
}

/**
 * The cluster this node belongs to: PostgresCluster on the `metadata` database (tables created when absent), or
 * the EmbeddedCluster without one. Rejects, naming the setting, on a bad node name or advertise URL, and when
 * the database cannot be reached.
 */
export async function openCluster(s: ClusterSettings): Promise<Cluster> {
  const nodeId = nodeIdOf(s.nodeName);
  const advertiseUrl = s.advertiseUrl === undefined ? undefined : advertiseUrlOf(s.advertiseUrl);
  if (s.metadata === undefined) {
    // Meaningless for one node: refused rather than ignored, so a node meant to join a cluster does not run alone.
    if (s.nodeName !== undefined) throw new NodeIdentityError("node-name", "--node-name names one of several engine nodes sharing --metadata postgres://...; without --metadata the engine is one node");
    if (advertiseUrl !== undefined) throw new NodeIdentityError("advertise-url", "--advertise-url tells other engine nodes sharing --metadata postgres://... where this one is; without --metadata there are none");
    return new EmbeddedCluster();
  }
  if (advertiseUrl === undefined) defaultAdvertiseUrl(`http://${s.listenHost.includes(":") ? `[${s.listenHost}]` : s.listenHost}:0`);
  return PostgresCluster.open({
    connectionString: s.metadata,
    nodeId,
    ...(advertiseUrl !== undefined ? { advertiseUrl } : {}),
    ...(s.bounds ? { bounds: s.bounds } : {}),
  });
}
