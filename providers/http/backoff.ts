/** How a client spaces out repeated attempts (transport retries, job polls, status waits). */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number;
  /** Upper bound of any single delay, in ms. */
  readonly maxMs: number;
  /** Growth per attempt (2 = doubling). */
  readonly factor: number;
  /** 0 = no jitter; 1 = "full jitter" (uniform in [0, delay]); between: that fraction of the delay is random. */
  readonly jitter: number;
}

export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 5_000, factor: 2, jitter: 1 };
export const POLL_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 2_000, factor: 1.5, jitter: 0.2 };

/**
 * Delay before attempt `attempt + 1` (attempt 0 is the first retry). Pure: `random` in [0, 1) is passed in.
 * Promises 0 ≤ result ≤ maxMs, and without jitter a non-decreasing sequence capped at maxMs.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * Math.pow(policy.factor, Math.max(0, attempt)));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(exp * (1 - jitter) + exp * jitter * random);
}

/**
 * Parses a `Retry-After` header (seconds or an HTTP date) into ms from `now`; undefined when absent or invalid.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      done();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      fail(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
