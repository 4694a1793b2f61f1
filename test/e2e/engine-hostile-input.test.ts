import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./engine-zstack-client.js";
import { call, login } from "./engine-csbs-lab.js";
import { backplan, workdir } from "./plan-harness.js";

/** Hostile input against a real engine: every answer is a quick 4xx naming the field, never a stall or a 5xx. */
describe("engine under hostile input", () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
    await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "a".repeat(255), recoveryPointPerSecond: 100 } });
  });
  afterAll(() => lab.engine.dispose());

  const q = (cond: string) => `q=${encodeURIComponent(cond)}`;

  it("answers a backtracking LIKE pattern over a 255-character name fast, and other requests meanwhile", async () => {
    const timed = async (path: string) => {
      const started = performance.now();
      const r = await lab.client.get(path);
      return { r, ms: performance.now() - started };
    };
    const [like, notLike, other] = await Promise.all([
      timed(`/zstack/v1/cdp-backup-storage/policy?${q("name~=%a%a%a%a%a%a%a%a%a%a%a%a%ab")}`),
      timed(`/zstack/v1/cdp-backup-storage/policy?${q("name!~=%a%a%a%a%a%a%a%a%a%a%a%a%ab")}`),
      timed("/zstack/v1/zones"),
    ]);
    expect(like.r.status).toBe(200);
    expect(like.r.json.inventories).toEqual([]);
    expect(notLike.r.json.inventories.map((p: { name: string }) => p.name)).toEqual(["a".repeat(255)]);
    expect(other.r.status).toBe(200);
    for (const t of [like, notLike, other]) expect(t.ms).toBeLessThan(2000);
  });

  it.each(["__proto__", "toString", "constructor", "valueOf", "hasOwnProperty"])("q=%s=1 is a 400 naming the field", async (field) => {
    const r = await lab.client.get(`/zstack/v1/cdp-backup-storage/policy?${q(`${field}=1`)}`);
    expect(r.status).toBe(400);
    expect(r.text).toContain(`'${field}'`);
  });

  it("a CSBS body nested 5,000 deep is a 400, not a stack overflow", async () => {
    const { token, projectId } = await login(lab.engine.url, "demo", "password", "demo");
    const deep = `{"policy":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const r = await call(lab.engine.url, "POST", `/v1/${projectId}/policies`, { token, body: deep });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("nested");
    const keystone = await call(lab.engine.url, "POST", "/v3/auth/tokens", { body: `{"auth":${"{\"a\":".repeat(5000)}1${"}".repeat(5000)}}` });
    expect(keystone.status).toBe(400);
  });

  it("an admin volume over 16 TiB is a 400 naming the size", async () => {
    const r = await lab.client.request("POST", "/engine/v1/vms", { body: { name: "huge", volumes: [{ size: 17 * 1024 ** 4 }] } });
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain("size");
    const ok = await lab.client.request("POST", "/engine/v1/vms", { body: { name: "big", volumes: [{ size: 1024 ** 4 }] } });
    expect(ok.status, ok.text).toBeLessThan(300);
  });

  it("plan with a wrong password is a diagnostic, not a stack trace", async () => {
    const dir = workdir(`
variable "password" {
  type = string
}

provider "zstack" {
  endpoint         = "${lab.engine.url}/zstack"
  account_name     = "admin"
  account_password = var.password
}

resource "zstack_cdp_policy" "p" {
  name                      = "p"
  recovery_point_per_second = 60
}
`);
    const applied = await backplan(["apply", "-auto-approve", "-no-color", "-var", "password=password"], dir);
    expect(applied.code, applied.stderr).toBe(0);
    const r = await backplan(["plan", "-no-color", "-var", "password=wrong"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("wrong account name or password");
    expect(r.stderr).toMatch(/^Error: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("an AccessKey-signed admin write cannot be replayed with another body", async () => {
    const created = await lab.client.request("POST", "/engine/v1/access-keys", { body: {} });
    const key = { id: created.json.inventory.AccessKeyID as string, secret: created.json.inventory.AccessKeySecret as string, date: new Date().toUTCString() };
    const vol = lab.vms[0].allVolumes[0].uuid;
    const first = await lab.client.request("PUT", `/engine/v1/volumes/${vol}/data?offset=0`, { raw: new Uint8Array([1, 2, 3]), auth: { accessKey: key } });
    expect(first.status, first.text).toBe(200);
    const replay = await lab.client.request("PUT", `/engine/v1/volumes/${vol}/data?offset=4096`, { raw: new Uint8Array([6, 6, 6]), auth: { accessKey: key } });
    expect(replay.status).toBe(401);
    expect(replay.text).toContain("already used");
    // Reads are not changes: the same signed GET works twice.
    const read = { ...key, date: new Date(Date.now() + 1000).toUTCString() };
    for (let i = 0; i < 2; i++) expect((await lab.client.get("/engine/v1/vms", { accessKey: read })).status).toBe(200);
  });
});
