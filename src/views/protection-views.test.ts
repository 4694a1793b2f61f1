import { describe, expect, it } from "vitest";
import { compliance } from "../protection/compliance.js";
import { parseControls } from "../protection/controls.js";
import { NOW, protectionPlan, protectionReport, TYPES } from "../protection/fixture.test-support.js";
import { expectGolden } from "./golden.test-support.js";
import { renderPlanMarkdown } from "./plan-markdown.js";
import { planSummary } from "./plan-summary.js";
import { renderComplianceMarkdown, renderComplianceText } from "./protection-drift.js";
import { renderProtectionText } from "./protection-text.js";

describe("protection views", () => {
  it("the PR comment says what is lost in numbers and tables the VMs whose protection changes (golden)", () => {
    const plan = { ...protectionPlan(), protection: protectionReport() };
    expectGolden("plan-protection.md", renderPlanMarkdown(plan, { id: "infra/prod", title: "infra/prod" }));
  });

  it("-allow-protection-loss moves broken controls from CAUTION to WARNING (golden)", () => {
    const plan = { ...protectionPlan(), protection: protectionReport(true) };
    expectGolden("plan-protection-allowed.md", renderPlanMarkdown(plan, { id: "infra/prod", title: "infra/prod" }));
  });

  it("the plan text gets a short section after the summary (golden)", () => {
    expectGolden("plan-protection.txt", renderProtectionText(protectionReport(), { color: false }));
  });

  it("a plan without a protection section renders nothing extra", () => {
    expect(renderProtectionText(undefined, { color: false })).toBe("");
    expect(renderPlanMarkdown(protectionPlan())).not.toContain("#### Protection");
    expect(planSummary(protectionPlan()).protection).toBeNull();
  });

  it("the summary JSON carries totals, changed VMs and the violation count", () => {
    const s = planSummary({ ...protectionPlan(), protection: protectionReport() });
    expect(s.protection).toMatchObject({ lost: { recovery_points: 1284 }, control_violations: 2, allowed_protection_loss: false });
    expect(s.protection!.vms.map((v) => v.name)).toEqual(["db-1", "web-1"]);
  });

  it("drift's compliance table in text and Markdown (golden)", () => {
    const task = (uuid: string, vm: string, latency: number) => ({ uuid, name: uuid, description: null, task_type: "VM", policy_uuid: "pol-1", backup_storage_uuid: "bs-1", resource_uuids: [vm], backup_bandwidth: 0, max_capacity: 0, max_latency: latency, enabled: true, status: "Running", state: "Enabled", used_capacity: 0, last_latency: 0 });
    const report = compliance(
      [
        { type: "zstack_cdp_task", id: "t-web", address: "zstack_cdp_task.web", facts: TYPES.facts("zstack_cdp_task", task("t-web", "vm-web", 60_000))!, data: [{ vm: "vm-web", kind: "recovery-point", count: 10, bytes: 100, oldest: "2026-12-07T11:00:00Z", newest: "2026-12-07T11:59:30Z" }] },
        { type: "zstack_cdp_task", id: "t-rogue", address: null, facts: TYPES.facts("zstack_cdp_task", task("t-rogue", "vm-app", 3_600_000))! },
      ],
      [
        { uuid: "vm-web", name: "web-1", tags: [] },
        { uuid: "vm-app", name: "app-1", tags: [] },
        { uuid: "vm-db", name: "db-1", tags: [] },
      ],
      parseControls('{"controls": [\n{"name": "rpo-15m", "max_rpo": "15m", "newest_within": "1h"}\n]}', "backplan.protection.json").controls,
      NOW,
      [],
    );
    expect(report.failed).toBe(2);
    expectGolden("drift-protection.txt", renderComplianceText(report, { color: false }));
    expectGolden("drift-protection.md", renderComplianceMarkdown(report));
  });
});
