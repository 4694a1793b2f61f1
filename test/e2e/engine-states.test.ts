import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/** The engine's Terraform http state server, spoken to over plain HTTP as Terraform's http backend does. */

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", "password");

function lockInfo(id: string, who = "alice@ci") {
  return { ID: id, Operation: "OperationTypeApply", Info: "", Who: who, Version: "1.11.4", Created: "2026-12-07T17:00:00Z", Path: "" };
}

function state(serial: number, lineage = "6f1c2a9e-0000-4000-8000-000000000001") {
  return JSON.stringify({ version: 4, terraform_version: "1.11.4", serial, lineage, outputs: {}, resources: [], check_results: null });
}

describe("engine state server (/engine/v1/states)", () => {
  let engine: TestEngine;
  const call = (method: string, path: string, body?: string, auth: string | null = ADMIN, headers: Record<string, string> = {}) =>
    fetch(`${engine.url}/engine/v1/states${path}`, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });

  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine.dispose());

  it("needs an engine account: no credentials and a wrong password are 401 with a basic challenge", async () => {
    const none = await call("GET", "/app", undefined, null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await call("GET", "/app", undefined, basic("admin", "nope"));
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.details).toContain('wrong account name or password for "admin"');
  });

  it("answers 204 for a state never written, then keeps every version written", async () => {
    expect((await call("GET", "/app")).status).toBe(204);
    for (const serial of [1, 2, 3]) {
      const body = state(serial);
      const md5 = createHash("md5").update(body).digest("base64");
      const r = await call("POST", "/app", body, ADMIN, { "content-md5": md5 });
      expect(r.status, await r.clone().text()).toBe(200);
      expect(await json(r)).toMatchObject({ version: serial, serial, size: Buffer.byteLength(body), md5, createdBy: "admin" });
    }
    const current = await call("GET", "/app");
    expect(current.status).toBe(200);
    expect(JSON.parse(await current.text()).serial).toBe(3);
    expect(current.headers.get("content-md5")).toBe(createHash("md5").update(state(3)).digest("base64"));
    const versions = (await json(await call("GET", "/app/versions"))).versions;
    expect(versions.map((v: { version: number; serial: number }) => [v.version, v.serial])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const v1 = await call("GET", "/app/versions/1");
    expect(await v1.text()).toBe(state(1));
    expect((await call("GET", "/app/versions/9")).status).toBe(404);
    const list = (await json(await call("GET", ""))).states;
    expect(list).toContainEqual(expect.objectContaining({ name: "app", latest: expect.objectContaining({ version: 3, serial: 3 }), lock: null }));
  });

  it("refuses a body that is not a state, and one whose Content-MD5 does not match", async () => {
    const bad = await call("POST", "/junk", "not json");
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details).toContain("must be a JSON object");
    const damaged = await call("POST", "/junk", state(1), ADMIN, { "content-md5": createHash("md5").update("other").digest("base64") });
    expect(damaged.status).toBe(400);
    expect((await json(damaged)).error.details).toContain("Content-MD5");
    expect((await call("GET", "/junk")).status).toBe(204);
    const badName = await call("GET", "/..%2Fx");
    expect(badName.status).toBe(400);
  });

  it("locks like Terraform's http backend: a second holder gets 423 with the first holder's LockInfo", async () => {
    const first = lockInfo("11111111-1111-4111-8111-111111111111");
    expect((await call("LOCK", "/locked/lock", JSON.stringify(first))).status).toBe(200);
    // the same ID again is the same holder retrying: still 200
    expect((await call("LOCK", "/locked", JSON.stringify(first))).status).toBe(200);
    const second = await call("LOCK", "/locked/lock", JSON.stringify(lockInfo("22222222-2222-4222-8222-222222222222", "bob@laptop")));
    expect(second.status).toBe(423);
    expect(await json(second)).toEqual(first);
    expect(await json(await call("GET", "/locked/lock"))).toEqual(first);

    // writes must carry the holder's ID
    const noId = await call("POST", "/locked", state(1));
    expect(noId.status).toBe(423);
    expect((await json(noId)).ID).toBe(first.ID);
    expect((await call("POST", `/locked?ID=${encodeURIComponent("22222222-2222-4222-8222-222222222222")}`, state(1))).status).toBe(423);
    expect((await call("POST", `/locked?ID=${first.ID}`, state(1))).status).toBe(200);

    // unlock must name the holder's ID
    const wrongUnlock = await call("UNLOCK", "/locked/lock", JSON.stringify(lockInfo("22222222-2222-4222-8222-222222222222")));
    expect(wrongUnlock.status).toBe(423);
    expect((await call("UNLOCK", "/locked/lock", JSON.stringify(first))).status).toBe(200);
    const again = await call("UNLOCK", "/locked/lock", JSON.stringify(first));
    expect(again.status).toBe(409);
    expect((await json(again)).error.details).toContain("is not locked");
    expect((await call("GET", "/locked/lock")).status).toBe(204);
    expect((await call("POST", "/locked", state(2))).status).toBe(200);
  });

  it("takes the lock GitLab style too (POST/DELETE on .../lock) and lets an admin force-unlock", async () => {
    const info = lockInfo("33333333-3333-4333-8333-333333333333");
    expect((await call("POST", "/gl/lock", JSON.stringify(info))).status).toBe(200);
    expect((await call("POST", "/gl/lock", JSON.stringify(lockInfo("44444444-4444-4444-8444-444444444444")))).status).toBe(423);
    expect((await call("DELETE", "/gl/lock?force=true")).status).toBe(200);
    expect((await call("GET", "/gl/lock")).status).toBe(204);
    const badLock = await call("LOCK", "/gl/lock", JSON.stringify({ Who: "x" }));
    expect(badLock.status).toBe(400);
  });

  it("keeps states, versions and locks across an engine restart", async () => {
    const dataDir = engine.dataDir;
    const url = engine.url;
    await engine.close();
    const reopened = await startTestEngine({ dataDir, port: Number(new URL(url).port) });
    try {
      const r = await fetch(`${reopened.url}/engine/v1/states/app/versions`, { headers: { authorization: ADMIN } });
      expect((await json(r)).versions).toHaveLength(3);
    } finally {
      await reopened.close();
    }
    engine = await startTestEngine({ dataDir });
    // dispose removes only data dirs it created; this one belongs to the first engine, removed at the end
    const original = engine.dispose.bind(engine);
    engine.dispose = async () => {
      await original();
      const { rmSync } = await import("node:fs");
      rmSync(dataDir, { recursive: true, force: true });
    };
  });

  it("deletes a state with all its versions", async () => {
    expect((await call("DELETE", "/app")).status).toBe(200);
    expect((await call("GET", "/app")).status).toBe(204);
    expect((await json(await call("GET", "/app/versions"))).versions).toEqual([]);
    expect((await call("DELETE", "/app")).status).toBe(404);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
async function json(r: Response): Promise<any> {
  return r.json();
}
