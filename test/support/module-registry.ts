/**
 * A module registry for tests, speaking the documented module registry protocol over HTTPS on 127.0.0.1:
 * service discovery (`/.well-known/terraform.json` → `modules.v1`), `NS/NAME/SYSTEM/versions`,
 * `NS/NAME/SYSTEM/VERSION/download` answering 204 with `X-Terraform-Get`, and static archive files from the same
 * server. The certificate is self-signed, made with the system openssl; clients trust it through SSL_CERT_FILE
 * (Terraform and backplan both honour it).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface RegistryModuleEntry {
  namespace: string;
  name: string;
  system: string;
  /** version → the X-Terraform-Get value its download answers with. */
  versions: Record<string, string>;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the hostname part of module addresses. */
  host: string;
  url: string;
  certFile: string;
  /** Every request path seen, with whether it carried the expected bearer token. */
  requests: { path: string; authorized: boolean }[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (SAN included, which Go's TLS requires). */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: "ignore" });
  return { cert, key };
}

/**
 * Starts the registry. `files` maps URL paths (`/archive/x.tar.gz`) to bytes served as-is; `token`, when set,
 * is required on the registry API (discovery stays open, as real registries keep it). `xTerraformGet` maps
 * paths to the X-Terraform-Get answer of `GET path?terraform-get=1`, `{URL}` standing for the server's URL.
 */
export async function startRegistry(opts: { dir: string; modules: RegistryModuleEntry[]; files: Record<string, Buffer>; token?: string; xTerraformGet?: Record<string, string> }): Promise<TestRegistry> {
  const { cert, key } = makeCertificate(opts.dir);
  const requests: { path: string; authorized: boolean }[] = [];
  let port = 0;
  const server: Server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const authorized = opts.token !== undefined && req.headers.authorization === `Bearer ${opts.token}`;
    requests.push({ path: url.pathname, authorized });
    if (url.pathname === "/.well-known/terraform.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ "modules.v1": "/api/modules/v1/" }));
      return;
    }
    const m = /^\/api\/modules\/v1\/([^/]+)\/([^/]+)\/([^/]+)\/(versions|([^/]+)\/download)$/.exec(url.pathname);
    if (m) {
      if (opts.token !== undefined && !authorized) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ errors: ["unauthorized"] }));
        return;
      }
      const mod = opts.modules.find((e) => e.namespace === m[1] && e.name === m[2] && e.system === m[3]);
      if (!mod) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: ["not found"] }));
        return;
      }
      if (m[4] === "versions") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ modules: [{ versions: Object.keys(mod.versions).map((version) => ({ version })) }] }));
        return;
      }
      const target = mod.versions[m[5]!];
      if (target === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(204, { "x-terraform-get": target }).end();
      return;
    }
    const redirect = opts.xTerraformGet?.[url.pathname];
    if (redirect !== undefined && url.searchParams.get("terraform-get") === "1") {
      res.writeHead(200, { "x-terraform-get": redirect.replace("{URL}", `https://127.0.0.1:${port}`), "content-type": "text/plain" }).end("");
      return;
    }
    const file = opts.files[url.pathname];
    if (file) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file.length) }).end(file);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `https://127.0.0.1:${port}`,
    certFile: cert,
    requests,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
