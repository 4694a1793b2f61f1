import { setTimeout as sleep } from "node:timers/promises";

/**
 * A token bucket limiting a byte stream to `bytesPerSecond`, with a burst of one second's worth (at least one
 * request's size, so a single large read is never refused). `take(n)` resolves when `n` bytes may pass.
 * A rate of undefined, 0 or less means unlimited. `now` is injectable for tests.
 */
export class Throttle {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly bytesPerSecond: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.limited ? bytesPerSecond! : 0;
    this.last = this.now();
  }

  get limited(): boolean {
    return this.bytesPerSecond !== undefined && this.bytesPerSecond > 0;
  }

  /** Waits until `n` bytes fit the rate; callers are served in order. Rejects when `signal` aborts. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.limited || n <= 0) return Promise.resolve();
    const next = this.queue.then(() => this.wait(n, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async wait(n: number, signal: AbortSignal | undefined): Promise<void> {
    const rate = this.bytesPerSecond!;
    const burst = Math.max(rate, n);
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(burst, this.tokens + ((t - this.last) / 1000) * rate);
      this.last = t;
      if (this.tokens >= n) {
        this.tokens -= n;
        return;
      }
      // Re-checked at least every second: a very low rate must not overflow the timer, and the clock may jump.
      const ms = Math.min(1000, Math.max(1, Math.ceil(((n - this.tokens) / rate) * 1000)));
      try {
        await sleep(ms, undefined, signal ? { signal } : undefined);
      } catch (e) {
        throw signal?.aborted ? signal.reason : e;
      }
    }
  }
}

/** Waits on every throttle in turn: the slowest limit wins. */
export async function takeAll(throttles: readonly Throttle[], n: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  for (const t of throttles) await t.take(n, signal);
}
