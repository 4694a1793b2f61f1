import { describe, expect, it } from "vitest";
import { toPlanValue } from "../plan/values.js";
import { UNKNOWN } from "../sdk/value.js";
import {
  apiCreate,
  change,
  dbReplace,
  emptyPlan,
  fullPlan,
  goneDrift,
  outputs,
  replicaSensitiveUpdate,
  SECRET,
  webDrift,
  weeklyImport,
} from "./fixtures.test-support.js";
import { expectGolden } from "./golden.test-support.js";
import { planFooter, renderPlanText } from "./plan-text.js";
import { stripAnsi } from "./style.js";

describe("renderPlanText", () => {
  it("renders every action kind, drift and outputs in Terraform's layout (golden)", () => {
    expectGolden("plan-full.txt", renderPlanText(fullPlan(), { color: false }));
  });

  it("renders a refresh-only plan as drift only (golden)", () => {
    const plan = emptyPlan({ mode: "refresh-only", drift: [webDrift, goneDrift] });
    expectGolden("plan-refresh-only.txt", renderPlanText(plan, { color: false }));
  });

  it("colors symbols and headings when asked, and the text underneath is the plain rendering", () => {
    const colored = renderPlanText(fullPlan(), { color: true });
    expect(colored).toContain("\u001b[31m");
    expect(colored).toContain("\u001b[32m+\u001b[0m");
    expect(stripAnsi(colored)).toBe(renderPlanText(fullPlan(), { color: false }));
    expect(renderPlanText(fullPlan(), { color: false })).not.toContain("\u001b[");
  });

  it("counts a replacement as one add and one destroy, and imports and forgets separately", () => {
    const text = renderPlanText(fullPlan(), { color: false });
    expect(text).toContain("\nPlan: 1 to import, 3 to add, 2 to change, 4 to destroy, 1 to forget.\n");
    expect(renderPlanText(emptyPlan({ changes: [dbReplace] }), { color: false })).toContain("\nPlan: 1 to add, 0 to change, 1 to destroy.\n");
  });

  it("never prints a sensitive value, in changes, drift or outputs", () => {
    for (const color of [false, true]) expect(renderPlanText(fullPlan(), { color })).not.toContain(SECRET);
    expect(renderPlanText(emptyPlan({ mode: "refresh-only", drift: [goneDrift] }), { color: false })).not.toContain(SECRET);
  });

  it("says No changes for an empty plan", () => {
    expect(renderPlanText(emptyPlan(), { color: false })).toBe(
      "\nNo changes. Your infrastructure matches the configuration.\n\n" +
        "backplan has compared your real infrastructure against your configuration and\nfound no differences, so no changes are needed.\n",
    );
    expect(renderPlanText(emptyPlan({ mode: "destroy" }), { color: false })).toContain("No changes. No objects need to be destroyed.");
    expect(renderPlanText(emptyPlan({ mode: "refresh-only" }), { color: false })).toContain(
      "No changes. Your infrastructure still matches the configuration.",
    );
  });

  it("hides drift when the plan changes nothing, as Terraform does; a refresh-only plan still shows it", () => {
    const text = renderPlanText(emptyPlan({ drift: [webDrift] }), { color: false, width: 120 });
    expect(text).not.toContain("Objects have changed outside of backplan");
    expect(text).toContain("No changes. Your infrastructure matches the configuration.");
    expect(text).toContain("found no differences");
    const refresh = renderPlanText(emptyPlan({ mode: "refresh-only", drift: [webDrift] }), { color: false, width: 120 });
    expect(refresh).toContain("Note: Objects have changed outside of backplan");
    expect(refresh).toContain("  # zstack_cdp_task.web has changed");
  });

  it("with an output change, shows drift the configuration already matches and says how to record it", () => {
    const text = renderPlanText(emptyPlan({ drift: [webDrift], outputs }), { color: false, width: 120 });
    expect(text).toContain("Note: Objects have changed outside of backplan");
    expect(text).toContain("  # zstack_cdp_task.web has changed");
  });

  it("explains an outputs-only plan", () => {
    const text = renderPlanText(emptyPlan({ outputs }), { color: false });
    expect(text).toContain("Changes to Outputs:\n  ~ admin_password = (sensitive value)\n");
    expect(text).toContain("You can apply this plan to save these new output values to the backplan state");
    expect(text).not.toContain("Plan:");
    expect(text).not.toContain(SECRET);
  });

  it("lists only the symbols the plan uses in the legend", () => {
    const text = renderPlanText(emptyPlan({ changes: [apiCreate, replicaSensitiveUpdate] }), { color: false });
    expect(text).toContain("symbols:\n  + create\n  ~ update in-place\n\nbackplan will perform the following actions:");
  });

  it("shows import-only plans without a legend but with the import count", () => {
    const text = renderPlanText(emptyPlan({ changes: [weeklyImport] }), { color: false });
    expect(text).not.toContain("symbols:");
    expect(text).toContain("  # csbs_backup_policy_checkpoint.weekly will be imported");
    expect(text).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");
  });

  it("says when planning failed", () => {
    expect(renderPlanText(emptyPlan({ errored: true }), { color: false })).toContain(
      "Planning failed. backplan encountered an error while generating this plan.",
    );
    expect(renderPlanText(emptyPlan({ errored: true, changes: [apiCreate] }), { color: false })).toContain(
      "backplan planned the following actions, but then encountered a problem:",
    );
    // Output changes alone do not make a failed plan look applyable (Terraform shows only the failure).
    const outputsOnly = renderPlanText(emptyPlan({ errored: true, outputs }), { color: false });
    expect(outputsOnly).toContain("Planning failed.");
    expect(outputsOnly).not.toContain("Changes to Outputs");
    expect(outputsOnly).not.toContain("You can apply this plan");
    const withResources = renderPlanText(emptyPlan({ errored: true, changes: [apiCreate], outputs }), { color: false });
    expect(withResources).not.toContain("You can apply this plan");
  });
});

