import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLocalState } from "./local-backend.js";
import { checkPlanStamp } from "./staleness.js";

describe("plan staleness by lineage and serial", () => {
  it.each([
    ["same state", { lineage: "L", serial: 3 }, { lineage: "L", serial: 3 }, undefined],
    ["state written since", { lineage: "L", serial: 3 }, { lineage: "L", serial: 4 }, "Saved plan is stale"],
    ["another state", { lineage: "L", serial: 3 }, { lineage: "M", serial: 3 }, "Saved plan does not match the given state"],
    ["first plan, state still empty", { lineage: "", serial: 0 }, { lineage: "", serial: 0 }, undefined],
    ["first plan, someone applied since", { lineage: "", serial: 0 }, { lineage: "M", serial: 1 }, "Saved plan is stale"],
  ])("%s", (_, planned, current, summary) => {
    const r = checkPlanStamp(planned, current);
    if (summary === undefined) expect(r).toEqual({ ok: true });
    else expect(r).toMatchObject({ ok: false, summary });
  });

  it("a session stamps lineage \"\" until the state file exists, then its lineage and serial", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backplan-stamp-"));
    try {
      const s = await openLocalState({ dir });
      expect(s.stamp()).toEqual({ lineage: "", serial: 0 });
      await s.setInstance("x.y", { schemaVersion: 0, attributes: {}, sensitiveAttributes: [], dependencies: [] }, { provider: 'provider["registry.terraform.io/a/b"]' });
      await s.fold();
      expect(s.stamp()).toEqual({ lineage: s.lineage, serial: 1 });
      await s.close();
      const again = await openLocalState({ dir });
      expect(again.stamp()).toEqual({ lineage: s.lineage, serial: 1 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
