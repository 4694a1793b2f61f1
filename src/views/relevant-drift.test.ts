import { describe, expect, it } from "vitest";
import type { Json, Plan, RelevantAttribute, ResourceChange } from "../plan/plan.js";
import { change, emptyPlan, pv } from "./fixtures.test-support.js";
import { renderPlanText } from "./plan-text.js";
import { relevantDriftChange, shownDrift } from "./relevant-drift.js";

// Terraform 1.11's renderer rule (jsonformat precomputeDiffs / renderHumanDiffDrift), one behaviour per row.

const TASK_BEFORE = { uuid: "t-1", name: "web-cdp", max_latency: 600000, status: "Running", used_capacity: 0, last_latency: 0, tags: ["a"], nested: { x: 1, y: 2 } };

function taskDrift(after: Partial<typeof TASK_BEFORE>, address = "zstack_cdp_task.web"): ResourceChange {
  return change(address, { action: "update", before: pv(TASK_BEFORE), after: pv({ ...TASK_BEFORE, ...after } as Json) });
}

const gone = change("zstack_vm_backup.app", { action: "delete", before: pv({ uuid: "b-1", name: "app" }), after: null });
const moved = change("zstack_cdp_task.renamed", { action: "no-op", previousAddress: "zstack_cdp_task.old", before: pv(TASK_BEFORE), after: pv(TASK_BEFORE) });
const otherUpdate = change("zstack_cdp_policy.gold", { action: "update", before: pv({ name: "a" }), after: pv({ name: "b" }) });

const runtimeOnly = taskDrift({ status: "Stopped", used_capacity: 4096, last_latency: 12 });
const latency = taskDrift({ max_latency: 300000, status: "Stopped" });

interface Row {
  name: string;
  plan: Partial<Plan>;
  /** Addresses shown, in order. */
  shown: string[];
}

const rows: Row[] = [
  { name: "a plan that changes nothing shows no drift, however relevant", plan: { drift: [latency], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }, shown: [] },
  { name: "a refresh-only plan shows every drifted object, moves included", plan: { mode: "refresh-only", drift: [runtimeOnly, gone, moved], relevantAttributes: [] }, shown: ["zstack_cdp_task.renamed", "zstack_cdp_task.web", "zstack_vm_backup.app"] },
  { name: "drift no configuration refers to is hidden", plan: { changes: [otherUpdate], drift: [runtimeOnly, gone], relevantAttributes: [] }, shown: [] },
  { name: "computed runtime attributes changing are hidden when only other attributes are referenced", plan: { changes: [otherUpdate], drift: [runtimeOnly], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["uuid"] }] }, shown: [] },
  { name: "a change of a referenced attribute is shown", plan: { changes: [otherUpdate], drift: [latency], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }, shown: ["zstack_cdp_task.web"] },
  { name: "a deleted object is shown once any of its attributes is referenced", plan: { changes: [otherUpdate], drift: [gone], relevantAttributes: [{ resource: "zstack_vm_backup.app", attribute: ["uuid"] }] }, shown: ["zstack_vm_backup.app"] },
  { name: "an entry naming no resource matches every object", plan: { changes: [otherUpdate], drift: [latency], relevantAttributes: [{ resource: "", attribute: ["max_latency"] }] }, shown: ["zstack_cdp_task.web"] },
  { name: "a reference to the whole object covers every attribute", plan: { changes: [otherUpdate], drift: [runtimeOnly], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: [] }] }, shown: ["zstack_cdp_task.web"] },
  { name: "an entry for another instance key does not match (addresses compare as strings)", plan: { changes: [otherUpdate], drift: [taskDrift({ max_latency: 1 }, "zstack_cdp_task.web[0]")], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }, shown: [] },
  { name: "a move in the plan is enough for relevant drift to show", plan: { changes: [moved], drift: [latency], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }, shown: ["zstack_cdp_task.web"] },
  { name: "an output change is enough for relevant drift to show", plan: { outputs: [{ name: "o", action: "update", before: pv(1), after: pv(2), sensitive: false }], drift: [latency], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }, shown: ["zstack_cdp_task.web"] },
  { name: "a plan saved without relevant attributes keeps every changed object", plan: { changes: [otherUpdate], drift: [runtimeOnly, moved] }, shown: ["zstack_cdp_task.web"] },
];

describe("shownDrift", () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(shownDrift(emptyPlan(row.plan)).map((d) => d.address)).toEqual(row.shown);
    });
  }
});

describe("relevantDriftChange", () => {
  const at = (...paths: (string | number)[][]): RelevantAttribute[] => paths.map((attribute) => ({ resource: "zstack_cdp_task.web", attribute }));

  it("puts attributes not referenced back to their prior value", () => {
    const d = relevantDriftChange(latency, at(["max_latency"]))!;
    expect(d.after!.value).toEqual({ ...TASK_BEFORE, max_latency: 300000 });
  });

  it("follows a path into a nested object and keeps its siblings", () => {
    const d = relevantDriftChange(taskDrift({ nested: { x: 5, y: 6 } }), at(["nested", "x"]))!;
    expect(d.after!.value).toEqual({ ...TASK_BEFORE, nested: { x: 5, y: 2 } });
    expect(relevantDriftChange(taskDrift({ nested: { x: 1, y: 6 } }), at(["nested", "x"]))).toBeUndefined();
  });

  it("a path that stops at a collection covers all of it, and a path into a list element covers that element", () => {
    expect(relevantDriftChange(taskDrift({ tags: ["b"] }), at(["tags"]))!.after!.value).toMatchObject({ tags: ["b"] });
    expect(relevantDriftChange(taskDrift({ tags: ["b"] }), at(["tags", 0]))!.after!.value).toMatchObject({ tags: ["b"] });
    expect(relevantDriftChange(taskDrift({ tags: ["b"] }), at(["tags", 1]))).toBeUndefined();
  });
});

describe("the drift note in plan text", () => {
  it("shows only the relevant attributes of a relevant object", () => {
    const text = renderPlanText(
      emptyPlan({ changes: [otherUpdate], drift: [latency], relevantAttributes: [{ resource: "zstack_cdp_task.web", attribute: ["max_latency"] }] }),
      { color: false, width: 120 },
    );
    expect(text).toContain("Note: Objects have changed outside of backplan");
    expect(text).toContain("~ max_latency");
    expect(text).not.toContain('"Stopped"');
  });
});
