import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError } from "./errors.js";
import { HttpTransport } from "./transport.js";

/** A real HTTP server on 127.0.0.1 whose behaviour each test scripts; counts requests it received. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; server: Server; hits: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    req.resume();
    req.on("end", () => handler(req, res, n));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, hits: () => n };
}

const fast = { baseMs: 1, maxMs: 5, factor: 2, jitter: 0 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function transport(opts: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport {
  const t = new HttpTransport({ api: "ZStack", backoff: fast, maxRetries: 3, ...opts });
  cleanups.push(() => t.close());
  return t;
}

async function server(handler: Parameters<typeof serve>[0]) {
  const s = await serve(handler);
  cleanups.push(() => new Promise<void>((done) => { s.server.closeAllConnections(); s.server.close(() => done()); }));
  return s;
}

describe("HttpTransport retries", () => {
  it("retries an idempotent request on 503 until it succeeds", async () => {
    const s = await server((_req, res, n) => {
      res.writeHead(n < 3 ? 503 : 200, { "content-type": "application/json" });
      res.end(n < 3 ? "busy" : '{"ok":true}');
    });
    const t = transport();
    const res = await t.request({ method: "GET", url: `${s.url}/x`, idempotent: true });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"ok":true}');
    expect(s.hits()).toBe(3);
    expect(t.retries).toBe(2);
  });

  it("does not repeat a non-idempotent request answered 500", async () => {
    const s = await server((_req, res) => {
      res.writeHead(500);
      res.end("boom");
    });
    const res = await transport().request({ method: "POST", url: `${s.url}/create`, body: "{}", idempotent: false });
    expect(res.status).toBe(500);
    expect(s.hits()).toBe(1);
  });

  it("gives up after maxRetries and returns the last answer", async () => {
    const s = await server((_req, res) => {
      res.writeHead(502);
      res.end("bad gateway");
    });
    const res = await transport({ maxRetries: 2 }).request({ method: "DELETE", url: `${s.url}/d`, idempotent: true });
    expect(res.status).toBe(502);
    expect(s.hits()).toBe(3);
  });

  it("honours Retry-After on 429", async () => {
    const s = await server((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { "retry-after": "0.05" });
        res.end();
      } else {
        res.writeHead(200);
        res.end("{}");
      }
    });
    const started = Date.now();
    const res = await transport().request({ method: "GET", url: s.url, idempotent: true });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("leaves a 503 alone when the API says it is a definitive answer", async () => {
    const s = await server((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"error":{"code":"SYS.1007","description":"invalid"}}');
    });
    const t = transport({ isTransient: (r) => !r.text.includes('"error"') });
    const res = await t.request({ method: "GET", url: s.url, idempotent: true });
    expect(res.status).toBe(503);
    expect(s.hits()).toBe(1);
  });

  it("retries an idempotent request whose connection is reset", async () => {
    const s = await server((req, res, n) => {
      if (n === 1) req.socket.destroy();
      else {
        res.writeHead(200);
        res.end("{}");
      }
    });
    const res = await transport().request({ method: "PUT", url: s.url, body: "{}", idempotent: true });
    expect(res.status).toBe(200);
    expect(s.hits()).toBe(2);
  });

  it("does not repeat a non-idempotent request whose connection is reset mid-flight", async () => {
    const s = await server((req) => req.socket.destroy());
    await expect(transport().request({ method: "POST", url: s.url, body: "{}", idempotent: false })).rejects.toBeInstanceOf(ConnectionError);
    expect(s.hits()).toBe(1);
  });

  it("reports a refused connection as ConnectionError after retrying", async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await new Promise<void>((done) => s.server.close(() => done()));
    const t = transport({ maxRetries: 2 });
    const err = await t.request({ method: "GET", url: `${url}/zstack/v1/cdp-task`, idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).causeCode).toBe("ECONNREFUSED");
    expect((err as Error).message).toContain(`GET ${url}/zstack/v1/cdp-task`);
    expect(t.retries).toBe(2);
  });

  it("stops retrying when the caller aborts", async () => {
    const s = await server((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const ac = new AbortController();
    const t = transport({ backoff: { baseMs: 10_000, maxMs: 10_000, factor: 1, jitter: 0 } });
    const p = t.request({ method: "GET", url: s.url, idempotent: true, signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user interrupt")), 50);
    await expect(p).rejects.toThrow("user interrupt");
  });
});

describe("HttpTransport concurrency", () => {
  it("never has more than maxConcurrency requests in flight", async () => {
    let active = 0;
    let peak = 0;
    const s = await server((_req, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.writeHead(200);
        res.end("{}");
      }, 20);
    });
    const t = transport({ maxConcurrency: 3 });
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => t.request({ method: "GET", url: `${s.url}/${i}`, idempotent: true })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(peak).toBe(3);
  });
});
