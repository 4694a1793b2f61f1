import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LockError, type LockInfo } from "../lock.js";
import { createS3Backend } from "./s3.js";

/**
 * use_lockfile against S3 servers that do not honour `If-None-Match: *`, played by a minimal in-process stand-in
 * (unit test only; the real servers are in test/e2e/state-s3-swift.test.ts): backplan must fail, naming what the
 * server did, and never go on unlocked.
 */

type Mode = "honours" | "ignores" | "refuses";

const objects = new Map<string, Buffer>();
let server: Server | undefined;

async function standIn(mode: Mode): Promise<string> {
  objects.clear();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const xmlError = (status: number, code: string, message: string) => {
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
      };
      if (req.method === "PUT") {
        if (req.headers["if-none-match"] === "*" && mode === "refuses") return xmlError(501, "NotImplemented", "Conditional object PUTs are not supported");
        if (req.headers["if-none-match"] === "*" && mode === "honours" && objects.has(key)) return xmlError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        objects.set(key, Buffer.concat(chunks));
        res.writeHead(200, { etag: '"e"' });
        return res.end();
      }
      if (req.method === "GET") {
        const body = objects.get(key);
        if (!body) return xmlError(404, "NoSuchKey", "The specified key does not exist.");
        res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
        return res.end(body);
      }
      if (req.method === "DELETE") {
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      xmlError(405, "MethodNotAllowed", "no");
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

const info = (id: string): LockInfo => ({ ID: id, Operation: "OperationTypeApply", Info: "", Who: "ci@runner", Version: "backplan", Created: "2026-12-07T17:00:00Z", Path: "" });

function backend(endpoint: string) {
  return createS3Backend(
    { bucket: "tfstate", key: "app.tfstate", region: "us-east-1", endpoints: { s3: endpoint }, use_path_style: true, skip_s3_checksum: true, use_lockfile: true, access_key: "a", secret_key: "s" },
    {},
  );
}

async function lockError(endpoint: string, id: string): Promise<LockError> {
  const b = backend(endpoint);
  try {
    const e = await b.state("default").lock(info(id)).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(LockError);
    return e as LockError;
  } finally {
    await b.close();
  }
}

describe("s3 use_lockfile on servers without conditional PUT", () => {
  it("a server that answers 501: an unsupported-lock error quoting the server, no lock object left", async () => {
    const url = await standIn("refuses");
    const e = await lockError(url, "aaaaaaaa-0000-4000-8000-000000000001");
    expect(e.kind).toBe("unsupported");
    expect(e.message).toContain(`S3 server at ${url} answered it with HTTP 501 NotImplemented: Conditional object PUTs are not supported`);
    expect(e.message).toContain("backplan does not run unlocked");
    expect(objects.has("/tfstate/app.tfstate.tflock")).toBe(false);
  });

  it("a server that ignores If-None-Match: caught by the second conditional PUT, and its own lock object removed", async () => {
    const url = await standIn("ignores");
    const e = await lockError(url, "bbbbbbbb-0000-4000-8000-000000000002");
    expect(e.kind).toBe("unsupported");
    expect(e.message).toContain("ignored it: a second conditional PUT of the existing lock object succeeded");
    expect(objects.has("/tfstate/app.tfstate.tflock")).toBe(false);
  });

  it("a server that honours it: the lock is taken, a second holder is refused with the holder's info", async () => {
    const url = await standIn("honours");
    const a = backend(url);
    try {
      expect(await a.state("default").lock(info("cccccccc-0000-4000-8000-000000000003"))).toBe("cccccccc-0000-4000-8000-000000000003");
      const e = await lockError(url, "dddddddd-0000-4000-8000-000000000004");
      expect(e.kind).toBe("held");
      expect(e.holder?.ID).toBe("cccccccc-0000-4000-8000-000000000003");
      await a.state("default").unlock("cccccccc-0000-4000-8000-000000000003");
      expect(objects.has("/tfstate/app.tfstate.tflock")).toBe(false);
    } finally {
      await a.close();
    }
  });
});
