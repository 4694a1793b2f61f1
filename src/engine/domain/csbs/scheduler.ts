import type { Cluster } from "../../cluster/cluster.js";
import type { Clock } from "../clock.js";
import { firingKey, latestFiringBetween } from "../firing.js";
import type { Checkpoints } from "./checkpoints.js";
import { CsbsError } from "./errors.js";
import type { Policies, Policy, ScheduledOperation } from "./policies.js";
import { nextOccurrence, parseTriggerPattern } from "./trigger-pattern.js";

const DAY_MS = 86_400_000;

/** Claim scope of a scheduled operation's firing (firing.ts). */
const FIRING_SCOPE = "csbs-operation";

/**
 * Runs the scheduled operations of `started` policies: at each trigger time an enabled operation executes its
 * policy (auto_trigger, `created_by: operation-engine`), then the policy's retention rules drop the oldest
 * automatic checkpoints (`max_backups`: keep that many; `retention_duration_days`: keep that long; `permanent`
 * keeps all), again whenever an automatic checkpoint completes. Trigger times are UTC. Times missed while the engine was down are not caught up, like CSBS.
 *
 * With several nodes, each firing (operation, trigger time) is claimed once cluster-wide and executed by the node
 * that claimed it; a node that dies while the checkpoint runs does not get it run again (the firing is lost like
 * one missed while the engine is down).
 */
export class PolicyScheduler {
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any. */
  private ticking: Promise<unknown> | undefined;

  constructor(
    private readonly policies: Policies,
    private readonly checkpoints: Checkpoints,
    private readonly clock: Clock,
    private readonly cluster: Pick<Cluster, "claimOnce">,
    /** Brings the policies and checkpoints up to date with what other nodes wrote, before each tick. */
    private readonly refresh: () => Promise<void> = async () => undefined,
  ) {
    this.lastTick = clock.now();
    // Retention counts available checkpoints, so it is applied again as soon as an automatic one completes.
    checkpoints.onSettled((cp) => {
      const policy = cp.autoTrigger ? policies.all.get(cp.planId) : undefined;
      if (policy) this.applyRetention(policy, clock.now());
    });
  }

  /** Ticks every `intervalMs` of wall time (the clock decides what time it is). */
  start(intervalMs = 5000): void {
    this.timer ??= setInterval(() => {
      // A tick still claiming its firings (a slow database) is not overlapped; the next one covers the window.
      if (this.ticking) return;
      this.ticking = this.tick()
        // A timer callback must never take the engine down; the next tick tries again.
        .catch((e: unknown) => console.error("backplan engine: csbs scheduler tick failed", e))
        .finally(() => (this.ticking = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops ticking; resolves once a tick in progress has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /**
   * Fires every operation with a trigger time in (previous tick, now] that no other node claimed, then applies
   * retention. Returns the ids of the checkpoints it started. Rejects only when the claim cannot be made (the
   * database is unreachable): a policy that cannot run now (already executing, VM gone) is skipped until its
   * next trigger time.
   */
  async tick(): Promise<string[]> {
    await this.refresh();
    const now = this.clock.now();
    const since = this.lastTick;
    this.lastTick = now;
    const started: string[] = [];
    for (const policy of this.policies.all.all()) {
      if (policy.status !== "started") continue;
      for (const op of policy.scheduledOperations) {
        const at = op.enabled ? dueAt(op, since, now) : undefined;
        if (at === undefined || !(await this.cluster.claimOnce(FIRING_SCOPE, firingKey(`${policy.uuid}/${op.id}`, at)))) continue;
        try {
          const cp = this.checkpoints.execute(
            policy.projectId,
            policy.providerId,
            { planId: policy.uuid, autoTrigger: true, extraInfo: { created_by: "operation-engine", trigger_id: op.trigger.id } },
            { providerId: "provider_id", planId: "plan_id", resources: "resources" },
          );
          started.push(cp.uuid);
        } catch (e) {
          if (!(e instanceof CsbsError)) throw e;
        }
      }
      this.applyRetention(policy, now);
    }
    return started;
  }

  private applyRetention(policy: Policy, now: number): void {
    const def = policy.scheduledOperations[0]?.definition;
    if (!def || def.permanent) return;
    const auto = this.checkpoints
      .list(policy.projectId)
      .filter((c) => c.planId === policy.uuid && c.autoTrigger && c.status === "available")
      .sort((a, b) => b.createdAt - a.createdAt);
    const expired = new Set<string>();
    if (def.maxBackups !== undefined && def.maxBackups > 0) for (const c of auto.slice(def.maxBackups)) expired.add(c.uuid);
    if (def.retentionDurationDays !== undefined && def.retentionDurationDays > 0) {
      for (const c of auto) if (now - c.createdAt > def.retentionDurationDays * DAY_MS) expired.add(c.uuid);
    }
    for (const id of expired) {
      try {
        this.checkpoints.delete(policy.projectId, policy.providerId, id);
      } catch (e) {
        if (!(e instanceof CsbsError)) throw e;
      }
    }
  }
}

/** The operation's latest trigger time in (since, now], if any. */
function dueAt(op: ScheduledOperation, since: number, now: number): number | undefined {
  const parsed = parseTriggerPattern(op.trigger.pattern);
  return parsed.ok ? latestFiringBetween((after) => nextOccurrence(parsed.rule, after), since, now) : undefined;
}
