import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./engine-zstack-client.js";

/** Bad requests get the REST layer's 4xx plain-text answer naming the field, never a 500 or a crash. */
describe("ZStack API bad input", () => {
  let lab: Lab;
  let policyUuid: string;

  beforeAll(async () => {
    lab = await startLab();
    policyUuid = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "p", recoveryPointPerSecond: 10 } })).inventory.uuid;
  });
  afterAll(() => lab.engine.dispose());

  const post = (path: string, body: unknown) => lab.client.request("POST", path, { body });
  const task = () => ({ name: "t", taskType: "VM", policyUuid, backupStorageUuid: lab.bs.uuid, resourceUuids: [lab.vms[0].uuid] });

  it.each([
    ["an unknown top-level key", () => ({ params: task(), extra: 1 }), "extra: unknown field"],
    ["a wrong type", () => ({ params: { ...task(), maxLatency: "fast" } }), "params.maxLatency"],
    ["a fractional long", () => ({ params: { ...task(), backupBandwidth: 1.5 } }), "params.backupBandwidth"],
    ["a negative long", () => ({ params: { ...task(), maxCapacity: -5 } }), "params.maxCapacity"],
    ["a missing required field", () => ({ params: { ...task(), name: undefined } }), "params.name: required field is missing"],
    ["no params at all", () => ({}), "params.name: required field is missing"],
    ["params that are not an object", () => ({ params: [1] }), "params: must be a JSON object"],
    ["a malformed uuid", () => ({ params: { ...task(), policyUuid: "abc" } }), "params.policyUuid"],
    ["a malformed resourceUuid", () => ({ params: { ...task(), resourceUuid: "ABC" } }), "params.resourceUuid"],
    ["an empty taskType", () => ({ params: { ...task(), taskType: "" } }), "params.taskType: must not be empty"],
    ["system tags that are not strings", () => ({ params: task(), systemTags: [1] }), "systemTags"],
  ])("rejects %s", async (_name, body, message) => {
    const r = await post("/zstack/v1/cdp-backup-storage/task", body());
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("text/plain");
    expect(r.text).toContain(message);
  });

  it("checks ranges of policy fields", async () => {
    const r = await post("/zstack/v1/cdp-backup-storage/policy", { params: { name: "x", recoveryPointPerSecond: 3601, retentionTimePerDay: 0 } });
    expect(r.status).toBe(400);
    expect(r.text).toContain("params.recoveryPointPerSecond: must be at most 3600");
    expect(r.text).toContain("params.retentionTimePerDay: must be at least 1");
  });

  it("names the action key in messages when the body uses it, and refuses both keys at once", async () => {
    const r = await lab.client.request("PUT", `/zstack/v1/cdp-backup-storage/policy/${policyUuid}/actions`, { body: { updateCdpPolicy: { recoveryPointPerSecond: "1" } } });
    expect(r.status).toBe(400);
    expect(r.text).toContain("updateCdpPolicy.recoveryPointPerSecond");
    const both = await lab.client.request("PUT", `/zstack/v1/cdp-backup-storage/policy/${policyUuid}/actions`, { body: { updateCdpPolicy: {}, params: {} } });
    expect(both.status).toBe(400);
    // As on ZStack, whose RestServer reads an action's parameters from its action-name key only.
    const paramsOnly = await lab.client.request("PUT", `/zstack/v1/cdp-backup-storage/policy/${policyUuid}/actions`, { body: { params: { name: "x" } } });
    expect(paramsOnly.status).toBe(400);
    expect(paramsOnly.text).toContain("go in 'updateCdpPolicy', not 'params'");
  });

  it("rejects malformed JSON and a body that is not an object", async () => {
    const bad = await lab.client.request("POST", "/zstack/v1/cdp-backup-storage/task", { raw: '{"params": {', headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("malformed JSON");
    const arr = await lab.client.request("POST", "/zstack/v1/cdp-backup-storage/task", { raw: "[1,2]", headers: { "content-type": "application/json" } });
    expect(arr.status).toBe(400);
    expect(arr.text).toContain("JSON object");
  });

  it("rejects an oversized body with 413", async () => {
    const r = await post("/zstack/v1/cdp-backup-storage/task", { params: { ...task(), description: "x".repeat(2 * 1024 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.text).toContain("exceeds the limit");
  });

  it("rejects bad query parameters of DELETE calls", async () => {
    const r = await lab.client.request("DELETE", `/zstack/v1/cdp-task/${policyUuid}?deleteMode=Sometimes`);
    expect(r.status).toBe(400);
    expect(r.text).toContain("deleteMode");
    const emptyBs = await lab.client.request("DELETE", "/zstack/v1/vm-backups/0123456789abcdef0123456789abcdef?backupStorageUuids=");
    expect(emptyBs.status).toBe(400);
  });

  it("answers unknown paths with 404 and wrong methods with 405", async () => {
    const r = await lab.client.get("/zstack/v1/no-such-things");
    expect(r.status).toBe(404);
    expect(r.text).toBe("no api mapping to /v1/no-such-things");
    const m = await lab.client.request("PATCH", "/zstack/v1/cdp-task");
    expect(m.status).toBe(405);
  });

  it("answers bad admin requests with JSON errors naming the field", async () => {
    const noVolumes = await lab.client.request("POST", "/engine/v1/vms", { body: { name: "x", volumes: [] } });
    expect(noVolumes.status).toBe(400);
    expect(noVolumes.json.error.details).toContain("volumes");
    const badSize = await lab.client.request("POST", "/engine/v1/vms", { body: { name: "x", volumes: [{ size: -1 }] } });
    expect(badSize.status).toBe(400);
    expect(badSize.json.error.details).toContain("volumes.0.size");
    const vol = lab.vms[0].allVolumes[1];
    const past = await lab.client.request("PUT", `/engine/v1/volumes/${vol.uuid}/data?offset=${vol.size}`, { raw: new Uint8Array(10) });
    expect(past.status).toBe(400);
    expect(past.json.error.details).toContain("past the end");
    const noOffset = await lab.client.request("PUT", `/engine/v1/volumes/${vol.uuid}/data`, { raw: new Uint8Array(10) });
    expect(noOffset.status).toBe(400);
    expect(noOffset.json.error.details).toContain("offset");
    const missing = await lab.client.get("/engine/v1/volumes/0123456789abcdef0123456789abcdef/sha256");
    expect(missing.status).toBe(404);
  });

  it("still serves normally after all of that", async () => {
    expect((await lab.client.get("/zstack/v1/cdp-task")).status).toBe(200);
  });
});