describe("planFooter", () => {
  it("tells how to apply a saved plan, warns about an unsaved one, and says nothing when there is nothing to apply", () => {
    const plan = emptyPlan({ changes: [apiCreate] });
    expect(planFooter(plan, { color: false, savedTo: "out/plan.bin" })).toContain('To perform exactly these actions, run the following command to apply:\n    backplan apply "out/plan.bin"\n');
    expect(planFooter(plan, { color: false })).toContain("Note: You didn't use the -out option to save this plan");
    expect(planFooter(emptyPlan(), { color: false })).toBe("");
  });
});

describe("renderPlanText over values encoded by the plan engine (plan/values.toPlanValue)", () => {
  it("shows unknown, nested and sensitive values the planner produces", () => {
    const before = toPlanValue({ uuid: "u1", name: "web", token: "old-token", volumes: [{ id: "v1", size: 10 }] }, [["token"]]);
    const after = toPlanValue({ uuid: UNKNOWN, name: "web", token: SECRET, volumes: [{ id: "v1", size: 20 }, { id: UNKNOWN, size: 5 }] }, [["token"]]);
    const rc = change("zstack_cdp_task.web", { action: "replace", reason: "replace_by_request", before, after });
    const text = renderPlanText(emptyPlan({ changes: [rc] }), { color: false });
    expect(text).toContain('  # zstack_cdp_task.web will be replaced, as requested\n-/+ resource "zstack_cdp_task" "web" {');
    expect(text).toContain('      ~ uuid    = "u1" -> (known after apply)');
    expect(text).toContain("      ~ token   = (sensitive value)");
    expect(text).toContain("              ~ size = 10 -> 20");
    expect(text).toContain("              + id   = (known after apply)");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("old-token");
  });
});
