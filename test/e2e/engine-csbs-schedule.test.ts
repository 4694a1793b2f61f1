import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csbsServices } from "../../src/engine/domain/csbs/services.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, setUpLab, until, type CsbsLab } from "./engine-csbs-lab.js";

/** A clock the test moves by hand; the scheduler is ticked in process after each move. */
const clock = { t: Date.UTC(2026, 10, 25, 1, 0, 0), now() { return this.t; } };
const DAILY_0230 = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

describe("scheduled operations of started policies", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  // The test moves the clock by days, far past a token's lifetime: log in again whenever the clock moved.
  let session: { token: string; at: number } | undefined;
  const api = async (method: string, path: string, body?: unknown) => {
    if (session?.at !== clock.t) session = { token: (await login(engine.url, "alice", "s3cret-pw", "tenant-a")).token, at: clock.t };
    return call(engine.url, method, `/v1/${lab.projectId}${path}`, { token: session.token, body });
  };

  beforeAll(async () => {
    engine = await startTestEngine({ clock });
    lab = await setUpLab(engine.context);
  });
  afterAll(async () => engine.dispose());

  it("backs up at the trigger time only while started, and keeps max_backups automatic checkpoints", async () => {
    const vm = await lab.vm("web-1", [1024 * 1024]);
    const body = policyBody("daily", [{ id: vm.uuid, name: "web-1" }]);
    const ops = body.policy.scheduled_operations as Record<string, unknown>[];
    ops[0] = { ...ops[0], operation_definition: { max_backups: 2 }, trigger: { properties: { pattern: DAILY_0230 } } };
    const policy = (await api("POST", "/policies", body)).body.policy;
    const scheduler = csbsServices(engine.context).scheduler;
    const day = (n: number, h: number, m: number) => Date.UTC(2026, 10, 25 + n, h, m);
    const autoCheckpoints = async () =>
      (await api("GET", `/providers/${CSBS_PROVIDER}/checkpoints?plan_id=${policy.id}&sort=created_at:asc`)).body.checkpoints as { id: string; status: string; extra_info: Record<string, string> }[];

    // Suspended: the trigger time passes and nothing happens.
    clock.t = day(0, 2, 31);
    expect(await scheduler.tick()).toEqual([]);

    const startedRes = await api("PUT", `/policies/${policy.id}`, { policy: { status: "started" } });
    expect(startedRes.body.policy?.status, JSON.stringify(startedRes.body)).toBe("started");
    clock.t = day(0, 3, 0);
    expect(await scheduler.tick()).toEqual([]); // 02:30 was before the last tick

    const fired: string[] = [];
    for (const n of [1, 2, 3]) {
      clock.t = day(n, 2, 29);
      expect(await scheduler.tick()).toEqual([]);
      clock.t = day(n, 2, 30);
      const ids = await scheduler.tick();
      expect(ids).toHaveLength(1);
      fired.push(ids[0]!);
      await until(async () => ((await autoCheckpoints()).find((c) => c.id === ids[0])?.status === "available" ? true : undefined), "auto backup available");
    }
    const latest = (await autoCheckpoints()).find((c) => c.id === fired[2]);
    expect(latest?.extra_info).toMatchObject({ created_by: "operation-engine", trigger_id: policy.scheduled_operations[0].trigger_id });
    const items = (await api("GET", `/checkpoint_items?checkpoint_id=${fired[2]}`)).body.checkpoint_items;
    expect(items[0].extend_info.auto_trigger).toBe(true);
    expect(items[0].name).toMatch(/^autobk_/);

    // The third backup pushed the first past max_backups = 2.
    await until(async () => ((await autoCheckpoints()).some((c) => c.id === fired[0]) ? undefined : true), "oldest automatic checkpoint deleted");
    expect((await autoCheckpoints()).map((c) => c.id)).toEqual([fired[1], fired[2]]);

    // Disabling the operation stops the backups.
    await api("PUT", `/policies/${policy.id}`, { policy: { scheduled_operations: [{ id: policy.scheduled_operations[0].id, enabled: false }] } });
    clock.t = day(4, 2, 30);
    expect(await scheduler.tick()).toEqual([]);
  });
});
