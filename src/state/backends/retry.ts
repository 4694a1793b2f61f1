/**
 * The retry rule of hashicorp/go-retryablehttp, which Terraform's http backend uses: retry a request whose
 * connection failed or whose answer is 429 or a 5xx other than 501, at most `retryMax` times, waiting
 * `min * 2^attempt` seconds capped at `max` (or the server's `Retry-After` on 429/503).
 */

export interface RetryPolicy {
  retryMax: number;
  waitMinMs: number;
  waitMaxMs: number;
}

/** Whether an answer with this status is worth another attempt. */
export function retryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501) || status === 0;
}

/** Milliseconds to wait before attempt `attempt + 1` (attempt counts from 0). */
export function backoffMs(policy: RetryPolicy, attempt: number, status?: number, retryAfter?: string): number {
  if ((status === 429 || status === 503) && retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    return Number(retryAfter.trim()) * 1000;
  }
  const wait = policy.waitMinMs * 2 ** attempt;
  return Math.min(wait, policy.waitMaxMs);
}
