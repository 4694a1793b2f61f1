import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "./certificate.js";
import { checkLaunch, handshakeLine, MAGIC_COOKIE_VALUE } from "./handshake.js";

describe("go-plugin launch", () => {
  it("refuses to run without Terraform's magic cookie, with a message for a person", () => {
    const r = checkLaunch({});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/Terraform provider plugin/);
  });

  it("refuses when protocol 6 is not offered, accepts and returns the client certificate otherwise", () => {
    expect(checkLaunch({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5" }).ok).toBe(false);
    expect(checkLaunch({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5,6", PLUGIN_CLIENT_CERT: "PEM" })).toEqual({ ok: true, clientCertPem: "PEM" });
  });

  it("prints core 1, protocol 6, the loopback address and the DER certificate in unpadded base64", () => {
    const cert = selfSignedCertificate();
    const line = handshakeLine(41234, cert.der);
    const [core, app, net, addr, proto, b64] = line.trimEnd().split("|");
    expect([core, app, net, addr, proto]).toEqual(["1", "6", "tcp", "127.0.0.1:41234", "grpc"]);
    expect(b64).not.toMatch(/=/);
    expect(Buffer.from(b64!, "base64").equals(cert.der)).toBe(true);
    expect(line.endsWith("\n")).toBe(true);
  });
});

describe("selfSignedCertificate", () => {
  it("is a valid self-signed CA for localhost and 127.0.0.1, usable by TLS servers and clients", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const x = new X509Certificate(selfSignedCertificate(now).der);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(true);
    expect(x.checkHost("localhost")).toBe("localhost");
    expect(x.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(new Date(x.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(x.validTo).getTime()).toBeGreaterThan(now.getTime());
    expect(x.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
  });
});
