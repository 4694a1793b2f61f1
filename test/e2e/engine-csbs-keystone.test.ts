import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCsbsUser } from "../../src/engine/domain/csbs/services.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, login } from "./engine-csbs-lab.js";

/** A clock the test moves by hand, so token expiry is exact. */
const clock = { t: Date.UTC(2026, 10, 25, 12, 0, 0), now() { return this.t; } };

describe("Keystone v3 identity of the backup engine", () => {
  let engine: TestEngine;
  let projectA: string;
  let projectB: string;

  beforeAll(async () => {
    engine = await startTestEngine({ clock });
    projectA = createCsbsUser(engine.context, { name: "alice", password: "alice-pw", project: "tenant-a" }).project.uuid;
    projectB = createCsbsUser(engine.context, { name: "bob", password: "bob-pw", project: "tenant-b" }).project.uuid;
  });
  afterAll(async () => engine.dispose());

  it("answers version discovery at /v3 with a self link clients can follow", async () => {
    const r = await call(engine.url, "GET", "/v3");
    expect(r.status).toBe(200);
    expect(r.body.version).toMatchObject({ status: "stable", links: [{ rel: "self", href: `${engine.url}/v3/` }] });
    expect(r.body.version.id).toMatch(/^v3\.\d+$/);
  });

  it("issues a project-scoped token for the password method, with the data-protect endpoint in the catalog", async () => {
    const r = await call(engine.url, "POST", "/v3/auth/tokens", {
      body: {
        auth: {
          identity: { methods: ["password"], password: { user: { name: "alice", password: "alice-pw", domain: { id: "default" } } } },
          scope: { project: { id: projectA } },
        },
      },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get("x-subject-token")).toMatch(/^[\w-]{20,}$/);
    const t = r.body.token;
    expect(t.methods).toEqual(["password"]);
    expect(t.user).toMatchObject({ name: "alice", domain: { id: "default", name: "Default" } });
    expect(t.project).toEqual({ id: projectA, name: "tenant-a", domain: { id: "default", name: "Default" } });
    expect(Date.parse(t.expires_at) - Date.parse(t.issued_at)).toBe(3600_000);
    const dp = t.catalog.find((s: { type: string }) => s.type === "data-protect");
    expect(dp.endpoints.find((e: { interface: string }) => e.interface === "public").url).toBe(`${engine.url}/v1/${projectA}`);
  });

  it("re-scopes with the token method and keeps the original expiry", async () => {
    const first = await login(engine.url, "alice", "alice-pw", "tenant-a");
    clock.t += 60_000;
    const r = await call(engine.url, "POST", "/v3/auth/tokens", {
      body: { auth: { identity: { methods: ["token"], token: { id: first.token } }, scope: { project: { name: "tenant-a", domain: { name: "Default" } } } } },
    });
    expect(r.status).toBe(201);
    expect(r.body.token.methods).toEqual(["password", "token"]);
    expect(Date.parse(r.body.token.expires_at)).toBe(clock.t - 60_000 + 3600_000);
    const second = r.headers.get("x-subject-token")!;
    expect(second).not.toBe(first.token);
    expect((await call(engine.url, "GET", `/v1/${projectA}/policies`, { token: second })).status).toBe(200);
  });

  it("refuses a wrong password, an unknown user and a project the user is not a member of with 401", async () => {
    const attempt = (user: string, password: string, project: string) =>
      call(engine.url, "POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: { methods: ["password"], password: { user: { name: user, password, domain: { name: "Default" } } } },
            scope: { project: { name: project, domain: { name: "Default" } } },
          },
        },
      });
    for (const r of [await attempt("alice", "wrong", "tenant-a"), await attempt("nobody", "x", "tenant-a"), await attempt("alice", "alice-pw", "tenant-b")]) {
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ code: 401, title: "Unauthorized" });
      expect(r.headers.get("x-subject-token")).toBeNull();
    }
  });

  it("answers API calls without a token, with a garbage token or with an expired token with 401", async () => {
    const noToken = await call(engine.url, "GET", `/v1/${projectA}/policies`);
    expect(noToken.status).toBe(401);
    expect(noToken.body).toEqual({ error_code: "APIGW.0301", error_msg: expect.stringMatching(/X-Auth-Token/) });
    expect((await call(engine.url, "GET", `/v1/${projectA}/policies`, { token: "not-a-token" })).status).toBe(401);

    const { token } = await login(engine.url, "alice", "alice-pw", "tenant-a");
    expect((await call(engine.url, "GET", `/v1/${projectA}/policies`, { token })).status).toBe(200);
    clock.t += 3600_000;
    const expired = await call(engine.url, "GET", `/v1/${projectA}/policies`, { token });
    expect(expired.status).toBe(401);
    expect(expired.body.error_msg).toMatch(/expired/);
    // The Karbor dialect answers with a fault object the Karbor client understands.
    const karbor = await call(engine.url, "GET", `/v1/${projectA}/plans`, { token });
    expect(karbor.body).toEqual({ unauthorized: { code: 401, message: expect.stringMatching(/expired/) } });
  });

  it("forbids a token of one project from touching another project's objects (403)", async () => {
    const a = await login(engine.url, "alice", "alice-pw", "tenant-a");
    const b = await login(engine.url, "bob", "bob-pw", "tenant-b");
    for (const [method, path] of [
      ["GET", `/v1/${projectB}/policies`],
      ["GET", `/v1/${projectB}/checkpoint_items`],
      ["DELETE", `/v1/${projectB}/policies/00000000-0000-0000-0000-000000000000`],
      ["GET", `/v1/${projectB}/plans`],
    ] as const) {
      const r = await call(engine.url, method, path, { token: a.token });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    expect((await call(engine.url, "GET", `/v1/${projectB}/policies`, { token: b.token })).status).toBe(200);
  });

  it("validates and revokes tokens", async () => {
    const admin = await login(engine.url, "alice", "alice-pw", "tenant-a");
    const victim = await login(engine.url, "alice", "alice-pw", "tenant-a");
    const check = await call(engine.url, "GET", "/v3/auth/tokens", { token: admin.token, headers: { "x-subject-token": victim.token } });
    expect(check.status).toBe(200);
    expect(check.body.token.project.id).toBe(projectA);
    expect((await call(engine.url, "DELETE", "/v3/auth/tokens", { token: admin.token, headers: { "x-subject-token": victim.token } })).status).toBe(204);
    expect((await call(engine.url, "GET", `/v1/${projectA}/policies`, { token: victim.token })).status).toBe(401);
  });

  it("answers malformed auth requests with 400 naming the field, never 500", async () => {
    const cases: [unknown, RegExp][] = [
      ["{not json", /malformed JSON/],
      [{}, /auth: required field is missing/],
      [{ auth: { identity: { methods: ["password"] } } }, /auth\.identity\.password/],
      [{ auth: { identity: { methods: ["kerberos"] } } }, /auth\.identity\.methods\[0\]/],
      [{ auth: { identity: { methods: ["token"], token: { id: "x" } }, extra: 1 } }, /auth\.extra: unknown field/],
      ["x".repeat(200_000), /exceeds the limit/],
    ];
    for (const [body, message] of cases) {
      const r = await call(engine.url, "POST", "/v3/auth/tokens", { body });
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
  });

  it("keeps users and unexpired tokens across a restart", async () => {
    const first = await startTestEngine({ clock });
    const projectId = createCsbsUser(first.context, { name: "carol", password: "carol-pw", project: "tenant-c" }).project.uuid;
    const { token } = await login(first.url, "carol", "carol-pw", "tenant-c");
    await first.close();
    const again = await startTestEngine({ dataDir: first.dataDir, clock });
    try {
      expect((await call(again.url, "GET", `/v1/${projectId}/policies`, { token })).status).toBe(200);
      expect((await login(again.url, "carol", "carol-pw", "tenant-c")).projectId).toBe(projectId);
    } finally {
      await again.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
