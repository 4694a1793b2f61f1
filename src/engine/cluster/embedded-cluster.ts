import { randomBytes } from "node:crypto";
import { DEFAULT_BOUNDS, type Cluster, type ClusterBounds, type ClusterNode, type HeldLease, type NodeIdentity } from "./cluster.js";

/**
 * The embedded engine's cluster of one: always alone, always live, every claim and every lease granted (a lease
 * is never lost). What the engine did before there were several nodes, behind the same interface.
 */
export class EmbeddedCluster implements Cluster {
  readonly shared: boolean = false;
  readonly self: NodeIdentity;
  readonly bounds: ClusterBounds = DEFAULT_BOUNDS;
  private readonly key = randomBytes(32);

  constructor(id = "embedded") {
    this.self = { id, url: undefined };
  }

  async join(): Promise<{ alone: boolean }> {
    return { alone: true };
  }

  async ready(listenUrl: string): Promise<void> {
    this.self.url = listenUrl;
  }

  async close(): Promise<void> {}

  async liveNodes(): Promise<ClusterNode[]> {
    return this.self.url ? [{ id: this.self.id, url: this.self.url }] : [];
  }

  async claimOnce(): Promise<boolean> {
    return true;
  }

  async claimUntilDone(): Promise<boolean> {
    return true;
  }

  async completeClaim(): Promise<void> {}

  async tryLease(name: string): Promise<HeldLease> {
    return { name, epoch: 1, valid: () => true, release: async () => undefined };
  }

  requestLease(name: string): Promise<HeldLease> {
    return this.tryLease(name);
  }

  async leaseHolder(): Promise<ClusterNode | undefined> {
    return undefined;
  }

  livenessMark(): number {
    return 0;
  }

  stillLive(): boolean {
    return true;
  }

  forwardingKey(): Buffer {
    return this.key;
  }
}
