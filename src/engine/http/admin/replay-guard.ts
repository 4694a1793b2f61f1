/**
 * One-time use of AccessKey signatures for requests that change data. ZStack's AccessKey signature covers the
 * method, the `Date` header and the path only — not the query or the body — and stays valid for the clock-skew
 * window (15 minutes), so a captured request could be sent again, or with another body. The engine's admin
 * routes that change data accept each signature once: a replay within the window is refused, and after the
 * window the `Date` check refuses it anyway. Legitimate clients sign every request afresh (a new `Date` each
 * second; two changes within one second to the same path need distinct seconds). What this does not stop —
 * an active man-in-the-middle who blocks the original and sends his own body under its signature — needs TLS
 * (docs/security.md).
 */
export class ReplayGuard {
  /** Signature → when it stops mattering (its `Date` plus the window), oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** Records the signature; false when it was already used within its window. */
  accept(signature: string, dateMs: number, now: number): boolean {
    this.sweep(now);
    const until = this.seen.get(signature);
    if (until !== undefined && until > now) return false;
    this.seen.set(signature, dateMs + this.windowMs);
    // Bounded: past the cap the oldest entries go first (their window is nearly over).
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  private sweep(now: number): void {
    for (const [sig, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(sig);
    }
  }
}
