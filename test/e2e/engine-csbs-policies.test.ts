import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashed } from "../../src/engine/domain/csbs/vm-ref.js";
import type { VmInstance } from "../../src/engine/domain/inventory.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, setUpLab, WEEKLY, type CsbsLab } from "./engine-csbs-lab.js";

describe("CSBS backup policies", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let token: string;
  let vm1: VmInstance;
  let vm2: VmInstance;
  const api = (method: string, path: string, body?: unknown) => call(engine.url, method, `/v1/${lab.projectId}${path}`, { token, body });

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context);
    ({ token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a"));
    vm1 = await lab.vm("web-1");
    vm2 = await lab.vm("db-1");
  });
  afterAll(async () => engine.dispose());

  it("creates, shows, lists, updates and deletes a policy", async () => {
    const created = await api("POST", "/policies", policyBody("c2c-policy", [{ id: dashed(vm1.uuid), name: "web-1" }]));
    expect(created.status).toBe(200);
    const p = created.body.policy;
    expect(p).toMatchObject({
      name: "c2c-policy",
      description: "test policy",
      status: "suspended",
      provider_id: CSBS_PROVIDER,
      project_id: lab.projectId,
      parameters: { common: {} },
      resources: [{ id: dashed(vm1.uuid), type: "OS::Nova::Server", name: "web-1" }],
      tags: [],
    });
    expect(p.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(p.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    const op = p.scheduled_operations[0];
    expect(op).toMatchObject({
      name: "weekly",
      enabled: true,
      operation_type: "backup",
      operation_definition: { max_backups: 20, permanent: false, plan_id: p.id, provider_id: CSBS_PROVIDER },
      trigger: { type: "time", name: "default", properties: { pattern: WEEKLY } },
    });
    expect(op.trigger_id).toBe(op.trigger.id);
    expect(op.trigger.properties.start_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    expect((await api("GET", `/policies/${p.id}`)).body.policy).toEqual(p);
    expect((await api("GET", "/policies")).body.policies.map((x: { id: string }) => x.id)).toContain(p.id);

    const updated = await api("PUT", `/policies/${p.id}`, {
      policy: {
        name: "c2c-policy-update",
        status: "started",
        resources: [
          { id: vm1.uuid, type: "OS::Nova::Server", name: "web-1" },
          { id: dashed(vm2.uuid), type: "OS::Nova::Server", name: "db-1" },
        ],
        scheduled_operations: [{ id: op.id, operation_definition: { retention_duration_days: -1 }, trigger: { properties: { pattern: WEEKLY.replace("BYHOUR=12", "BYHOUR=3") } } }],
      },
    });
    expect(updated.status).toBe(200);
    const u = updated.body.policy;
    expect(u).toMatchObject({ name: "c2c-policy-update", status: "started", description: "test policy" });
    expect(u.resources.map((r: { id: string }) => r.id)).toEqual([vm1.uuid, dashed(vm2.uuid)]);
    expect(u.scheduled_operations).toHaveLength(1);
    expect(u.scheduled_operations[0].operation_definition).toMatchObject({ max_backups: 20, retention_duration_days: -1 });
    expect(u.scheduled_operations[0].trigger.properties.pattern).toContain("BYHOUR=3;");

    expect((await api("DELETE", `/policies/${p.id}`)).status).toBe(200);
    const gone = await api("GET", `/policies/${p.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error_code: "CSBS.3000", error_msg: expect.stringContaining("plan not found") });
    expect((await api("DELETE", `/policies/${p.id}`)).status).toBe(404);
  });

  it("accepts numbers and booleans sent as strings in operation_definition", async () => {
    const body = policyBody("stringly", [{ id: vm1.uuid, name: "web-1" }]);
    const op = (body.policy.scheduled_operations as Record<string, unknown>[])[0]!;
    op.operation_definition = { max_backups: "5", permanent: "false", day_backups: "3", timezone: "UTC+08:00" };
    const r = await api("POST", "/policies", body);
    expect(r.status).toBe(200);
    expect(r.body.policy.scheduled_operations[0].operation_definition).toMatchObject({ max_backups: 5, permanent: false, day_backups: 3, timezone: "UTC+08:00" });
  });

  it("pages the policy list with limit and marker", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) expect((await api("POST", "/policies", policyBody(n, []))).status).toBe(200);
    const first = await api("GET", "/policies?limit=2&sort=name:asc");
    expect(first.body.policies).toHaveLength(2);
    const next = new URL(first.body.policies_links[0].href);
    expect(next.searchParams.get("marker")).toBe(first.body.policies[1].id);
    const rest = await call(engine.url, "GET", next.pathname + next.search, { token });
    expect(rest.body.policies.map((p: { name: string }) => p.name)).not.toContain(first.body.policies[0].name);
  });

  describe("rejects bad input with 400 and a CSBS error naming the field", () => {
    const base = () => policyBody("bad", [{ id: vm1.uuid, name: "web-1" }]);
    const withOp = (change: Record<string, unknown>) => {
      const b = base();
      const ops = b.policy.scheduled_operations as Record<string, unknown>[];
      ops[0] = { ...ops[0], ...change };
      return b;
    };
    const pattern = (rrule: string) => withOp({ trigger: { properties: { pattern: WEEKLY.replace("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27", rrule) } } });
    const cases: [string, () => unknown, string, RegExp][] = [
      ["malformed JSON", () => '{"policy": {', "CSBS.9001", /malformed JSON/],
      ["a body that is not an object", () => "[1,2]", "CSBS.9001", /must be a JSON object/],
      ["an oversized body", () => JSON.stringify({ policy: { name: "x".repeat(100_000) } }), "CSBS.9001", /exceeds the limit/],
      ["an unknown top-level field", () => ({ ...base(), extra: true }), "CSBS.9001", /^extra: unknown field/],
      ["an unknown nested field", () => ({ policy: { ...base().policy, colour: "red" } }), "CSBS.9001", /policy\.colour: unknown field/],
      ["a missing name", () => ({ policy: { ...base().policy, name: undefined } }), "CSBS.9001", /policy\.name: required field is missing/],
      ["a name of the wrong type", () => ({ policy: { ...base().policy, name: 42 } }), "CSBS.9001", /policy\.name: .*string/],
      ["missing scheduled_operations", () => ({ policy: { ...base().policy, scheduled_operations: undefined } }), "CSBS.9001", /policy\.scheduled_operations: required/],
      ["a wrong operation_type", () => withOp({ operation_type: "restore" }), "CSBS.9001", /scheduled_operations\[0\]\.operation_type/],
      ["max_backups out of range", () => withOp({ operation_definition: { max_backups: 0 } }), "CSBS.9001", /operation_definition\.max_backups: must be -1 or 1–99999/],
      ["a bad timezone", () => withOp({ operation_definition: { timezone: "Mars" } }), "CSBS.9001", /timezone: must look like UTC\+08:00/],
      ["a monthly trigger", () => pattern("FREQ=MONTHLY;BYHOUR=1;BYMINUTE=0"), "CSBS.9001", /trigger\.properties\.pattern: invalid trigger pattern: FREQ must be WEEKLY or DAILY/],
      ["a weekly trigger without BYDAY", () => pattern("FREQ=WEEKLY;BYHOUR=1;BYMINUTE=0"), "CSBS.9001", /needs BYDAY/],
      ["backups less than an hour apart", () => pattern("FREQ=DAILY;BYHOUR=1;BYMINUTE=0,30"), "CSBS.9001", /at least one hour apart/],
      ["an unsupported RRULE key", () => pattern("FREQ=DAILY;BYHOUR=1;BYMINUTE=0;COUNT=3"), "CSBS.9001", /COUNT is not supported/],
      ["an unknown provider", () => ({ policy: { ...base().policy, provider_id: "b766f37c-d011-4026-8228-28730d734a3f" } }), "CSBS.9001", /policy\.provider_id: provider invalid/],
      ["an unknown VM", () => policyBody("bad", [{ id: "7a32a8b5-7977-4e24-b5da-e0eb457db75b", name: "ghost" }]), "CSBS.6000", /resources\[0\]\.id: server do not exist: resource 7a32a8b5-7977-4e24-b5da-e0eb457db75b \(ghost\)/],
      ["a resource id that is no uuid", () => policyBody("bad", [{ id: "server0", name: "s0" }]), "CSBS.6000", /resource server0/],
      ["a volume resource", () => ({ policy: { ...base().policy, resources: [{ id: vm1.uuid, type: "OS::Cinder::Volume", name: "v" }] } }), "CSBS.6003", /type \(OS::Cinder::Volume\) is not support protection/],
      ["the same VM twice in both id forms", () => policyBody("bad", [{ id: vm1.uuid, name: "a" }, { id: dashed(vm1.uuid), name: "b" }]), "CSBS.9001", /resources\[1\]\.id: resource .* is listed twice/],
    ];
    it.each(cases)("%s", async (_what, body, code, message) => {
      const r = await api("POST", "/policies", body());
      expect(r.status).toBe(400);
      expect(Object.keys(r.body).sort()).toEqual(["error_code", "error_msg"]);
      expect(r.body.error_code).toBe(code);
      expect(r.body.error_msg).toMatch(message);
    });

    it("a duplicate name (CSBS.9007)", async () => {
      expect((await api("POST", "/policies", policyBody("twin", []))).status).toBe(200);
      const r = await api("POST", "/policies", policyBody("twin", []));
      expect(r.status).toBe(400);
      expect(r.body.error_code).toBe("CSBS.9007");
    });

    it("updates naming unknown operations, bad statuses and unknown query parameters", async () => {
      const p = (await api("POST", "/policies", policyBody("upd", []))).body.policy;
      const unknownOp = await api("PUT", `/policies/${p.id}`, { policy: { scheduled_operations: [{ id: "nope", enabled: false }] } });
      expect(unknownOp.body.error_msg).toMatch(/policy\.scheduled_operations\[0\]\.id: scheduled operation nope is not part/);
      const badStatus = await api("PUT", `/policies/${p.id}`, { policy: { status: "paused" } });
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.error_msg).toMatch(/policy\.status/);
      const badQuery = await api("GET", "/policies?colour=red");
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error_msg).toMatch(/colour: unknown query parameter/);
      const badLimit = await api("GET", "/policies?limit=-1");
      expect(badLimit.body.error_msg).toMatch(/limit: must be an integer/);
    });
  });

  it("answers unknown routes and methods under /v1 in both error shapes", async () => {
    const r = await api("GET", "/no-such-thing");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ itemNotFound: { code: 404 }, error_code: "APIGW.0101" });
    const m = await api("PATCH", "/policies");
    expect(m.status).toBe(405);
  });
});
