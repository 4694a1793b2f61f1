/** Which remote API an error came from; it leads every message so users know whom to blame. */
export type ApiName = "ZStack" | "CSBS" | "Keystone";

/**
 * The remote API answered with an error. `code` is the API's own code (`SYS.1007`, `ID.1001`, `CSBS.3000`), or
 * `HTTP.<status>` when the body carried none; `method` and `path` name the call (path without query string).
 */
export class ApiError extends Error {
  constructor(
    readonly api: ApiName,
    readonly code: string,
    readonly apiMessage: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
  ) {
    super(`${api} API error ${code} on ${method} ${path}: ${apiMessage}`);
    this.name = "ApiError";
  }
}

/**
 * An operation did not finish within its timeout (or was cancelled). `what` says what was still pending — an
 * async job, a status wait — so the message carries the API's context: call, job id, last status seen.
 */
export class OperationTimeoutError extends Error {
  constructor(
    readonly api: ApiName,
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
    readonly what: string,
    readonly cancelled = false,
  ) {
    super(
      cancelled
        ? `${api} ${method} ${path} cancelled: ${what}`
        : `${api} ${method} ${path} timed out after ${formatMs(timeoutMs)}: ${what}`,
    );
    this.name = "OperationTimeoutError";
  }
}

/** The endpoint could not be reached (refused, reset, DNS...) even after the retries the policy allows. */
export class ConnectionError extends Error {
  constructor(
    readonly api: ApiName,
    readonly method: string,
    readonly url: string,
    readonly causeCode: string,
    options?: { cause?: unknown },
  ) {
    super(`${api}: cannot complete ${method} ${url}: ${causeCode}`, options);
    this.name = "ConnectionError";
  }
}

/** A duration for messages: `300ms`, `1.5s`, `30m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10}s`;
  return `${Math.round(ms / 6000) / 10}m`;
}
