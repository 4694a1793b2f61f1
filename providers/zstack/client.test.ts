import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { deadlineOf } from "../http/deadline.js";
import { ApiError, OperationTimeoutError } from "../http/errors.js";
import { ZStackClient } from "./client.js";

/**
 * The client's side of ZStack's async-job protocol, against a small real HTTP server scripted per test: the
 * engine e2e tests cover the happy paths, these the edges the engine does not produce on demand (a job that
 * never ends, a session that dies between submit and poll, a location naming another host).
 */
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function zstackServer(handler: Handler): Promise<ZStackClient> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  const client = new ZStackClient({
    baseUrl: `http://127.0.0.1:${port}/zstack/v1`,
    auth: { kind: "session", accountName: "admin", password: "password" },
    maxConcurrency: 4,
    maxRetries: 1,
  });
  cleanups.push(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });
  return client;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const JOB = "0123456789abcdef0123456789abcdef";

describe("ZStackClient async jobs", () => {
  it("follows a job location (rewritten to the configured endpoint) to its result", async () => {
    let polls = 0;
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s1" } });
      if (req.method === "POST") return json(res, 202, { location: `http://unreachable.example:8080/zstack/v1/api-jobs/${JOB}` });
      if (req.url === `/zstack/v1/api-jobs/${JOB}`) return ++polls < 3 ? json(res, 202, {}) : json(res, 200, { inventory: { uuid: "x" } });
      json(res, 404, {});
    });
    const out = await client.call(deadlineOf({ timeoutMs: 10_000 }), { method: "POST", path: "/things", body: { params: {} } });
    expect(out).toEqual({ inventory: { uuid: "x" } });
    expect(polls).toBe(3);
  });

  it("reports a job still running at the deadline with the call, the job and the poll count", async () => {
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s1" } });
      if (req.method === "POST") return json(res, 202, { location: `http://127.0.0.1/zstack/v1/api-jobs/${JOB}` });
      json(res, 202, {});
    });
    const err = await client.call(deadlineOf({ timeoutMs: 400 }), { method: "POST", path: "/cdp-backup-storage/task", body: { params: {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    expect((err as Error).message).toMatch(
      new RegExp(`^ZStack POST /zstack/v1/cdp-backup-storage/task timed out after 400ms: async job ${JOB} still running after \\d+ polls$`),
    );
  });

  it("names the original call, not the poll, when the deadline passes during a poll request", async () => {
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s1" } });
      if (req.method === "PUT") {
        expect(Number(req.headers["x-api-timeout"])).toBeGreaterThanOrEqual(1);
        return json(res, 202, { location: `/zstack/v1/api-jobs/${JOB}` });
      }
      // The poll never gets an answer.
    });
    const err = await client.call(deadlineOf({ timeoutMs: 300 }), { method: "PUT", path: "/cdp-backups/actions", body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    expect((err as Error).message).toBe(`ZStack PUT /zstack/v1/cdp-backups/actions timed out after 300ms: async job ${JOB} still running after 0 polls`);
  });

  it("says cancelled, not timed out, when the caller aborts", async () => {
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s1" } });
      if (req.method === "POST") return json(res, 202, { location: `/zstack/v1/api-jobs/${JOB}` });
      json(res, 202, {});
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const err = await client.call(deadlineOf({ timeoutMs: 60_000, signal: ac.signal }), { method: "POST", path: "/x", body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    expect((err as OperationTimeoutError).cancelled).toBe(true);
    expect((err as Error).message).toContain("ZStack POST /zstack/v1/x cancelled: async job");
  });

  it("reports a failed job with the API's code and the original call", async () => {
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s1" } });
      if (req.method === "POST") return json(res, 202, { location: `/zstack/v1/api-jobs/${JOB}` });
      json(res, 503, { error: { code: "SYS.1007", description: "invalid argument", details: "maxLatency must be positive" } });
    });
    const err = await client.call(deadlineOf({ timeoutMs: 5_000 }), { method: "POST", path: "/cdp-backup-storage/task", body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).toBe("ZStack API error SYS.1007 on POST /zstack/v1/cdp-backup-storage/task: invalid argument: maxLatency must be positive");
  });

  it("re-polls (without resubmitting) after logging in again when the session expires mid-job", async () => {
    let logins = 0;
    let submits = 0;
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: `s${++logins}` } });
      if (req.method === "POST") {
        submits++;
        return json(res, 202, { location: `/zstack/v1/api-jobs/${JOB}` });
      }
      if (req.headers.authorization === "OAuth s1") return json(res, 503, { error: { code: "ID.1001", description: "Session expired" } });
      json(res, 200, { inventory: { done: true } });
    });
    const out = await client.call(deadlineOf({ timeoutMs: 5_000 }), { method: "POST", path: "/x", body: {} });
    expect(out).toEqual({ inventory: { done: true } });
    expect(submits).toBe(1);
    expect(logins).toBe(2);
  });

  it("resubmits once when the call itself was refused for an expired session", async () => {
    let logins = 0;
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: `s${++logins}` } });
      if (req.headers.authorization === "OAuth s1") return json(res, 503, { error: { code: "ID.1001", description: "Session expired" } });
      json(res, 200, { inventories: [] });
    });
    const out = await client.query(deadlineOf({ timeoutMs: 5_000 }), "/cdp-task", ["uuid=1"]);
    expect(out).toEqual([]);
    expect(logins).toBe(2);
  });

  it("gives up after one re-login when the session keeps being refused", async () => {
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s" } });
      json(res, 503, { error: { code: "ID.1001", description: "Session expired" } });
    });
    const err = await client.query(deadlineOf({ timeoutMs: 5_000 }), "/cdp-task", []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("ID.1001");
    expect(client.logins).toBe(2);
  });
});

