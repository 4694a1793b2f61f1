import { createHash } from "node:crypto";
import { Agent, fetch } from "undici";

/** What a load client counted while `measuring` was on. */
export interface LoadCounts {
  requests: number;
  fiveXx: number;
  latencies: number[];
}

export interface ZStackLoadClient {
  readonly counts: LoadCounts;
  /** Off while a benchmark prepares its fixtures; requests are counted only while on. */
  measuring: boolean;
  req(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** A call that may answer 202: polls its job until it ends and returns the final answer's JSON. */
  job(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/**
 * A ZStack API client for the load benchmarks: logs in as the demo lab's `admin`, keeps `connections` pooled
 * keep-alive sockets, and counts requests, 5xx answers and latencies (ms).
 */
export async function zstackLoadClient(base: string, connections: number): Promise<ZStackLoadClient> {
  const dispatcher = new Agent({ connections });
  const login = await fetch(`${base}/zstack/v1/accounts/login`, {
    dispatcher,
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ logInByAccount: { accountName: "admin", password: createHash("sha512").update("password").digest("hex") } }),
  });
  const session = ((await login.json()) as { inventory: { uuid: string } }).inventory.uuid;
  const headers = { authorization: `OAuth ${session}`, "content-type": "application/json" };
  const client: ZStackLoadClient = {
    counts: { requests: 0, fiveXx: 0, latencies: [] },
    measuring: true,
    async req(method, path, body) {
      const started = performance.now();
      const res = await fetch(base + path, { dispatcher, method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      if (client.measuring) {
        client.counts.latencies.push(performance.now() - started);
        client.counts.requests++;
        if (res.status >= 500) client.counts.fiveXx++;
      }
      return { status: res.status, json: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined };
    },
    async job(method, path, body) {
      const r = await client.req(method, path, body);
      if (r.status !== 202) return r.json;
      const location = new URL(r.json.location as string).pathname;
      for (;;) {
        const p = await client.req("GET", location);
        if (p.status !== 202) return p.json;
        await new Promise((d) => setTimeout(d, 20));
      }
    },
    close: () => dispatcher.close(),
  };
  return client;
}

/** The p-th percentile of sorted latencies, formatted to 0.1 ms. */
export function percentile(sorted: readonly number[], p: number): string {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
}
