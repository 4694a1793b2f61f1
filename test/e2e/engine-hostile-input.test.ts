import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./engine-zstack-client.js";

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
});
