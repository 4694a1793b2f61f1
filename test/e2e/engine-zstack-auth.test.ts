import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { sha512, TestClock, UUID, ZSTACK_DATE, ZStackClient } from "./engine-zstack-client.js";

describe("ZStack auth: sessions and AccessKeys", () => {
  let engine: TestEngine;
  let client: ZStackClient;
  const clock = new TestClock();

  beforeAll(async () => {
    engine = await startTestEngine({ clock, sessionTimeoutSeconds: 600 });
    client = new ZStackClient(engine.url);
  });
  afterAll(() => engine.dispose());

  it("logs in synchronously (200) with the SHA-512 hex password and returns the session inventory", async () => {
    const r = await client.request("PUT", "/zstack/v1/accounts/login", { body: { logInByAccount: { accountName: "admin", password: sha512("password") } }, auth: "none" });
    expect(r.status).toBe(200);
    const inv = r.json.inventory;
    expect(inv.uuid).toMatch(UUID);
    expect(inv.accountUuid).toMatch(UUID);
    expect(inv.userUuid).toMatch(UUID);
    expect(inv.createDate).toMatch(ZSTACK_DATE);
    expect(inv.expiredDate).toMatch(ZSTACK_DATE);
    const ok = await client.get("/zstack/v1/zones", { session: inv.uuid });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ inventories: [] });
  });

  it("accepts the older 'logIn' body key and rejects a wrong password with ID.1000", async () => {
    const old = await client.request("PUT", "/zstack/v1/accounts/login", { body: { logIn: { accountName: "admin", password: sha512("password") } }, auth: "none" });
    expect(old.status).toBe(200);
    const bad = await client.request("PUT", "/zstack/v1/accounts/login", { body: { logInByAccount: { accountName: "admin", password: sha512("nope") } }, auth: "none" });
    expect(bad.status).toBe(503);
    expect(bad.json.error.code).toBe("ID.1000");
    const plainText = await client.request("PUT", "/zstack/v1/accounts/login", { body: { logInByAccount: { accountName: "admin", password: "password" } }, auth: "none" });
    expect(plainText.status).toBe(400);
    expect(plainText.text).toContain("logInByAccount.password");
  });

  it("answers 400 plain text for a missing Authorization header or another scheme", async () => {
    const none = await client.get("/zstack/v1/zones", "none");
    expect(none.status).toBe(400);
    expect(none.headers.get("content-type")).toContain("text/plain");
    expect(none.text).toBe("missing header 'Authorization'");
    const basic = await client.get("/zstack/v1/zones", { header: "Basic YWRtaW46cGFzc3dvcmQ=" });
    expect(basic.status).toBe(400);
    expect(basic.text).toBe("Authorization type must be 'OAuth'");
    const async = await client.request("POST", "/zstack/v1/cdp-backup-storage/policy", { body: { params: { name: "p", recoveryPointPerSecond: 5 } }, auth: "none" });
    expect(async.status).toBe(400);
  });

  it("fails an unknown session with ID.1001: 503 on GET, a failed job on async calls", async () => {
    const bogus = { session: "0123456789abcdef0123456789abcdef" };
    const get = await client.get("/zstack/v1/cdp-task", bogus);
    expect(get.status).toBe(503);
    expect(get.json.error.code).toBe("ID.1001");
    expect(typeof get.json.error.description).toBe("string");
    expect(get.json.error.details).toContain("0123456789abcdef0123456789abcdef");
    const post = await client.request("POST", "/zstack/v1/cdp-backup-storage/policy", { body: { params: { name: "p", recoveryPointPerSecond: 5 } }, auth: bogus });
    expect(post.status).toBe(202);
    client.auth = bogus;
    const job = await client.poll(post.json.location);
    expect(job.status).toBe(503);
    expect(job.json.error.code).toBe("ID.1001");
    const nothing = await client.get("/zstack/v1/cdp-backup-storage/policy", { session: await client.login() });
    expect(nothing.json.inventories).toEqual([]);
  });

  it("expires sessions after the configured timeout by the engine clock", async () => {
    const session = await client.login();
    expect((await client.get(`/zstack/v1/accounts/sessions/${session}/valid`, "none")).json).toEqual({ valid: true });
    clock.advance(599_000);
    expect((await client.get("/zstack/v1/zones")).status).toBe(200);
    clock.advance(2_000);
    const expired = await client.get("/zstack/v1/zones");
    expect(expired.status).toBe(503);
    expect(expired.json.error.code).toBe("ID.1001");
    expect((await client.get(`/zstack/v1/accounts/sessions/${session}/valid`, "none")).json).toEqual({ valid: false });
  });

  it("logs out only with credentials", async () => {
    const session = await client.login();
    const anonymous = await client.request("DELETE", `/zstack/v1/accounts/sessions/${session}`, { auth: "none" });
    expect(anonymous.status).toBe(400);
    expect((await client.get(`/zstack/v1/accounts/sessions/${session}/valid`, "none")).json).toEqual({ valid: true });
    const bogus = await client.request("DELETE", `/zstack/v1/accounts/sessions/${session}`, { auth: { session: "0".repeat(32) } });
    expect(bogus.status).toBe(503);
    expect((await client.get(`/zstack/v1/accounts/sessions/${session}/valid`, "none")).json).toEqual({ valid: true });
  });

  it("logs out: the session is no longer valid", async () => {
    const session = await client.login();
    const out = await client.request("DELETE", `/zstack/v1/accounts/sessions/${session}`, { auth: { session } });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({});
    const after = await client.get("/zstack/v1/zones", { session });
    expect(after.status).toBe(503);
    expect(after.json.error.code).toBe("ID.1001");
  });

  describe("AccessKeys", () => {
    let key: { id: string; secret: string };

    beforeAll(async () => {
      await client.login();
      const r = await client.request("POST", "/engine/v1/access-keys", { body: { description: "ci" } });
      expect(r.status, r.text).toBe(200);
      key = { id: r.json.inventory.AccessKeyID, secret: r.json.inventory.AccessKeySecret };
      expect(key.id).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(key.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    });

    it("lists keys without their secrets", async () => {
      const r = await client.get("/engine/v1/access-keys");
      expect(r.status).toBe(200);
      const listed = r.json.inventories.find((k: { AccessKeyID: string }) => k.AccessKeyID === key.id);
      expect(listed.description).toBe("ci");
      expect(listed.AccessKeySecret).toBeUndefined();
    });

    it("accepts a correctly signed request, sync and async", async () => {
      const auth = { accessKey: { ...key, date: new Date(clock.now()).toUTCString() } };
      const r = await client.get("/zstack/v1/zones", auth);
      expect(r.status, r.text).toBe(200);
      const post = await client.request("POST", "/zstack/v1/cdp-backup-storage/policy", { body: { params: { name: "by-key", recoveryPointPerSecond: 30 } }, auth });
      expect(post.status).toBe(202);
      const job = await client.poll(post.json.location);
      expect(job.status).toBe(200);
      expect(job.json.inventory.name).toBe("by-key");
    });

    it("fails a bad signature or unknown key with ID.1001", async () => {
      const date = new Date(clock.now()).toUTCString();
      const wrongSecret = await client.get("/zstack/v1/zones", { accessKey: { id: key.id, secret: "x".repeat(40), date } });
      expect(wrongSecret.status).toBe(503);
      expect(wrongSecret.json.error.code).toBe("ID.1001");
      const unknown = await client.get("/zstack/v1/zones", { accessKey: { id: "NOSUCHKEY00000000000", secret: key.secret, date } });
      expect(unknown.status).toBe(503);
    });

    it("rejects a Date more than 15 minutes off with 403, a missing Date or malformed key with 400", async () => {
      const skewed = await client.get("/zstack/v1/zones", { accessKey: { ...key, date: new Date(clock.now() - 16 * 60_000).toUTCString() } });
      expect(skewed.status).toBe(403);
      expect(skewed.text).toBe("requestTimeTooSkewed");
      const nearlySkewed = await client.get("/zstack/v1/zones", { accessKey: { ...key, date: new Date(clock.now() + 14 * 60_000).toUTCString() } });
      expect(nearlySkewed.status).toBe(200);
      const noDate = await client.get("/zstack/v1/zones", { header: `ZStack ${key.id}:abc` });
      expect(noDate.status).toBe(400);
      expect(noDate.text).toContain("'Date'");
      const malformed = await client.request("GET", "/zstack/v1/zones", { auth: { header: "ZStack nocolon" }, headers: { date: new Date().toUTCString() } });
      expect(malformed.status).toBe(400);
      expect(malformed.text).toBe("accessKey format is 'ZStack AccessKeyId:Signature'");
    });

    it("authenticates the admin routes too, and refuses them without credentials", async () => {
      const date = new Date(clock.now()).toUTCString();
      const r = await client.get("/engine/v1/vms", { accessKey: { ...key, date } });
      expect(r.status, r.text).toBe(200);
      const anonymous = await client.get("/engine/v1/vms", "none");
      expect(anonymous.status).toBe(400);
      const bogus = await client.get("/engine/v1/vms", { session: "0123456789abcdef0123456789abcdef" });
      expect(bogus.status).toBe(401);
      expect(bogus.json.error.code).toBe("ID.1001");
    });
  });
});
