import { createHash } from "node:crypto";
import { expect } from "vitest";
import { accessKeyAuthorization } from "../../src/engine/http/zstack/access-key-signature.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import type { EngineOptions } from "../../src/engine/context.js";

/** Support for the engine-zstack e2e tests: a thin ZStack REST client over fetch, and a demo-lab engine. */

export interface Reply {
  status: number;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  headers: Headers;
}

export const sha512 = (text: string) => createHash("sha512").update(text).digest("hex");
export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A clock tests can move forward; starts at real time. */
export class TestClock {
  offset = 0;
  now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export type Auth = { session: string } | { accessKey: { id: string; secret: string; date?: string } } | { header: string } | "none";

export class ZStackClient {
  auth: Auth = "none";

  constructor(readonly base: string) {}

  /** Logs in with `logInByAccount` and uses the session from then on. */
  async login(accountName = "admin", password = "password"): Promise<string> {
    const r = await this.request("PUT", "/zstack/v1/accounts/login", { body: { logInByAccount: { accountName, password: sha512(password) } }, auth: "none" });
    expect(r.status, r.text).toBe(200);
    this.auth = { session: r.json.inventory.uuid };
    return r.json.inventory.uuid;
  }

  async request(method: string, path: string, opts: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string>; auth?: Auth } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth ?? this.auth;
    const pathOnly = path.split("?")[0]!;
    if (auth !== "none") {
      if ("session" in auth) headers.authorization = `OAuth ${auth.session}`;
      else if ("header" in auth) headers.authorization = auth.header;
      else {
        const date = auth.accessKey.date ?? new Date().toUTCString();
        headers.date = date;
        headers.authorization = accessKeyAuthorization(auth.accessKey.id, auth.accessKey.secret, method, date, pathOnly);
      }
    }
    let body: string | Uint8Array | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json;charset=UTF-8";
    } else if (opts.raw !== undefined) body = opts.raw;
    const res = await fetch(this.base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const buf = new Uint8Array(await res.arrayBuffer());
    const text = Buffer.from(buf).toString("utf8");
    let json: unknown;
    if ((res.headers.get("content-type") ?? "").includes("json")) json = JSON.parse(text);
    return { status: res.status, text, json, headers: res.headers };
  }

  get(path: string, auth?: Auth): Promise<Reply> {
    return this.request("GET", path, auth ? { auth } : {});
  }

  /** Polls a job location until it is no longer 202. */
  async poll(location: string, timeoutMs = 30_000): Promise<Reply> {
    const path = new URL(location).pathname;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.request("GET", path);
      if (r.status !== 202) return r;
      if (Date.now() > deadline) throw new Error(`job ${location} still running after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Sends an async call, checks the 202 envelope, and returns the job's final answer. */
  async call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
    const r = await this.request(method, path, { ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(202);
    expect(r.json.location).toMatch(new RegExp(`^${this.base}/zstack/v1/api-jobs/[0-9a-f]{32}$`));
    expect(Number.isInteger(r.json.apiTimeout)).toBe(true);
    return this.poll(r.json.location);
  }

  /** `call`, expecting success. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await this.call(method, path, body);
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
    return r.json;
  }

  async query(path: string): Promise<any[]> {
    const r = await this.get(path);
    expect(r.status, r.text).toBe(200);
    return r.json.inventories;
  }

  /** Admin API: create a VM with volumes of the given sizes. */
  async adminVm(name: string, sizes: number[]): Promise<any> {
    const r = await this.request("POST", "/engine/v1/vms", { body: { name, volumes: sizes.map((size) => ({ size })) } });
    expect(r.status, r.text).toBe(200);
    return r.json.inventory;
  }

  async writeVolume(volumeUuid: string, offset: number, data: Uint8Array): Promise<void> {
    const r = await this.request("PUT", `/engine/v1/volumes/${volumeUuid}/data?offset=${offset}`, { raw: data, headers: { "content-type": "application/octet-stream" } });
    expect(r.status, r.text).toBe(200);
  }

  async volumeSha256(volumeUuid: string): Promise<string> {
    const r = await this.get(`/engine/v1/volumes/${volumeUuid}/sha256`);
    expect(r.status, r.text).toBe(200);
    return r.json.sha256;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Lab {
  engine: TestEngine;
  client: ZStackClient;
  zone: any;
  offering: any;
  l3: any;
  bs: any;
  vms: any[];
}

/** Starts an engine with the demo lab, logs in as admin and reads the lab's inventory. */
export async function startLab(opts: Partial<EngineOptions> = {}): Promise<Lab> {
  const engine = await startTestEngine({ demo: true, ...opts });
  const client = new ZStackClient(engine.url);
  await client.login();
  const [zone] = await client.query("/zstack/v1/zones");
  const [offering] = await client.query("/zstack/v1/instance-offerings");
  const [l3] = await client.query("/zstack/v1/l3-networks");
  const [bs] = await client.query("/zstack/v1/backup-storage");
  const vms = await client.query("/zstack/v1/vm-instances");
  return { engine, client, zone, offering, l3, bs, vms };
}

export const ZSTACK_DATE = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)$/;
export const UUID = /^[0-9a-f]{32}$/;
