import { backoffDelay, POLL_BACKOFF, sleep, type BackoffPolicy } from "./backoff.js";
import type { Deadline } from "./deadline.js";

/**
 * Polls until `isDone` holds for the polled value, backing off between polls, and resolves to that value.
 * When the deadline passes (or the caller cancels) first, rejects with `onTimeout(last value seen)`, so the
 * error can say what state the object was stuck in. Errors from `poll` propagate unchanged.
 */
export async function waitUntil<T>(
  d: Deadline,
  poll: () => Promise<T>,
  isDone: (value: T) => boolean,
  onTimeout: (last: T | undefined) => Error,
  policy: BackoffPolicy = POLL_BACKOFF,
): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      last = await poll();
    } catch (e) {
      if (d.signal.aborted) throw onTimeout(last);
      throw e;
    }
    if (isDone(last)) return last;
    try {
      await sleep(backoffDelay(policy, attempt, Math.random()), d.signal);
    } catch {
      throw onTimeout(last);
    }
  }
}
