import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, until } from "./engine-csbs-lab.js";

describe("the demo lab through the CSBS API", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
  });
  afterAll(async () => engine.dispose());

  it("lets the demo user protect a demo VM end to end", async () => {
    const { token, projectId } = await login(engine.url, "demo", "password", "demo");
    const api = (method: string, path: string, body?: unknown) => call(engine.url, method, `/v1/${projectId}${path}`, { token, body });
    const instances = (await api("GET", "/protectables/OS::Nova::Server/instances")).body.instances as { id: string; name: string }[];
    const web = instances.find((i) => i.name === "web-1");
    expect(web, JSON.stringify(instances)).toBeDefined();
    const policy = (await api("POST", "/policies", policyBody("demo-web", [{ id: web!.id, name: web!.name }]))).body.policy;
    const cp = (await api("POST", `/providers/${CSBS_PROVIDER}/checkpoints`, { checkpoint: { plan_id: policy.id, parameters: {} } })).body.checkpoint;
    await until(async () => ((await api("GET", `/providers/${CSBS_PROVIDER}/checkpoints/${cp.id}`)).body.checkpoint.status === "available" ? true : undefined), "available");
    const item = (await api("GET", `/checkpoint_items?checkpoint_id=${cp.id}`)).body.checkpoint_items[0];
    expect(item.extend_info.volume_backups.length).toBeGreaterThanOrEqual(2);
    expect(item.extend_info.size).toBeGreaterThan(0);
  });
});
