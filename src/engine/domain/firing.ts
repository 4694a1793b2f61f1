/**
 * Which firing of a schedule a tick runs. Every node ticks on its own, over its own windows of time; for the
 * nodes to agree on *one* firing, a tick names the firing by its scheduled time — the latest one in the tick's
 * window — and claims that name once cluster-wide (`Cluster.claimOnce`). Several firings missed within one
 * window are run once, as before.
 */

/** Steps taken at most when walking firings across a long window (a clock jump); the last one reached is run. */
const MAX_STEPS = 10_000;

/**
 * The latest firing in (since, now] of a schedule whose `next(after)` gives its first firing strictly after a
 * time (undefined when it never fires again), or undefined when none falls in the window.
 */
export function latestFiringBetween(next: (after: number) => number | undefined, since: number, now: number): number | undefined {
  let at = next(since);
  if (at === undefined || at > now) return undefined;
  for (let i = 0; i < MAX_STEPS; i++) {
    const after = next(at);
    if (after === undefined || after > now || after <= at) return at;
    at = after;
  }
  return at;
}

/** The name a firing is claimed under: the schedule's id and the firing's time (epoch ms). */
export function firingKey(scheduleId: string, at: number): string {
  return `${scheduleId}@${at}`;
}
