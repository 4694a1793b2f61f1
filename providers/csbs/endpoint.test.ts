import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadlineOf } from "../http/deadline.js";
import { CsbsClient } from "./client.js";
import { resolveCsbsConfig, type CsbsProviderConfig } from "./config.js";

/**
 * The endpoint when the catalog has no `data-protect` entry, against a small real Keystone stand-in answering as
 * Huawei's IAM does (a scoped token, a catalog without CSBS): the client builds `csbs.{region}.{domain}`.
 */
let keystone: Server;
let authUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  keystone = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-subject-token": "tok" });
      res.end(JSON.stringify({ token: { project: { id: "p1" }, catalog: [{ type: "identity", endpoints: [{ interface: "public", region_id: "r1", url: "http://iam" }] }] } }));
    });
  });
  await new Promise<void>((done) => keystone.listen(0, "127.0.0.1", done));
  authUrl = `http://127.0.0.1:${(keystone.address() as AddressInfo).port}/v3`;
});

afterAll(async () => {
  keystone.closeAllConnections();
  await new Promise<void>((done) => keystone.close(() => done()));
});

const base: CsbsProviderConfig = {
  auth_url: null,
  region: null,
  project_id: null,
  project_name: null,
  user_domain_name: null,
  project_domain_name: null,
  domain_name: "acct",
  username: "u",
  password: "p",
  token: null,
  endpoint: null,
  max_concurrency: null,
  max_retries: 0,
};

async function firstPath(extra: Partial<CsbsProviderConfig>): Promise<unknown> {
  const client = new CsbsClient(resolveCsbsConfig({ ...base, auth_url: authUrl, ...extra }, {}));
  try {
    return await client.call(deadlineOf({ timeoutMs: 10_000 }), { method: "GET", path: "/policies" }).catch((e: unknown) => e);
  } finally {
    await client.close();
  }
}

describe("CSBS endpoint without a data-protect catalog entry", () => {
  it("is built from region and cloud_domain, as Huawei's provider builds it", async () => {
    // `.invalid` never resolves: the error names the host the client built, and no request leaves the machine.
    const err = await firstPath({ region: "r1", cloud_domain: "example.invalid" });
    expect(String((err as Error).message)).toMatch(/csbs\.r1\.example\.invalid/);
    expect(seen.at(-1)).toBe("POST /v3/auth/tokens");
  });

  it("without them, names the settings that would give one", async () => {
    const err = await firstPath({ region: "r1" });
    expect((err as Error).message).toMatch(/no "data-protect" endpoint in region r1 .*set endpoint, or region and cloud_domain/);
  });
});
