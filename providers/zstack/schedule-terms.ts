import { longestCronGapMs, parseQuartzCron } from "../../src/schedule/quartz-cron.js";

/** A fixed start for reading a cron schedule's rhythm, so facts stay pure (the same attributes, the same RPO). */
const REFERENCE = Date.UTC(2026, 0, 1);

/**
 * The protection terms a scheduler trigger lends the backup jobs it runs: its RPO is the longest wait between
 * firings (the interval of a simple trigger; a cron's worst gap, weekends included), and the backups it makes
 * are kept until deleted (ZStack's scheduler does not expire them).
 */
export function scheduleTerms(t: { scheduler_type: string | null; scheduler_interval: number | null; cron: string | null }): { rpoSeconds: number | null; retentionDays: number } {
  if (t.scheduler_type === "simple") return { rpoSeconds: t.scheduler_interval, retentionDays: Infinity };
  const parsed = t.cron ? parseQuartzCron(t.cron) : undefined;
  const gap = parsed?.ok ? longestCronGapMs(parsed.schedule, REFERENCE) : undefined;
  return { rpoSeconds: gap === undefined ? null : gap / 1000, retentionDays: Infinity };
}
