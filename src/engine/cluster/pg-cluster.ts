import { randomBytes } from "node:crypto";
import pg from "pg";
import { checkBounds, DEFAULT_BOUNDS, LEASE_TRUST, LeaseTimeout, type Cluster, type ClusterBounds, type ClusterNode, type HeldLease, type NodeIdentity } from "./cluster.js";
import { defaultAdvertiseUrl, NodeIdentityError } from "./node-identity.js";
import { ensureClusterSchema, STARTUP_LOCK } from "./pg-schema.js";

export interface PostgresClusterOptions {
  /** `postgres://...` of the engine's metadata database. */
  connectionString: string;
  /** This node's id (node-identity.ts). */
  nodeId: string;
  /** `--advertise-url`, checked; absent: the listen URL given to `ready`. */
  advertiseUrl?: string;
  bounds?: Partial<ClusterBounds>;
}

/** Claims and dead node rows older than this are deleted (a firing a week old never fires again anyway). */
const KEEP_CLAIMS = "7 days";
const PRUNE_EVERY_MS = 3_600_000;

interface Held {
  readonly name: string;
  readonly epoch: number;
  readonly onLost: (reason: string) => Promise<void>;
  /** Monotonic time until which this node may act as holder. */
  trustedUntil: number;
  fence: NodeJS.Timeout | undefined;
  /**
   * held: in use; handing-over: its user is stopping (onLost) and it is still renewed meanwhile, so nobody else
   * takes it before the user stopped; gone: given back, or not renewable any more.
   */
  state: "held" | "handing-over" | "gone";
}

const ms = (n: number) => `${n} ms`;

/**
 * The cluster on a PostgreSQL database (cluster.ts says what each method promises; pg-schema.ts has the
 * tables). Every time comparison is done by the database (`now()`); a node's own view of its heartbeat and
 * leases is kept on its monotonic clock, counted from when each successful write was *sent*, so it always ends
 * before the database's view does.
 */
export class PostgresCluster implements Cluster {
  readonly shared = true;
  readonly self: NodeIdentity;
  readonly bounds: ClusterBounds;
  private readonly pool: pg.Pool;
  private readonly incarnation = randomBytes(8).toString("hex");
  private key: Buffer | undefined;
  private startup: pg.PoolClient | undefined;
  private readonly leases = new Map<string, Held>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set when another process took this node's row: the node is dead to the cluster for good. */
  private fenced = false;
  /** Bumped whenever this node may have looked dead to the others (a heartbeat gap over the bound). */
  private generation = 0;
  private lastBeatSent = -Infinity;
  private lastPrune = -Infinity;

