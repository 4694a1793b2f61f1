/**
 * The engine's health route behind a real HAProxy (test/support/haproxy.ts): both nodes take traffic, and a
 * stopped node leaves the rotation without a failed request. The base the scale-out tests build on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type Haproxy } from "../support/haproxy.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

describe("engine nodes behind HAProxy", () => {
  let a: TestEngine;
  let b: TestEngine;
  let lb: Haproxy;
  beforeAll(async () => {
    a = await startTestEngine();
    b = await startTestEngine();
    lb = await startHaproxy([a.url, b.url]);
  }, 60_000);
  afterAll(async () => {
    await lb?.stop();
    await a?.dispose();
    await b?.dispose();
  });

  it("answers the health route without a credential, from both nodes in turn", async () => {
    for (const node of [a, b]) {
      const r = await fetch(`${node.url}/engine/v1/health`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: "ok" });
    }
    for (let i = 0; i < 6; i++) expect((await fetch(`${lb.url}/engine/v1/health`)).status).toBe(200);
    // haproxy's log names the node of every request it passed on: round robin used both.
    await expect.poll(() => /nodes\/node1 /.test(lb.output()) && /nodes\/node2 /.test(lb.output()), { timeout: 5_000 }).toBe(true);
  });

  it("keeps answering through the balancer when a node stops", async () => {
    await b.dispose();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch(`${lb.url}/engine/v1/health`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
