import { describe, expect, it } from "vitest";
import type { Plan, ResourceChange } from "../plan/plan.js";
import { change, dbReplace, emptyPlan, fullPlan, oldDelete, outputs, pv, SECRET, webDrift } from "./fixtures.test-support.js";
import { expectGolden } from "./golden.test-support.js";
import { GITHUB_COMMENT_LIMIT } from "./markdown.js";
import { commentMarker, renderPlanMarkdown } from "./plan-markdown.js";

/** An update whose diff is about `attrs` × 120 characters long. */
function bigUpdate(address: string, attrs: number, secret = false): ResourceChange {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  for (let i = 0; i < attrs; i++) {
    before[`attribute_${i}`] = `${"old-".repeat(12)}${i}`;
    after[`attribute_${i}`] = `${"new-".repeat(12)}${i}`;
  }
  if (secret) {
    before.password = "old";
    after.password = SECRET;
  }
  const marks = secret ? { sensitive: { password: true } } : {};
  return change(address, { action: "update", before: pv(before, marks), after: pv(after, marks) });
}

function bigDelete(i: number): ResourceChange {
  return change(`zstack_vm_backup.b${i}`, {
    action: "delete",
    reason: "delete_because_no_resource_config",
    before: pv({ uuid: `u${i}`, note: "x".repeat(200) }),
    after: null,
  });
}

describe("renderPlanMarkdown", () => {
  it("renders counts, callouts, grouped addresses and per-resource diffs (golden)", () => {
    expectGolden("plan-full.md", renderPlanMarkdown(fullPlan(), { id: "infra/prod", title: "infra/prod (workspace default)" }));
  });

  it("renders a short comment for a plan with no changes (golden)", () => {
    expectGolden("plan-no-changes.md", renderPlanMarkdown(emptyPlan(), { id: "infra/prod" }));
  });

  it("starts with the hidden marker so CI can find and update its own comment", () => {
    const md = renderPlanMarkdown(fullPlan(), { id: "infra/prod" });
    expect(md.startsWith("<!-- backplan-plan:infra/prod -->\n")).toBe(true);
    expect(commentMarker()).toBe("<!-- backplan-plan:default -->");
    expect(commentMarker("a-->b c")).toBe("<!-- backplan-plan:a-%2D%3Eb%20c -->");
    expect(commentMarker("x--y")).not.toContain("--y");
  });

  it("names every destroy and replacement in a CAUTION alert, with the attribute that forces each", () => {
    const md = renderPlanMarkdown(fullPlan());
    const caution = md.slice(md.indexOf("> [!CAUTION]"), md.indexOf("\n\n", md.indexOf("> [!CAUTION]")));
    expect(caution).toContain("**destroy** `zstack_vm_backup.old`: because zstack_vm_backup.old is not in configuration.");
    expect(caution).toContain("**destroy** `zstack_vm_backup.nightly[2]`: because index [2] is out of range for count.");
    expect(caution).toContain("**replace** `zstack_cdp_task.db` (destroy, then create): forced by `policy_uuid`.");
    expect(caution).toContain("**replace** `csbs_backup_policy.daily` (create the new object, then destroy the old one): forced by `scheduled_operations[0].trigger_pattern`.");
    expect(md).toContain("**Plan: 1 to import, 1 to add, 2 to change, 2 to replace, 2 to destroy, 1 to forget, 1 to move, 1 to read.**");
  });

  it("never contains a sensitive value", () => {
    expect(renderPlanMarkdown(fullPlan())).not.toContain(SECRET);
    expect(renderPlanMarkdown(emptyPlan({ changes: [bigUpdate("zstack_cdp_task.s", 3, true)] }))).not.toContain(SECRET);
  });

  it("keeps values that contain backticks inside their diff fence", () => {
    const rc = change("zstack_cdp_task.fence", {
      action: "update",
      before: pv({ description: "plain" }),
      after: pv({ description: "```\n</details>\n# injected" }),
    });
    const md = renderPlanMarkdown(emptyPlan({ changes: [rc] }));
    expect(md).toContain("````diff\n");
    const fenceOpen = md.indexOf("````diff\n");
    const fenceClose = md.indexOf("\n````\n", fenceOpen);
    expect(md.indexOf("# injected")).toBeGreaterThan(fenceOpen);
    expect(md.indexOf("# injected")).toBeLessThan(fenceClose);
  });

  it("escapes titles and diagnostics so they cannot inject HTML", () => {
    const plan = emptyPlan({
      errored: true,
      diagnostics: [{ severity: "error", summary: "Invalid <b>value</b>", detail: "line <script>alert(1)</script>", address: "zstack_cdp_task.web" }],
    });
    const md = renderPlanMarkdown(plan, { title: "<img src=x>" });
    expect(md).not.toMatch(/<script>|<img|<b>value/);
    expect(md).toContain("**Planning failed.**");
    expect(md).toContain("Invalid &lt;b&gt;value&lt;/b&gt;");
  });

  it("shows drift in a collapsed section and warns about it", () => {
    const md = renderPlanMarkdown(emptyPlan({ changes: [dbReplace], drift: [webDrift] }));
    expect(md).toContain("1 object changed outside backplan since the last apply");
    expect(md).toContain("<details><summary><b>Changes outside backplan</b> (1)");
    expect(md).toContain("  # zstack_cdp_task.web has changed");
  });

  it("summarises a refresh-only plan as the drift it records", () => {
    const md = renderPlanMarkdown(emptyPlan({ mode: "refresh-only", drift: [webDrift] }));
    expect(md).toContain("**Refresh-only plan:** 1 object changed outside backplan.");
    expect(md).not.toContain("[!CAUTION]");
  });
});

