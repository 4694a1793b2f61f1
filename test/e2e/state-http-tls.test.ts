import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpBackend } from "../../src/state/backends/http.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * The http backend over HTTPS with a self-signed certificate (openssl): the engine behind a TLS-terminating
 * forwarder, as a team would put it behind a reverse proxy. Verification is on unless skip_cert_verification, and
 * client_ca_certificate_pem trusts a private CA.
 */
describe("http backend over HTTPS", () => {
  let engine: TestEngine;
  let tls: Server;
  let dir: string;
  let cert: string;
  let address: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    dir = mkdtempSync(join(tmpdir(), "backplan-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], {
      stdio: "ignore",
    });
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const target = new URL(engine.url);
    tls = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((done) => tls.listen(0, "127.0.0.1", done));
    address = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/engine/v1/states/tls`;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise((done) => tls.close(done));
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = { username: "admin", password: "password", retry_max: 0 };

  it("refuses a self-signed certificate by default, at once (no retries, as go-retryablehttp)", async () => {
    const be = createHttpBackend({ address, username: "admin", password: "password", retry_wait_min: 5 }, {});
    const started = Date.now();
    try {
      await expect(be.state("default").read()).rejects.toThrow(/self[- ]signed certificate/i);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await be.close();
    }
  });

  it("works with skip_cert_verification and with the certificate as client_ca_certificate_pem", async () => {
    for (const extra of [{ skip_cert_verification: true }, { client_ca_certificate_pem: cert }]) {
      const be = createHttpBackend({ address, ...settings, ...extra }, {});
      try {
        const body = Buffer.from(JSON.stringify({ version: 4, serial: 1, lineage: "tls", outputs: {}, resources: [] }));
        await be.state("default").write(body);
        expect(Buffer.from((await be.state("default").read())!).toString()).toBe(body.toString());
      } finally {
        await be.close();
      }
    }
  });
});
