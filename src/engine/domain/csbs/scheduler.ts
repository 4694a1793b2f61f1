import type { Clock } from "../clock.js";
import type { Checkpoints } from "./checkpoints.js";
import { CsbsError } from "./errors.js";
import type { Policies, Policy, ScheduledOperation } from "./policies.js";
import { nextOccurrence, parseTriggerPattern } from "./trigger-pattern.js";

const DAY_MS = 86_400_000;

/**
 * Runs the scheduled operations of `started` policies: at each trigger time an enabled operation executes its
 * policy (auto_trigger, `created_by: operation-engine`), then the policy's retention rules drop the oldest
 * automatic checkpoints (`max_backups`: keep that many; `retention_duration_days`: keep that long; `permanent`
 * keeps all), again whenever an automatic checkpoint completes. Trigger times are UTC. Times missed while the engine was down are not caught up, like CSBS.
 */
export class PolicyScheduler {
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly policies: Policies,
    private readonly checkpoints: Checkpoints,
    private readonly clock: Clock,
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
      try {
        this.tick();
      } catch (e) {
        // A timer callback must never take the engine down; the next tick tries again.
        console.error("backplan engine: csbs scheduler tick failed", e);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Fires every operation whose next trigger time after the previous tick is not after now, then applies
   * retention. Returns the ids of the checkpoints it started. Never throws: a policy that cannot run now
   * (already executing, VM gone) is skipped until its next trigger time.
   */
  tick(): string[] {
    const now = this.clock.now();
    const since = this.lastTick;
    this.lastTick = now;
    const started: string[] = [];
    for (const policy of this.policies.all.all()) {
      if (policy.status !== "started") continue;
      for (const op of policy.scheduledOperations) {
        if (!op.enabled || !isDue(op, since, now)) continue;
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

function isDue(op: ScheduledOperation, since: number, now: number): boolean {
  const parsed = parseTriggerPattern(op.trigger.pattern);
  return parsed.ok && nextOccurrence(parsed.rule, since) <= now;
}