describe("renderPlanMarkdown within GitHub's comment limit", () => {
  function hugePlan(): Plan {
    const changes: ResourceChange[] = [dbReplace, oldDelete];
    for (let i = 0; i < 60; i++) changes.push(bigUpdate(`zstack_cdp_task.t${String(i).padStart(2, "0")}`, 10 + i));
    return emptyPlan({ changes, drift: [webDrift] });
  }

  it("drops per-resource diffs largest first, keeps counts and callouts, says what it cut, and fits", () => {
    const plan = hugePlan();
    const full = renderPlanMarkdown(plan, { maxLength: 10_000_000 });
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const md = renderPlanMarkdown(plan, { fullPlanCommand: "backplan show plan.bin", detailsUrl: "https://ci.example.test/run/42" });
    expect(renderPlanMarkdown(plan, { detailsUrl: "https://x.test/a b(c)" })).toContain("[the full plan](https://x.test/a%20b%28c%29)");
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toContain("**Plan: 0 to add, 60 to change, 1 to replace, 1 to destroy.**");
    expect(md).toContain("> [!CAUTION]");
    expect(md).toContain("**destroy** `zstack_vm_backup.old`");
    expect(md).toContain("**replace** `zstack_cdp_task.db` (destroy, then create): forced by `policy_uuid`.");
    expect(md).toMatch(/> \[!NOTE\]\n> This comment was shortened to fit the 65,536-character limit: it leaves out the diffs of \d+ resources \(largest first\)\./);
    expect(md).toContain("Run `backplan show plan.bin` or [the full plan](https://ci.example.test/run/42) for everything.");
    // The largest diff went first; small ones and the drift section stayed.
    expect(md).not.toContain("<code>zstack_cdp_task.t59</code>: update in-place");
    expect(md).toContain("<code>zstack_cdp_task.t00</code>: update in-place");
    expect(md).toContain("<b>Changes outside backplan</b>");
    // Every address is still listed.
    for (let i = 0; i < 60; i++) expect(md).toContain(`\`zstack_cdp_task.t${String(i).padStart(2, "0")}\``);
  });

  it("drops drift diffs after the resource diffs, keeping the drift list", () => {
    const bigDrift = change("zstack_cdp_task.drifted", {
      ...bigUpdate("zstack_cdp_task.drifted", 700),
    });
    const plan = emptyPlan({ changes: [dbReplace, bigUpdate("zstack_cdp_task.t", 50)], drift: [bigDrift] });
    const md = renderPlanMarkdown(plan);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toContain("the diffs of 2 resources (largest first), the diffs of changes made outside backplan");
    expect(md).toContain("- `zstack_cdp_task.drifted`: changed");
    expect(md).toContain("**replace** `zstack_cdp_task.db`");
  });

  it("shortens even the callout list when thousands of objects are destroyed, and still fits", () => {
    const plan = emptyPlan({ changes: Array.from({ length: 3000 }, (_, i) => bigDelete(i)) });
    const md = renderPlanMarkdown(plan);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toContain("**Plan: 0 to add, 0 to change, 0 to replace, 3000 to destroy.**");
    expect(md).toContain("**This plan destroys 3000 objects.**");
    expect(md).toMatch(/- …and \d+ more \(see the full plan\)\./);
    expect(md).toContain("part of the destroy/replace list");
    expect(md).toContain("- **Destroy** (3000): listed in the full plan");
  });
});

describe("renderPlanMarkdown diagnostics", () => {
  it("lists warnings (check failures) in the WARNING alert, at most 20, counting the rest", () => {
    const diagnostics = Array.from({ length: 25 }, (_, i) => ({
      severity: "warning" as const,
      summary: "Check block assertion failed",
      detail: `retention_days should be at least 14 (${i})`,
    }));
    const md = renderPlanMarkdown(emptyPlan({ changes: [dbReplace], diagnostics }));
    expect(md).toContain("> - **Check block assertion failed**: retention\\_days should be at least 14 (0)");
    expect(md).not.toContain("(20)");
    expect(md).toContain("> - …and 5 more (see the full plan).");
  });

  it("says the plan is incomplete when targeting left parts out", () => {
    const md = renderPlanMarkdown(emptyPlan({ changes: [dbReplace], complete: false, targets: ["zstack_cdp_task.db"] }));
    expect(md).toContain("This plan is incomplete: targeting (`zstack_cdp_task.db`) left parts of the configuration out.");
  });
});

describe("renderPlanMarkdown edge plans", () => {
  it("puts the errors of a failed plan in a CAUTION alert first", () => {
    const md = renderPlanMarkdown(
      emptyPlan({ errored: true, diagnostics: [{ severity: "error", summary: "Invalid value", detail: "policy_uuid must be set", address: "zstack_cdp_task.api" }] }),
    );
    expect(md).toContain("> [!CAUTION]\n> **Planning failed with these errors:**\n> - **Invalid value** (`zstack_cdp_task.api`): policy\\_uuid must be set");
  });

  it("explains a plan that only changes outputs", () => {
    const md = renderPlanMarkdown(emptyPlan({ outputs: [{ name: "x", action: "create", before: null, after: pv("v"), sensitive: false }] }));
    expect(md).toContain("Only root output values change");
    expect(md).toContain("<b>Output changes</b>");
  });

  it("leaves drift out of a plan that changes nothing, as the terminal plan does", () => {
    const md = renderPlanMarkdown(emptyPlan({ drift: [webDrift] }));
    expect(md).toContain("**No changes.**");
    expect(md).not.toContain("changed outside backplan");
  });

  it("tells how to record drift the configuration already matches when only outputs change", () => {
    const md = renderPlanMarkdown(emptyPlan({ drift: [webDrift], outputs }));
    expect(md).toContain("Apply a refresh-only plan (`backplan apply -refresh-only`)");
  });
});
