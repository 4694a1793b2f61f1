import type { OpContext, Resource, SdkObject } from "../sdk/index.js";

interface Waiting {
  state: SdkObject;
  resolve(v: SdkObject | null): void;
  reject(e: unknown): void;
}

/**
 * Gathers the ReadResource calls Terraform makes for one resource type within the same turn of the event loop
 * (it refreshes up to `-parallelism` instances at once) into one `readMany`, so a provider that lists in bulk
 * serves a Terraform refresh the way it serves backplan's. Results keep their callers' order.
 */
export class ReadBatcher {
  private queue: Waiting[] = [];
  private ctx: OpContext<unknown> | undefined;

  constructor(private readonly resource: Resource<unknown>) {}

  read(state: SdkObject, ctx: OpContext<unknown>): Promise<SdkObject | null> {
    if (!this.resource.canReadMany) return this.resource.read(ctx, state);
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) {
        this.ctx = ctx;
        setImmediate(() => void this.flush());
      }
      this.queue.push({ state, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    const ctx = this.ctx!;
    this.queue = [];
    try {
      const results = await this.resource.readMany(ctx, batch.map((w) => w.state));
      batch.forEach((w, i) => w.resolve(results[i] ?? null));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}
