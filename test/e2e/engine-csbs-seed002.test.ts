import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, login, policyBody, setUpLab, type CsbsLab } from "./engine-csbs-lab.js";

/**
 * Conformance with seed 002 ("Executing a Backup Policy"): the request example of the document is replayed
 * against the engine, and every field the document's response tables list is checked for presence and type.
 */
const SEEDS = "/work/shared/seeds";
const seedFile = readdirSync(SEEDS).find((f) => f.startsWith("002_"));
if (!seedFile) throw new Error(`seed 002 is missing from ${SEEDS}`);
const html = readFileSync(join(SEEDS, seedFile), "utf8");

/** Text of the document with the crawler's `|` separator lines removed. */
function clean(s: string): string {
  return s
    .split("\n")
    .filter((l) => l.trim() !== "|")
    .join("\n");
}

function decode(s: string): string {
  return s.replace(/<[^>]*>/g, "").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim();
}

/** The documented example request: method, path template and JSON body. */
function exampleRequest(): { method: string; path: string; body: unknown } {
  const m = /Example request<pre[^>]*>([\s\S]*?)<\/pre>/.exec(clean(html));
  if (!m) throw new Error("no example request in seed 002");
  const [first, ...rest] = decode(m[1]!).split("\n");
  const [method, url] = first!.trim().split(/\s+/);
  return { method: method!, path: new URL(url!.replace(/\{(\w+)\}/g, "$1")).pathname, body: JSON.parse(rest.join("\n")) };
}

/** Rows (parameter, type) of the table whose caption reads "Parameter description of field <name>". */
function fieldTable(name: string): { parameter: string; type: string }[] {
  const doc = clean(html);
  const tables = doc.split("<table").slice(1);
  const table = tables.find((t) => new RegExp(`<caption>[\\s\\S]*?field\\s*(<[^>]+>)*\\s*${name}\\s*(<[^>]+>)*\\s*</caption>`).test(t));
  if (!table) throw new Error(`no table for field ${name} in seed 002`);
  const body = table.slice(table.indexOf("<tbody"), table.indexOf("</table>"));
  return body
    .split("<tr")
    .slice(1)
    .map((row) => row.split("<td").slice(1).map((cell) => decode(`<td${cell}`).replace(/\s+/g, " ")))
    .map((cells) => ({ parameter: cells[0]!, type: cells[1]! }));
}

/** Checks `value` against a documented type; nested `*_resp` types and List recurse into their tables. */
function checkType(value: unknown, type: string, path: string, nullable: Set<string>): void {
  if (value === null && nullable.has(path)) return;
  switch (type) {
    case "String":
      expect(typeof value, path).toBe("string");
      return;
    case "Boolean":
      expect(typeof value, path).toBe("boolean");
      return;
    case "Integer":
      expect(Number.isInteger(value), path).toBe(true);
      return;
    case "List":
      expect(Array.isArray(value), path).toBe(true);
      return;
    default: {
      // A structured type documented in its own table, e.g. plan_resp.
      expect(value !== null && typeof value === "object" && !Array.isArray(value), path).toBe(true);
      checkObject(value as Record<string, unknown>, type, path, nullable);
    }
  }
}

function checkObject(obj: Record<string, unknown>, table: string, path: string, nullable: Set<string>): void {
  for (const { parameter, type } of fieldTable(table)) {
    const p = `${path}.${parameter}`;
    expect(Object.keys(obj), `${p} is documented`).toContain(parameter);
    checkType(obj[parameter], type, p, nullable);
  }
}

describe("seed 002: Executing a Backup Policy", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let token: string;
  const request = exampleRequest();
  const resources = (request.body as { checkpoint: { parameters: { resources: string[] } } }).checkpoint.parameters.resources;

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context);
    ({ token } = await login(engine.url, "alice", "s3cret-pw", "tenant-a"));
    // The example's servers exist in the engine under the example's ids (dashed form of the engine uuids).
    for (const [i, id] of resources.entries()) {
      await engine.context.inventory.createVm({
        name: `server${i}`,
        uuid: id.replaceAll("-", ""),
        instanceOfferingUuid: lab.offeringUuid,
        l3NetworkUuids: [lab.l3Uuid],
        volumes: [{ size: 1024 * 1024 }],
      });
    }
  });
  afterAll(async () => engine.dispose());

  it("parses the seed's example and tables", () => {
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/v1/project_id/providers/provider_id/checkpoints");
    expect(fieldTable("checkpoint_resp").map((r) => r.parameter)).toEqual(["status", "created_at", "id", "resource_graph", "project_id", "protection_plan", "extra_info"]);
    expect(fieldTable("plan_resp").map((r) => r.parameter)).toEqual(["id", "name", "resources"]);
  });

  it("replays the example request and answers with every documented field and type", async () => {
    const policy = await call(engine.url, "POST", `/v1/${lab.projectId}/policies`, {
      token,
      body: policyBody("backup", resources.map((id, i) => ({ id, name: `server${i}` }))),
    });
    expect(policy.status).toBe(200);
    const planId = policy.body.policy.id as string;

    const body = structuredClone(request.body) as { checkpoint: { plan_id: string } };
    body.checkpoint.plan_id = planId; // the only value the engine cannot take from the example: ids are its own
    const path = request.path.replace("project_id", lab.projectId).replace("provider_id", "fc4d5750-22e7-4798-8a46-f48f62c4c1da");
    const r = await call(engine.url, request.method, path, { token, body });

    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["checkpoint"]);
    // "If the value is null, the backup contains only the resource backup of the entire system."
    checkObject(r.body.checkpoint, "checkpoint_resp", "checkpoint", new Set(["checkpoint.resource_graph"]));
    const cp = r.body.checkpoint;
    expect(cp.status).toBe("protecting");
    expect(cp.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(cp.project_id).toBe(lab.projectId);
    expect(JSON.parse(cp.extra_info)).toEqual({ created_by: "manual" });
    expect(cp.protection_plan).toMatchObject({ id: planId, name: "backup" });
    const documentedResource = fieldTable("resource");
    for (const [i, res] of (cp.protection_plan.resources as Record<string, unknown>[]).entries()) {
      for (const { parameter, type } of documentedResource) checkType(res[parameter], type, `checkpoint.protection_plan.resources[${i}].${parameter}`, new Set());
      expect(res.type).toBe("OS::Nova::Server");
      expect(res.id).toBe(resources[i]);
    }
  });

  it("answers an unknown provider with CSBS.9001 and an unknown plan with CSBS.3000", async () => {
    const body = structuredClone(request.body) as { checkpoint: { plan_id: string } };
    const path = request.path.replace("project_id", lab.projectId);
    const badProvider = await call(engine.url, "POST", path.replace("provider_id", "b766f37c-d011-4026-8228-28730d734a3f"), { token, body });
    expect(badProvider.status).toBe(400);
    expect(badProvider.body).toMatchObject({ error_code: "CSBS.9001", error_msg: expect.stringMatching(/provider invalid/) });
    const unknownPlan = await call(engine.url, "POST", path.replace("provider_id", "fc4d5750-22e7-4798-8a46-f48f62c4c1da"), { token, body });
    expect(unknownPlan.status).toBe(404);
    expect(unknownPlan.body).toMatchObject({ error_code: "CSBS.3000", error_msg: expect.stringMatching(/plan not found/) });
  });
});
