import { describe, expect, it } from "vitest";
import { reviewCounts, reviewPlanLine, sortedChanges, terraformPlanLine } from "./counts.js";
import { change, emptyPlan, fullPlan, pv } from "./fixtures.test-support.js";

describe("counts", () => {
  it("counts replacements once for review and as add+destroy for Terraform's line", () => {
    const c = reviewCounts(fullPlan());
    expect(c).toEqual({ add: 1, change: 2, replace: 2, destroy: 2, import: 1, forget: 1, read: 1, move: 1, outputs: 3 });
    expect(terraformPlanLine(c)).toBe("Plan: 1 to import, 3 to add, 2 to change, 4 to destroy, 1 to forget.");
    expect(reviewPlanLine(c)).toBe("Plan: 1 to import, 1 to add, 2 to change, 2 to replace, 2 to destroy, 1 to forget, 1 to move, 1 to read.");
  });

  it("does not count data sources leaving state as destroys", () => {
    const plan = emptyPlan({ changes: [change("data.zstack_vms.all", { action: "delete", before: pv({ id: "x" }), after: null })] });
    expect(reviewCounts(plan).destroy).toBe(0);
  });

  it("sorts by address the way Terraform does (byte order: [10] before [2]), deposed objects after current", () => {
    const mk = (a: string, deposed?: string) => change(a, { action: "delete", before: pv({}), after: null, ...(deposed ? { deposed } : {}) });
    const sorted = sortedChanges([mk("b.x[2]"), mk("b.x[10]", "0000000f"), mk("b.x[10]"), mk("a.y")]);
    expect(sorted.map((c) => `${c.address}${c.deposed ? `/${c.deposed}` : ""}`)).toEqual(["a.y", "b.x[10]", "b.x[10]/0000000f", "b.x[2]"]);
  });
});
