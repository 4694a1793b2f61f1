/** The time budget of one provider operation, as derived from the sdk's OpContext. */
export interface Deadline {
  /** Aborts when the caller cancels or the budget is spent. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Epoch ms at which the budget is spent. */
  readonly expiresAt: number;
  /** The caller's own signal, to tell a cancellation from a timeout. */
  readonly callerSignal?: AbortSignal;
  /**
   * The timeout signal `signal` is composed from, held for as long as the deadline is: Node 20's
   * `AbortSignal.any` holds its sources weakly, so a timeout signal nothing else references is collected and
   * the composed signal never aborts (the operation then outlives its timeout).
   */
  readonly timer?: AbortSignal;
}

/**
 * A deadline from an operation context: aborts on the caller's signal or after `timeoutMs`, whichever comes
 * first. The provider enforces the timeout itself so it holds even when the caller's signal never fires.
 */
export function deadlineOf(ctx: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Deadline {
  const timeoutMs = Math.max(1, ctx.timeoutMs);
  const timer = AbortSignal.timeout(timeoutMs);
  return {
    signal: ctx.signal ? AbortSignal.any([ctx.signal, timer]) : timer,
    timeoutMs,
    expiresAt: Date.now() + timeoutMs,
    timer,
    ...(ctx.signal ? { callerSignal: ctx.signal } : {}),
  };
}

/** True when the deadline ended because the caller cancelled rather than because time ran out. */
export function wasCancelled(d: Deadline): boolean {
  return d.callerSignal?.aborted === true && Date.now() < d.expiresAt;
}
