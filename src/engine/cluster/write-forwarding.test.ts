import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkForwarded, FORWARD_WINDOW_MS, forwardWrite, NOT_OWNER } from "./write-forwarding.js";

describe("forwarded writes", () => {
  const key = randomBytes(32);
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  /** A receiver answering each request with `answer`; resolves to its base URL and what it received. */
  async function receiver(answer: (req: IncomingMessage, body: Buffer) => { status: number; body?: unknown }) {
    const got: { req: IncomingMessage; body: Buffer }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      got.push({ req, body });
      const a = answer(req, body);
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(JSON.stringify(a.body ?? {}));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
  }
  const send = (baseUrl: string, data = Buffer.from("hello")) => forwardWrite({ baseUrl, key, from: "node-a", volumeUuid: "v1", offset: 4096, data, timeoutMs: 2000 });

  it("signs what it sends so that the receiver accepts it, and any change to it is refused", async () => {
    let check: ReturnType<typeof checkForwarded> | undefined;
    const r = await receiver((req, body) => {
      const url = new URL(req.url!, "http://x");
      check = checkForwarded(key, { method: req.method!, path: url.pathname, query: url.searchParams.toString(), headers: req.headers }, body, Date.now());
      return { status: 200 };
    });
    expect(await send(r.url)).toEqual({ kind: "written" });
    expect(check).toMatchObject({ ok: true, node: "node-a" });
    const { req, body } = r.got[0]!;
    expect(req.url).toBe("/engine/v1/cluster/volumes/v1/data?offset=4096");
    const base = { method: "PUT", path: "/engine/v1/cluster/volumes/v1/data", query: "offset=4096", headers: req.headers };
    expect(checkForwarded(key, base, Buffer.from("hellO"), Date.now())).toMatchObject({ ok: false, reason: expect.stringContaining("signature does not match") });
    expect(checkForwarded(key, { ...base, query: "offset=0" }, body, Date.now())).toMatchObject({ ok: false });
    expect(checkForwarded(key, { ...base, path: "/engine/v1/cluster/volumes/v2/data" }, body, Date.now())).toMatchObject({ ok: false });
    expect(checkForwarded(randomBytes(32), base, body, Date.now())).toMatchObject({ ok: false });
    expect(checkForwarded(key, { ...base, headers: { ...req.headers, "x-backplan-node": "node-b" } }, body, Date.now())).toMatchObject({ ok: false });
    expect(checkForwarded(key, base, body, Date.now() + FORWARD_WINDOW_MS + 1000)).toMatchObject({ ok: false, reason: expect.stringContaining("away from this node's clock") });
    expect(checkForwarded(key, { ...base, headers: {} }, body, Date.now())).toMatchObject({ ok: false, reason: expect.stringContaining("needs the headers") });
  });

  it("tells a write worth retrying (not the owner, unavailable, no answer) from a refusal", async () => {
    const notOwner = await receiver(() => ({ status: 409, body: { error: { code: NOT_OWNER, details: "moved" } } }));
    expect(await send(notOwner.url)).toEqual({ kind: "retry", reason: expect.stringContaining("409: moved") });
    const busy = await receiver(() => ({ status: 503, body: { error: { details: "busy" } } }));
    expect(await send(busy.url)).toMatchObject({ kind: "retry" });
    const refusing = await receiver(() => ({ status: 400, body: { error: { code: "SYS.1007", details: "range past the end" } } }));
    expect(await send(refusing.url)).toEqual({ kind: "refused", status: 400, message: "range past the end" });
    const closed = await receiver(() => ({ status: 200 }));
    await new Promise((r) => servers.pop()!.close(r));
    expect(await send(closed.url)).toMatchObject({ kind: "retry", reason: expect.stringContaining("did not answer") });
  });
});