  private constructor(opts: PostgresClusterOptions) {
    this.bounds = checkBounds({ ...DEFAULT_BOUNDS, ...opts.bounds });
    this.self = { id: opts.nodeId, url: opts.advertiseUrl };
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: 4,
      // A database that does not answer within the dead bound is as good as gone: fail the call, not hang it.
      connectionTimeoutMillis: this.bounds.deadAfterMs,
      query_timeout: this.bounds.deadAfterMs,
    });
    // An idle client's connection dropping must not take the process down; the next query reconnects.
    this.pool.on("error", (e) => console.error(`backplan engine: cluster database connection lost: ${e.message}`));
  }

  /** Connects and creates the cluster's tables when absent. Rejects when the database cannot be reached. */
  static async open(opts: PostgresClusterOptions): Promise<PostgresCluster> {
    const cluster = new PostgresCluster(opts);
    try {
      await ensureClusterSchema(cluster.pool);
    } catch (e) {
      await cluster.pool.end().catch(() => undefined);
      throw e;
    }
    return cluster;
  }

  async join(): Promise<{ alone: boolean }> {
    const client = await this.pool.connect();
    try {
      await this.takeStartupLock(client);
      const sent = performance.now();
      const joined = await client.query(
        `INSERT INTO backplan_cluster_nodes AS n (node_id, incarnation, url) VALUES ($1, $2, $3)
         ON CONFLICT (node_id) DO UPDATE SET incarnation = EXCLUDED.incarnation, url = EXCLUDED.url, started_at = now(), heartbeat_at = now()
         WHERE n.heartbeat_at <= now() - $4::interval
         RETURNING node_id`,
        [this.self.id, this.incarnation, this.self.url ?? null, ms(this.bounds.deadAfterMs)],
      );
      if (joined.rowCount !== 1) {
        const other = await client.query<{ url: string | null; age: number }>(
          "SELECT url, (extract(epoch FROM now() - heartbeat_at) * 1000)::int AS age FROM backplan_cluster_nodes WHERE node_id = $1",
          [this.self.id],
        );
        const row = other.rows[0];
        throw new NodeIdentityError(
          "node-name",
          `node name "${this.self.id}" is used by a live node${row?.url ? ` at ${row.url}` : ""} (heartbeat ${row?.age ?? 0} ms ago): give this node another --node-name, or start it once that node has been stopped for ${this.bounds.deadAfterMs / 1000} s`,
        );
      }
      this.lastBeatSent = sent;
      const others = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM backplan_cluster_nodes WHERE node_id <> $1 AND heartbeat_at > now() - $2::interval",
        [this.self.id, ms(this.bounds.deadAfterMs)],
      );
      const secret = await client.query<{ key: Buffer }>("SELECT key FROM backplan_cluster_secret WHERE id = 1");
      this.key = secret.rows[0]!.key;
      await this.prune();
      this.startup = client;
      this.scheduleHeartbeat();
      this.scheduleRenewal();
      return { alone: others.rows[0]!.n === 0 };
    } catch (e) {
      // Closing the session drops the start-up lock with it.
      client.release(true);
      throw e;
    }
  }

  /**
   * Waits for the start-up lock as long as another node takes to start (polled: a blocking wait would hit the
   * query timeout), saying so every 10 s.
   */
  private async takeStartupLock(client: pg.PoolClient): Promise<void> {
    const began = performance.now();
    let said = began;
    for (;;) {
      const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [STARTUP_LOCK]);
      if (r.rows[0]!.ok) return;
      if (performance.now() - said > 10_000) {
        said = performance.now();
        console.error(`backplan engine: node "${this.self.id}" waits for another node to finish starting (${Math.round((said - began) / 1000)} s so far)`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async ready(listenUrl: string): Promise<void> {
    if (this.self.url === undefined) {
      this.self.url = defaultAdvertiseUrl(listenUrl);
      await this.pool.query("UPDATE backplan_cluster_nodes SET url = $3 WHERE node_id = $1 AND incarnation = $2", [this.self.id, this.incarnation, this.self.url]);
    }
    const client = this.startup;
    this.startup = undefined;
    if (client) {
      await client.query("SELECT pg_advisory_unlock($1)", [STARTUP_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.renewTimer);
    const names = [...this.leases.values()].map((h) => {
      h.state = "gone";
      clearTimeout(h.fence);
      return h.name;
    });
    this.leases.clear();
    this.startup?.release(true);
    this.startup = undefined;
    try {
      if (names.length) await this.pool.query("UPDATE backplan_cluster_leases SET expires_at = now() WHERE node_id = $1 AND name = ANY($2)", [this.self.id, names]);
      await this.pool.query("DELETE FROM backplan_cluster_nodes WHERE node_id = $1 AND incarnation = $2", [this.self.id, this.incarnation]);
    } catch (e) {
      // The others see this node die by its heartbeat instead; its leases expire on their own.
      console.error(`backplan engine: could not unregister node "${this.self.id}": ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await this.pool.end();
    }
  }

  async liveNodes(): Promise<ClusterNode[]> {
    const r = await this.pool.query<{ node_id: string; url: string | null }>(
      "SELECT node_id, url FROM backplan_cluster_nodes WHERE heartbeat_at > now() - $1::interval ORDER BY node_id",
      [ms(this.bounds.deadAfterMs)],
    );
    return r.rows.map((row) => ({ id: row.node_id, url: row.url ?? undefined }));
  }

  async claimOnce(scope: string, key: string): Promise<boolean> {
    const r = await this.pool.query(
      "INSERT INTO backplan_cluster_claims (scope, key, node_id, incarnation) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING",
      [scope, key, this.self.id, this.incarnation],
    );
    return r.rowCount === 1;
  }

  async claimUntilDone(scope: string, key: string): Promise<boolean> {
    // On a conflict the row is locked and the WHERE re-checked on its newest version: of two nodes taking over
    // the same dead claimer's claim, the second sees the first (live) as claimer and gets nothing.
    const r = await this.pool.query(
      `INSERT INTO backplan_cluster_claims AS c (scope, key, node_id, incarnation) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, key) DO UPDATE SET node_id = EXCLUDED.node_id, incarnation = EXCLUDED.incarnation, claimed_at = now()
       WHERE c.done_at IS NULL
         AND c.incarnation <> EXCLUDED.incarnation
         AND NOT EXISTS (SELECT 1 FROM backplan_cluster_nodes n
                         WHERE n.node_id = c.node_id AND n.incarnation = c.incarnation AND n.heartbeat_at > now() - $5::interval)`,
      [scope, key, this.self.id, this.incarnation, ms(this.bounds.deadAfterMs)],
    );
    return r.rowCount === 1;
  }

  async completeClaim(scope: string, key: string): Promise<void> {
    await this.pool.query("UPDATE backplan_cluster_claims SET done_at = now() WHERE scope = $1 AND key = $2 AND incarnation = $3", [scope, key, this.incarnation]);
  }

  async tryLease(name: string, onLost: (reason: string) => Promise<void>): Promise<HeldLease | undefined> {
    const mine = this.leases.get(name);
    // Being given back, or past its local deadline (about to be lost): not this caller's.
    if (mine) return mine.state === "held" && performance.now() < mine.trustedUntil ? this.handle(mine) : undefined;
    if (this.closed || !this.stillLive(this.generation)) return undefined;
    const sent = performance.now();
    // Free, or expired; and not reserved for another live node that asked for it (requestLease).
    const r = await this.pool.query<{ epoch: string }>(
      `INSERT INTO backplan_cluster_leases AS l (name, node_id, epoch, expires_at) VALUES ($1, $2, 1, now() + $3::interval)
       ON CONFLICT (name) DO UPDATE SET node_id = EXCLUDED.node_id, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at,
         wanted_by = CASE WHEN l.wanted_by = EXCLUDED.node_id THEN NULL ELSE l.wanted_by END
       WHERE l.expires_at <= now()
         AND (l.wanted_by IS NULL OR l.wanted_by = EXCLUDED.node_id
              OR NOT EXISTS (SELECT 1 FROM backplan_cluster_nodes n WHERE n.node_id = l.wanted_by AND n.heartbeat_at > now() - $4::interval))
       RETURNING epoch`,
      [name, this.self.id, ms(this.bounds.leaseMs), ms(this.bounds.deadAfterMs)],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const held: Held = { name, epoch: Number(row.epoch), onLost, trustedUntil: 0, fence: undefined, state: "held" };
    this.leases.set(name, held);
    this.trust(held, sent);
    if (this.closed) {
      await this.giveBack(held);
      return undefined;
    }
    return this.handle(held);
  }

  async requestLease(name: string, onLost: (reason: string) => Promise<void>): Promise<HeldLease> {
    const waitMs = this.bounds.leaseMs * 3;
    const deadline = performance.now() + waitMs;
    const pause = Math.max(10, Math.min(100, Math.floor(this.bounds.leaseMs / 20)));
    for (;;) {
      const held = await this.tryLease(name, onLost);
      if (held) return held;
      // The holder sees the request at its next renewal, runs its onLost and gives the lease back.
      await this.pool.query("UPDATE backplan_cluster_leases SET wanted_by = $2 WHERE name = $1 AND node_id <> $2 AND expires_at > now()", [name, this.self.id]);
      if (performance.now() > deadline) throw new LeaseTimeout(name, (await this.leaseHolder(name))?.id, waitMs);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  async leaseHolder(name: string): Promise<ClusterNode | undefined> {
    const r = await this.pool.query<{ node_id: string; url: string | null }>(
      "SELECT l.node_id, n.url FROM backplan_cluster_leases l LEFT JOIN backplan_cluster_nodes n ON n.node_id = l.node_id WHERE l.name = $1 AND l.expires_at > now()",
      [name],
    );
    const row = r.rows[0];
    return row ? { id: row.node_id, url: row.url ?? undefined } : undefined;
  }

  livenessMark(): number {
    return this.generation;
  }

  stillLive(mark: number): boolean {
    return !this.fenced && mark === this.generation && performance.now() - this.lastBeatSent <= this.bounds.deadAfterMs;
  }

  forwardingKey(): Buffer {
    if (!this.key) throw new Error("the cluster key is read when the node joins");
    return this.key;
  }

  // ---- heartbeat

  private scheduleHeartbeat(): void {
    if (this.closed || this.fenced) return;
    this.heartbeatTimer = setTimeout(() => void this.beat().finally(() => this.scheduleHeartbeat()), this.bounds.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private async beat(): Promise<void> {
    const sent = performance.now();
    try {
      const r = await this.pool.query("UPDATE backplan_cluster_nodes SET heartbeat_at = now() WHERE node_id = $1 AND incarnation = $2", [this.self.id, this.incarnation]);
      if (this.closed) return;
      if (r.rowCount !== 1) return this.fence(`another process took over node name "${this.self.id}" after this one missed its heartbeat`);
      // The database's heartbeat gap is at most (this one done) − (the previous one sent): over the bound, the
      // others may have seen this node dead meanwhile.
      if (performance.now() - this.lastBeatSent > this.bounds.deadAfterMs) this.generation++;
      this.lastBeatSent = sent;
      if (performance.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
    } catch (e) {
      if (!this.closed) console.error(`backplan engine: node "${this.self.id}" could not write its heartbeat: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private fence(reason: string): void {
    this.fenced = true;
    console.error(`backplan engine: node "${this.self.id}" is no longer part of the cluster: ${reason}; restart it`);
    for (const held of [...this.leases.values()]) this.lose(held, reason, "gone");
  }

  private async prune(): Promise<void> {
    this.lastPrune = performance.now();
    await this.pool.query(`DELETE FROM backplan_cluster_claims WHERE claimed_at < now() - interval '${KEEP_CLAIMS}'`);
    await this.pool.query(`DELETE FROM backplan_cluster_nodes WHERE heartbeat_at < now() - interval '${KEEP_CLAIMS}'`);
  }

  // ---- leases

  private handle(held: Held): HeldLease {
    return {
      name: held.name,
      epoch: held.epoch,
      valid: () => held.state === "held" && performance.now() < held.trustedUntil,
      release: async () => {
        if (held.state === "gone") return;
        held.state = "gone";
        clearTimeout(held.fence);
        await this.giveBack(held);
      },
    };
  }

  /** Trusts the lease until LEASE_TRUST of its term after `sent`; past that it is lost unless renewed. */
  private trust(held: Held, sent: number): void {
    held.trustedUntil = sent + this.bounds.leaseMs * LEASE_TRUST;
    clearTimeout(held.fence);
    held.fence = setTimeout(() => this.lose(held, `its renewal failed for ${Math.round(this.bounds.leaseMs * LEASE_TRUST)} ms`, "gone"), Math.max(0, held.trustedUntil - performance.now()));
    held.fence.unref();
  }

  private scheduleRenewal(): void {
    if (this.closed) return;
    this.renewTimer = setTimeout(() => void this.renew().finally(() => this.scheduleRenewal()), Math.floor(this.bounds.leaseMs / 3));
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    const held = [...this.leases.values()].filter((h) => h.state !== "gone");
    if (held.length === 0 || this.fenced) return;
    if (!this.stillLive(this.generation)) {
      // The others may think this node dead: what it holds could be taken at any time.
      for (const h of held) this.lose(h, "this node missed its heartbeat", "gone");
      return;
    }
    const sent = performance.now();
    let rows: { name: string; wanted_by: string | null }[];
    try {
      const r = await this.pool.query<{ name: string; wanted_by: string | null }>(
        `UPDATE backplan_cluster_leases SET expires_at = now() + $3::interval
         WHERE node_id = $1 AND name = ANY($2) AND expires_at > now() RETURNING name, wanted_by`,
        [this.self.id, held.map((h) => h.name), ms(this.bounds.leaseMs)],
      );
      rows = r.rows;
    } catch (e) {
      if (!this.closed) console.error(`backplan engine: node "${this.self.id}" could not renew its leases: ${e instanceof Error ? e.message : String(e)}`);
      return; // each lease's fence timer decides
    }
    const renewed = new Map(rows.map((r) => [r.name, r.wanted_by]));
    for (const h of held) {
      if (h.state === "gone") continue;
      if (!renewed.has(h.name)) {
        this.lose(h, "it expired before it was renewed", "gone");
        continue;
      }
      this.trust(h, sent);
      const wanter = renewed.get(h.name);
      if (wanter) this.lose(h, `node "${wanter}" asked for it`, "handing-over");
    }
  }

  /**
   * Stops trusting the lease, lets its user stop (onLost), then gives it back. `handing-over`: it is still
   * renewed until then (a handover); `gone`: it cannot be (expired, renewal failing) and its fence timer is off.
   */
  private lose(held: Held, reason: string, next: "handing-over" | "gone"): void {
    if (held.state !== "held") {
      if (next === "gone" && held.state === "handing-over") {
        held.state = "gone";
        clearTimeout(held.fence);
      }
      return;
    }
    held.state = next;
    if (next === "gone") clearTimeout(held.fence);
    void held
      .onLost(reason)
      .catch((e: unknown) => console.error(`backplan engine: releasing ${held.name} failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        held.state = "gone";
        clearTimeout(held.fence);
        return this.giveBack(held);
      });
  }

  /** Expires the lease now (its epoch stays, so the next holder's is higher). Never rejects. */
  private async giveBack(held: Held): Promise<void> {
    if (this.leases.get(held.name) === held) this.leases.delete(held.name);
    if (this.closed) return;
    await this.pool
      .query("UPDATE backplan_cluster_leases SET expires_at = now() WHERE name = $1 AND node_id = $2 AND epoch = $3", [held.name, this.self.id, held.epoch])
      .catch(() => undefined); // unreachable database: the lease expires on its own
  }
}
