/**
 * A pass of background work repeated every `intervalMs` of wall time, the next wait starting when a pass ends
 * (passes never overlap). A failed pass is logged under `what` and the loop goes on: a timer must never take the
 * engine down. `stop` resolves once a pass in progress has ended.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
  ) {}

  /** Starts the loop (idempotent; a stopped loop stays stopped). */
  start(): void {
    if (this.timer || this.stopped) return;
    const next = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.pass()
          .catch((e: unknown) => console.error(`backplan engine: ${this.what} failed: ${e instanceof Error ? e.message : String(e)}`))
          .finally(next);
      }, this.intervalMs);
      this.timer.unref();
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Whether `stop` was called: a pass in progress checks it between steps. */
  get isStopped(): boolean {
    return this.stopped;
  }
}