describe("ZStackClient.queryIn", () => {
  it("batches uuids into `q=uuid?=...` chunks and de-duplicates them", async () => {
    const seen: string[][] = [];
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s" } });
      const q = new URL(req.url!, "http://x").searchParams.getAll("q");
      const values = q[0]!.startsWith("uuid?=") ? q[0]!.slice("uuid?=".length).split(",") : [q[0]!.slice("uuid=".length)];
      seen.push(values);
      json(res, 200, { inventories: values.filter((v) => v !== "missing").map((uuid) => ({ uuid })) });
    });
    const uuids = [...Array.from({ length: 250 }, (_, i) => `u${i}`), "u0", "missing"];
    const out = await client.queryIn(deadlineOf({ timeoutMs: 10_000 }), "/cdp-task", "uuid", uuids);
    expect(seen.map((s) => s.length)).toEqual([100, 100, 51]);
    expect(out).toHaveLength(250);
  });
});

describe("ZStackClient transient failures", () => {
  it("retries a GET answered 503 SYS.1012 (management node unavailable) but not a 503 business error", async () => {
    let hits = 0;
    const client = await zstackServer((req, _body, res) => {
      if (req.url === "/zstack/v1/accounts/login") return json(res, 200, { inventory: { uuid: "s" } });
      hits++;
      if (req.url!.startsWith("/zstack/v1/zones")) {
        return hits === 1 ? json(res, 503, { error: { code: "SYS.1012", description: "management node unavailable" } }) : json(res, 200, { inventories: [{ uuid: "z" }] });
      }
      json(res, 503, { error: { code: "SYS.1003", description: "resource not found" } });
    });
    const d = deadlineOf({ timeoutMs: 5_000 });
    expect(await client.query(d, "/zones", [])).toEqual([{ uuid: "z" }]);
    expect(hits).toBe(2);
    const err = await client.query(d, "/hosts", []).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe("SYS.1003");
    expect(hits).toBe(3);
  });
});
