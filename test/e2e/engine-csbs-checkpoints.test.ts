import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CsbsError } from "../../src/engine/domain/csbs/errors.js";
import { csbsServices } from "../../src/engine/domain/csbs/services.js";
import { dashed } from "../../src/engine/domain/csbs/vm-ref.js";
import type { VmInstance } from "../../src/engine/domain/inventory.js";
import { SqliteMetadataStore } from "../../src/engine/store/sqlite-store.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, policyBody, setUpLab, until, type CsbsLab } from "./engine-csbs-lab.js";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("CSBS checkpoints and checkpoint items", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let token: string;
  let web: VmInstance;
  let db: VmInstance;
  let policyId: string;
  const api = (method: string, path: string, body?: unknown) => call(engine.url, method, `/v1/${lab.projectId}${path}`, { token, body });
  const execute = (body: unknown) => api("POST", `/providers/${CSBS_PROVIDER}/checkpoints`, body);
  const checkpoint = (id: string) => api("GET", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`);
  const settled = (id: string, status: string) =>
    until(async () => {
      const r = await checkpoint(id);
      return r.body.checkpoint.status === status ? r.body.checkpoint : undefined;
    }, `checkpoint ${id} ${status}`);

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context);
    ({ token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a"));
    web = await lab.vm("web-1");
    db = await lab.vm("db-1", [3 * 1024 * 1024]);
    const inv = engine.context.inventory;
    await inv.writeVolume(web.rootVolumeUuid, 0, Buffer.from("root of web"));
    await inv.writeVolume(inv.vmVolumes(web.uuid)[1]!.uuid, 1024 * 1024 + 7, Buffer.alloc(4096, 0xab));
    await inv.writeVolume(db.rootVolumeUuid, 3 * 1024 * 1024 - 5, Buffer.from("tail!"));
    const p = await api("POST", "/policies", policyBody("nightly", [{ id: dashed(web.uuid), name: "web-1" }, { id: db.uuid, name: "db-1" }]));
    policyId = p.body.policy.id;
  });
  afterAll(async () => engine.dispose());

  it("moves protecting → available and stores byte-identical copies of every volume", async () => {
    const sources = Object.fromEntries(engine.context.inventory.vmVolumes(web.uuid).concat(engine.context.inventory.vmVolumes(db.uuid)).map((v) => [v.uuid, sha256(v.installPath)]));
    const r = await execute({ checkpoint: { plan_id: policyId, parameters: { auto_trigger: false } } });
    expect(r.status).toBe(200);
    expect(r.body.checkpoint.status).toBe("protecting");
    const id = r.body.checkpoint.id as string;

    // The bytes change right after the backup was taken; the copies must keep the old ones.
    const cp = await settled(id, "available");
    expect(cp.protection_plan.resources.map((x: { name: string }) => x.name)).toEqual(["web-1", "db-1"]);
    await engine.context.inventory.writeVolume(web.rootVolumeUuid, 0, Buffer.from("CHANGED"));

    const items = (await api("GET", `/checkpoint_items?checkpoint_id=${id}&sort=name:asc`)).body.checkpoint_items;
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item).toMatchObject({ status: "available", checkpoint_id: id, resource_type: "OS::Nova::Server", extend_info: { progress: 100, image_type: "backup", auto_trigger: false } });
      expect(item.extend_info.finished_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
    const all = items.flatMap((i: { extend_info: { volume_backups: unknown[] } }) => i.extend_info.volume_backups);
    expect(all).toHaveLength(3);
    const store = csbsServices(engine.context).checkpoints;
    for (const item of items) {
      const record = store.items.get(item.id)!;
      expect(record.volumeBackups.map((v) => v.volumeUuid).sort()).toEqual(item.extend_info.volume_backups.map((v: { source_volume_id: string }) => v.source_volume_id).sort());
      for (const v of record.volumeBackups) {
        const dest = `${engine.dataDir}/restore-${v.volumeUuid}.raw`;
        await engine.context.backupStore.restore(v.storageDir, v.backupId, dest);
        expect(sha256(dest), `volume ${v.volumeName}`).toBe(sources[v.volumeUuid]);
      }
    }
    expect(sha256(engine.context.inventory.volumes.get(web.rootVolumeUuid)!.installPath)).not.toBe(sources[web.rootVolumeUuid]);
  });

  it("deletes asynchronously: deleting → deleted, copies removed, a second delete is 404", async () => {
    const id = (await execute({ checkpoint: { plan_id: policyId, parameters: {} } })).body.checkpoint.id as string;
    await settled(id, "available");
    const records = csbsServices(engine.context).checkpoints.itemsOf(id).flatMap((i) => i.volumeBackups);
    const storageDir = records[0]!.storageDir;
    expect(await engine.context.backupStore.list(storageDir)).toEqual(expect.arrayContaining(records.map((r) => r.backupId)));

    const del = await api("DELETE", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    expect(["deleting", "deleted"]).toContain((await checkpoint(id)).body.checkpoint.status);
    await settled(id, "deleted");
    const left = await engine.context.backupStore.list(storageDir);
    for (const r of records) expect(left).not.toContain(r.backupId);

    const items = (await api("GET", `/checkpoint_items?checkpoint_id=${id}&status=deleted`)).body.checkpoint_items;
    expect(items.map((i: { status: string }) => i.status)).toEqual(["deleted", "deleted"]);
    expect((await api("GET", `/checkpoint_items?checkpoint_id=${id}`)).body.checkpoint_items).toEqual([]);
    const again = await api("DELETE", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error_code: "CSBS.3001", itemNotFound: { code: 404 } });
  });

  it("deletes a single item with ?checkpoint_items=, keeping the rest of the checkpoint", async () => {
    const id = (await execute({ checkpoint: { plan_id: policyId, parameters: {} } })).body.checkpoint.id as string;
    await settled(id, "available");
    const [first, second] = csbsServices(engine.context).checkpoints.itemsOf(id);
    expect((await api("DELETE", `/providers/${CSBS_PROVIDER}/checkpoints/${id}?checkpoint_items=${first!.uuid}`)).status).toBe(200);
    await until(async () => ((await api("GET", `/checkpoint_items/${first!.uuid}`)).body.checkpoint_item.status === "deleted" ? true : undefined), "item deleted");
    expect((await api("GET", `/checkpoint_items/${second!.uuid}`)).body.checkpoint_item.status).toBe("available");
    expect((await settled(id, "available")).id).toBe(id);
  });

  it("resets a settled checkpoint's state the Karbor way (os-resetState)", async () => {
    const id = (await execute({ checkpoint: { plan_id: policyId, parameters: {} } })).body.checkpoint.id as string;
    await settled(id, "available");
    const reset = (state: string) => api("PUT", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`, { "os-resetState": { state } });
    expect((await reset("error")).status).toBe(202);
    expect((await checkpoint(id)).body.checkpoint.status).toBe("error");
    expect((await reset("available")).status).toBe(202);
    expect((await checkpoint(id)).body.checkpoint.status).toBe("available");
    const bad = await reset("protecting");
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toMatch(/os-resetState\.state/);
  });

  it("backs up only the requested resources, in either id form, and rejects others", async () => {
    const r = await execute({ checkpoint: { plan_id: policyId, parameters: { resources: [db.uuid.toUpperCase()] } } });
    expect(r.status).toBe(200);
    expect(r.body.checkpoint.protection_plan.resources).toEqual([{ id: db.uuid, type: "OS::Nova::Server", name: "db-1", extra_info: "{}" }]);
    await settled(r.body.checkpoint.id, "available");
    const stranger = await lab.vm("stranger");
    const bad = await execute({ checkpoint: { plan_id: policyId, parameters: { resources: [dashed(stranger.uuid)] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toMatch(/checkpoint\.parameters\.resources\[0\]: resource .* is not protected by backup policy/);
  });

  it("accepts Karbor's own request form and records extra_info", async () => {
    const r = await execute({ checkpoint: { plan_id: policyId, "extra-info": { created_by: "operator", ticket: "42" } } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.checkpoint.extra_info)).toEqual({ created_by: "operator", ticket: "42" });
    const k = await settled(r.body.checkpoint.id, "available");
    expect(k.extra_info).toEqual({ created_by: "operator", ticket: "42" });
  });

  it("rejects bad executions with the documented codes", async () => {
    const empty = (await api("POST", "/policies", policyBody("empty", []))).body.policy.id;
    const cases: [unknown, number, string, RegExp][] = [
      [{ checkpoint: { plan_id: policyId } }, 400, "CSBS.9001", /checkpoint\.parameters: required field is missing/],
      [{ checkpoint: { plan_id: policyId, parameters: { auto_trigger: "maybe" } } }, 400, "CSBS.9001", /checkpoint\.parameters\.auto_trigger/],
      [{ checkpoint: { plan_id: policyId, parameters: {}, when: "now" } }, 400, "CSBS.9001", /checkpoint\.when: unknown field/],
      [{ checkpoint: { parameters: {} } }, 400, "CSBS.9001", /checkpoint\.plan_id: required field is missing/],
      [{ checkpoint: { plan_id: 7, parameters: {} } }, 400, "CSBS.9001", /checkpoint\.plan_id/],
      ["nope", 400, "CSBS.9001", /malformed JSON/],
      [{ checkpoint: { plan_id: empty, parameters: {} } }, 400, "CSBS.6032", /plan has no resource backup/],
      [{ checkpoint: { plan_id: "00000000-0000-4000-8000-000000000000", parameters: {} } }, 404, "CSBS.3000", /plan not found/],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await execute(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error_code).toBe(code);
      expect(r.body.error_msg).toMatch(message);
    }
  });

  it("refuses a second execution and a delete while the policy is protecting (CSBS.1001, CSBS.2003)", async () => {
    // In process, so the checkpoint is still `protecting`: its copies start on the next turn of the event loop.
    const s = csbsServices(engine.context).checkpoints;
    const fields = { providerId: "provider_id", planId: "checkpoint.plan_id", resources: "checkpoint.parameters.resources" };
    const cp = s.execute(lab.projectId, CSBS_PROVIDER, { planId: policyId }, fields);
    expect(cp.status).toBe("protecting");
    expect(() => s.execute(lab.projectId, CSBS_PROVIDER, { planId: policyId }, fields)).toThrow(expect.objectContaining({ reason: "policy_executing" }) as CsbsError);
    expect(() => s.delete(lab.projectId, CSBS_PROVIDER, cp.uuid)).toThrow(expect.objectContaining({ reason: "item_in_executing" }) as CsbsError);
    expect(() => csbsServices(engine.context).policies.delete(lab.projectId, policyId)).toThrow(expect.objectContaining({ reason: "policy_executing" }) as CsbsError);
    await settled(cp.uuid, "available");
  });

  it("rejects executing a policy whose VM was removed, naming the resource", async () => {
    const gone = await lab.vm("short-lived");
    const p = (await api("POST", "/policies", policyBody("doomed", [{ id: gone.uuid, name: "short-lived" }]))).body.policy.id;
    engine.context.inventory.vms.delete(gone.uuid);
    const r = await execute({ checkpoint: { plan_id: p, parameters: {} } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ badRequest: { code: 400, message: expect.any(String) }, error_code: "CSBS.6000", error_msg: expect.stringMatching(/short-lived/) });
  });

  describe("checkpoint_items listing", () => {
    let ids: string[];
    beforeAll(async () => {
      ids = [];
      for (let i = 0; i < 3; i++) {
        const r = await execute({ checkpoint: { plan_id: policyId, parameters: {} } });
        if (r.status !== 200) throw new Error(JSON.stringify(r.body));
        const id = r.body.checkpoint.id as string;
        await settled(id, "available");
        ids.push(id);
      }
    });

    it("filters by checkpoint, resource id (either form), resource name, policy and status", async () => {
      const byCp = (await api("GET", `/checkpoint_items?checkpoint_id=${ids[0]}`)).body.checkpoint_items;
      expect(byCp).toHaveLength(2);
      const byVm = (await api("GET", `/checkpoint_items?resource_id=${web.uuid}`)).body.checkpoint_items;
      const byDashed = (await api("GET", `/checkpoint_items?resource_id=${dashed(web.uuid)}`)).body.checkpoint_items;
      expect(byVm.length).toBeGreaterThanOrEqual(3);
      expect(byDashed.map((i: { id: string }) => i.id)).toEqual(byVm.map((i: { id: string }) => i.id));
      expect(byVm.every((i: { extend_info: { resource_name: string } }) => i.extend_info.resource_name === "web-1")).toBe(true);
      const byName = (await api("GET", `/checkpoint_items?resource_name=db-1&policy_id=${policyId}&status=available`)).body.checkpoint_items;
      expect(byName.length).toBeGreaterThanOrEqual(3);
      expect(byName.every((i: { resource_id: string }) => i.resource_id === db.uuid)).toBe(true);
      expect((await api("GET", "/checkpoint_items?status=error")).body.checkpoint_items).toEqual([]);
    });

    it("sorts, pages with limit/marker/offset, links the next page and counts", async () => {
      const all = (await api("GET", `/checkpoint_items?policy_id=${policyId}&sort=created_at:asc`)).body.checkpoint_items as { id: string; created_at: string }[];
      expect(all.map((i) => i.created_at)).toEqual([...all.map((i) => i.created_at)].sort());
      const count = await api("GET", `/checkpoint_items/count?policy_id=${policyId}`);
      expect(count.body).toEqual({ count: all.length });

      const page1 = await api("GET", `/checkpoint_items?policy_id=${policyId}&sort=created_at:asc&limit=2`);
      expect(page1.body.checkpoint_items.map((i: { id: string }) => i.id)).toEqual(all.slice(0, 2).map((i) => i.id));
      const link = page1.body.checkpoint_items_links[0];
      expect(link.rel).toBe("next");
      const next = new URL(link.href);
      const page2 = await call(engine.url, "GET", next.pathname + next.search, { token });
      expect(page2.body.checkpoint_items.map((i: { id: string }) => i.id)).toEqual(all.slice(2, 4).map((i) => i.id));
      const offset = await api("GET", `/checkpoint_items?policy_id=${policyId}&sort=created_at:asc&offset=1&limit=1`);
      expect(offset.body.checkpoint_items[0].id).toBe(all[1]!.id);
      const last = await api("GET", `/checkpoint_items?policy_id=${policyId}&sort=created_at:asc&marker=${all.at(-1)!.id}`);
      expect(last.body).toEqual({ checkpoint_items: [], checkpoint_items_links: [] });
    });

    it("shows one item and answers unknown items and bad queries", async () => {
      const one = (await api("GET", `/checkpoint_items?checkpoint_id=${ids[1]}`)).body.checkpoint_items[0];
      const shown = await api("GET", `/checkpoint_items/${one.id}`);
      expect(shown.body.checkpoint_item).toEqual(one);
      expect(shown.body.checkpoint_item.backup_data).toMatchObject({ vcpus: 2, ram: 2048, private_ip: expect.stringMatching(/^192\.168\.10\./) });
      const missing = await api("GET", "/checkpoint_items/00000000-0000-4000-8000-000000000000");
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error_code: "CSBS.3001", error_msg: "Checkpoint_item (00000000-0000-4000-8000-000000000000) is not found." });
      for (const [q, message] of [
        ["status=sleeping", /status: "sleeping" is not one of/],
        ["limit=0", /limit: must be between 1 and 1000/],
        ["sort=size:asc", /sort: key "size"/],
        ["marker=nope", /marker nope is not a backup/],
        ["start_time=yesterday", /start_time: not a time/],
        ["flavour=vanilla", /flavour: unknown query parameter/],
      ] as const) {
        const r = await api("GET", `/checkpoint_items?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.body.error_msg).toMatch(message);
      }
    });

    it("hides items from other projects", async () => {
      const { project } = (await import("../../src/engine/domain/csbs/services.js")).createCsbsUser(engine.context, { name: "eve", password: "eve-pw", project: "tenant-e" });
      const eve = await login(engine.url, "eve", "eve-pw", "tenant-e");
      const one = (await api("GET", `/checkpoint_items?checkpoint_id=${ids[0]}`)).body.checkpoint_items[0];
      expect((await call(engine.url, "GET", `/v1/${project.uuid}/checkpoint_items`, { token: eve.token })).body.checkpoint_items).toEqual([]);
      expect((await call(engine.url, "GET", `/v1/${project.uuid}/checkpoint_items/${one.id}`, { token: eve.token })).status).toBe(404);
      expect((await call(engine.url, "GET", `/v1/${project.uuid}/providers/${CSBS_PROVIDER}/checkpoints/${ids[0]}`, { token: eve.token })).status).toBe(404);
    });
  });
});

describe("CSBS checkpoint failures and restarts", () => {
  it("ends in error, with the reason on every item, when there is no backup storage; an error checkpoint can be deleted", async () => {
    const engine = await startTestEngine();
    try {
      const lab = await setUpLab(engine.context, { backupStorage: false });
      const { token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a");
      const vm = await lab.vm("web-1");
      const api = (method: string, path: string, body?: unknown) => call(engine.url, method, `/v1/${lab.projectId}${path}`, { token, body });
      const policy = (await api("POST", "/policies", policyBody("p", [{ id: vm.uuid, name: "web-1" }]))).body.policy.id;
      const r = await api("POST", `/providers/${CSBS_PROVIDER}/checkpoints`, { checkpoint: { plan_id: policy, parameters: {} } });
      expect(r.body.checkpoint.status).toBe("protecting");
      const id = r.body.checkpoint.id;
      const cp = await until(async () => {
        const c = (await api("GET", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`)).body.checkpoint;
        return c.status === "protecting" ? undefined : c;
      }, "checkpoint settled");
      expect(cp.status).toBe("error");
      const item = (await api("GET", `/checkpoint_items?checkpoint_id=${id}&status=error`)).body.checkpoint_items[0];
      expect(item.extend_info).toMatchObject({ fail_op: "backup", fail_reason: expect.stringMatching(/no enabled ImageStore backup storage/) });
      expect((await api("DELETE", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`)).status).toBe(200);
      await until(async () => ((await api("GET", `/providers/${CSBS_PROVIDER}/checkpoints/${id}`)).body.checkpoint.status === "deleted" ? true : undefined), "deleted");
    } finally {
      await engine.dispose();
    }
  });

  it("serves the same policies, checkpoints and items after a restart; protecting checkpoints end in error", async () => {
    const first = await startTestEngine({ demo: true });
    const dataDir = first.dataDir;
    try {
      const lab = await setUpLab(first.context);
      const vm = await lab.vm("web-1");
      const { token } = await login(first.url, "alice", "s3cret-pw", "tenant-a");
      const api = (base: string, method: string, path: string, body?: unknown) => call(base, method, `/v1/${lab.projectId}${path}`, { token, body });
      const policy = (await api(first.url, "POST", "/policies", policyBody("p", [{ id: vm.uuid, name: "web-1" }]))).body.policy.id;
      const done = (await api(first.url, "POST", `/providers/${CSBS_PROVIDER}/checkpoints`, { checkpoint: { plan_id: policy, parameters: {} } })).body.checkpoint.id;
      await until(async () => ((await api(first.url, "GET", `/providers/${CSBS_PROVIDER}/checkpoints/${done}`)).body.checkpoint.status === "available" ? true : undefined), "available");
      const crashed = (await api(first.url, "POST", `/providers/${CSBS_PROVIDER}/checkpoints`, { checkpoint: { plan_id: policy, parameters: {} } })).body.checkpoint.id;
      await until(async () => ((await api(first.url, "GET", `/providers/${CSBS_PROVIDER}/checkpoints/${crashed}`)).body.checkpoint.status === "available" ? true : undefined), "available");
      const before = {
        policy: (await api(first.url, "GET", `/policies/${policy}`)).body,
        items: (await api(first.url, "GET", "/checkpoint_items?sort=id:asc")).body,
        checkpoint: (await api(first.url, "GET", `/providers/${CSBS_PROVIDER}/checkpoints/${done}`)).body,
      };
      const crashedRecords = csbsServices(first.context).checkpoints.itemsOf(crashed).flatMap((i) => i.volumeBackups);
      await first.close();

      // Put `crashed` back the way a process killed mid-copy leaves it: protecting, one copy already written.
      const db = new SqliteMetadataStore(dataDir);
      const cps = db.collection<{ uuid: string; status: string }>("csbs-checkpoint");
      const items = db.collection<{ uuid: string; checkpointId: string; status: string; progress: number }>("csbs-checkpoint-item");
      cps.put({ ...cps.get(crashed)!, status: "protecting" });
      for (const i of items.all().filter((x) => x.checkpointId === crashed)) items.put({ ...i, status: "protecting", progress: 50 });
      db.close();

      const again = await startTestEngine({ dataDir, demo: true });
      try {
        expect((await api(again.url, "GET", `/policies/${policy}`)).body).toEqual(before.policy);
        expect((await api(again.url, "GET", `/providers/${CSBS_PROVIDER}/checkpoints/${done}`)).body).toEqual(before.checkpoint);
        const after = (await api(again.url, "GET", "/checkpoint_items?sort=id:asc")).body;
        const stable = (list: { id: string; checkpoint_id: string }[]) => list.filter((i) => i.checkpoint_id !== crashed);
        expect(stable(after.checkpoint_items)).toEqual(stable(before.items.checkpoint_items));

        const c = (await api(again.url, "GET", `/providers/${CSBS_PROVIDER}/checkpoints/${crashed}`)).body.checkpoint;
        expect(c.status).toBe("error");
        const item = (await api(again.url, "GET", `/checkpoint_items?checkpoint_id=${crashed}&status=error`)).body.checkpoint_items[0];
        expect(item.extend_info.fail_reason).toMatch(/engine stopped while this checkpoint was protecting/);
        await until(async () => {
          const left = await again.context.backupStore.list(crashedRecords[0]!.storageDir);
          return crashedRecords.every((r) => !left.includes(r.backupId)) ? true : undefined;
        }, "partial copies removed");
        // The demo user was seeded once and still logs in; the restarted engine did not duplicate it.
        expect((await login(again.url, "demo", "password", "demo")).projectId).toMatch(/^[0-9a-f]{32}$/);
        expect(csbsServices(again.context).identity.users.all().filter((u) => u.name === "demo")).toHaveLength(1);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
