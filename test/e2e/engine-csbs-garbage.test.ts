import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, setUpLab, type CsbsLab } from "./engine-csbs-lab.js";

/** Every CSBS/Karbor/Keystone route answers garbage with a 4xx JSON error: never a 500, never a hang. */
describe("garbage in, 4xx out", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let token: string;
  let policyId: string;
  let checkpointId: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context);
    ({ token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a"));
    const vm = await lab.vm("web-1", [1024 * 1024]);
    policyId = (await call(engine.url, "POST", `/v1/${lab.projectId}/policies`, { token, body: policyBody("p", [{ id: vm.uuid, name: "web-1" }]) })).body.policy.id;
    checkpointId = (await call(engine.url, "POST", `/v1/${lab.projectId}/providers/${CSBS_PROVIDER}/checkpoints`, { token, body: { checkpoint: { plan_id: policyId, parameters: {} } } })).body.checkpoint.id;
  });
  afterAll(async () => engine.dispose());

  const bodies: unknown[] = [
    "",
    "null",
    "[]",
    '"text"',
    "42",
    "{",
    "\u0000\u0001",
    { policy: null },
    { policy: [] },
    { plan: "x" },
    { checkpoint: [] },
    { checkpoint: { plan_id: null, parameters: null } },
    { checkpoint: { plan_id: "x".repeat(5000), parameters: { resources: [1, 2] } } },
    { policy: { name: "é🙂", provider_id: CSBS_PROVIDER, resources: [{}], scheduled_operations: [{}] } },
    { policy: { scheduled_operations: [{ id: 5 }], resources: "all", status: true } },
    { auth: { identity: { methods: [], password: 1 } } },
    { auth: { identity: { methods: ["token"], token: { id: "" } }, scope: { system: { all: true } } } },
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}'),
    Array.from({ length: 50 }).reduce<unknown>((inner) => ({ a: inner }), {}),
  ];

  it("on every write route", async () => {
    const p = `/v1/${lab.projectId}`;
    const routes: [string, string][] = [
      ["POST", "/v3/auth/tokens"],
      ["POST", `${p}/policies`],
      ["PUT", `${p}/policies/${policyId}`],
      ["POST", `${p}/plans`],
      ["PUT", `${p}/plans/${policyId}`],
      ["POST", `${p}/providers/${CSBS_PROVIDER}/checkpoints`],
      ["POST", `${p}/providers/not-a-provider/checkpoints`],
    ];
    for (const [method, path] of routes) {
      for (const body of bodies) {
        const r = await call(engine.url, method, path, { token, body });
        const what = `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}`;
        expect(r.status, what).toBeGreaterThanOrEqual(400);
        expect(r.status, what).toBeLessThan(500);
        expect(r.body, what).toBeTypeOf("object");
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("on every read and delete route with odd ids and queries", async () => {
    const p = `/v1/${lab.projectId}`;
    const odd = ["%00", "..%2F..", "%E2%82", "x".repeat(300), "'; DROP TABLE objects; --"];
    for (const id of odd) {
      for (const [method, path] of [
        ["GET", `${p}/policies/${id}`],
        ["DELETE", `${p}/policies/${id}`],
        ["GET", `${p}/plans/${id}`],
        ["GET", `${p}/checkpoint_items/${id}`],
        ["GET", `${p}/providers/${id}`],
        ["GET", `${p}/providers/${CSBS_PROVIDER}/checkpoints/${id}`],
        ["DELETE", `${p}/providers/${CSBS_PROVIDER}/checkpoints/${id}`],
        ["DELETE", `${p}/providers/${id}/checkpoints/${checkpointId}`],
        ["GET", `${p}/protectables/${id}/instances/${id}`],
        ["GET", `/v1/${id}/policies`],
      ] as const) {
        const r = await call(engine.url, method, path, { token });
        expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    for (const q of ["limit=1e3", "limit=99999999999999999999", "offset=-1", "sort=", "sort=:", "sort=name:up", "start_time=2026-13-45", "end_time=", "marker=", "status=", "checkpoint_id=a&checkpoint_id=b"]) {
      for (const path of [`${p}/checkpoint_items`, `${p}/checkpoint_items/count`, `${p}/policies`, `${p}/providers/${CSBS_PROVIDER}/checkpoints`]) {
        const r = await call(engine.url, "GET", `${path}?${q}`, { token });
        expect(r.status, `${path}?${q}`).toBeLessThan(500);
      }
    }
    // The database survived the SQL-looking ids.
    expect((await call(engine.url, "GET", `${p}/policies/${policyId}`, { token })).status).toBe(200);
  });
});
