import { describe, expect, it } from "vitest";
import { buildDriftReport, type DriftReport } from "../plan/drift.js";
import type { Json, PlanValue, ResourceChange } from "../plan/plan.js";
import { driftWebhookPayload } from "./drift-json.js";
import { driftMarker, renderDriftMarkdown } from "./drift-markdown.js";
import { renderDriftText } from "./drift-text.js";

const pv = (value: Json, sensitive: Json = false): PlanValue => ({ value, sensitive, unknown: false });

function change(address: string, action: ResourceChange["action"], before: PlanValue | null, after: PlanValue | null): ResourceChange {
  const [type, name] = address.split(".") as [string, string];
  return { address, mode: "managed", type, name, providerName: "registry.terraform.io/backplan/zstack", action, before, after, replacePaths: [] };
}

function report(drift: ResourceChange[], unmanaged = 0): DriftReport {
  return buildDriftReport({
    sources: [{ name: "infra/prod", kind: "config", statePath: "infra/prod/terraform.tfstate", stamp: { lineage: "l", serial: 4 }, mode: "refresh-only", drift, changes: [], managed: [], rules: [], errors: [] }],
    inventory: new Map([["zstack_cdp_task", Array.from({ length: unmanaged }, (_, i) => ({ id: `id${i}`, name: `task-${i}` }))]]),
    inventoryRules: [],
    runtimeAttributes: new Map(),
    errors: [],
    version: "0.1.0",
    checkedAt: "2026-11-25T18:00:00Z",
  });
}

const SECRET = "hunter2-secret-value";
const drifted = report(
  [
    change("zstack_cdp_task.web", "update", pv({ max_latency: 600000, password: SECRET }, { password: true }), pv({ max_latency: 300000, password: `${SECRET}!` }, { password: true })),
    change("zstack_vm_backup.app", "delete", pv({ name: "app" }), null),
  ],
  1,
);

describe("drift views", () => {
  it("text: per-source findings, unmanaged objects with import commands, coverage and verdict; secrets masked", () => {
    const text = renderDriftText(drifted, { color: false });
    expect(text).toBe(
      [
        "infra/prod (configuration, infra/prod/terraform.tfstate serial 4, 0 managed)",
        "  ~ zstack_cdp_task.web has changed outside backplan",
        "      ~ max_latency = 600000 -> 300000",
        "      ~ password = (sensitive value) -> (sensitive value)",
        "  - zstack_vm_backup.app has been deleted outside backplan",
        "",
        "Unmanaged objects (1): in the live APIs, in no given state",
        '  ? zstack_cdp_task id0 "task-0"',
        "      import with: backplan import zstack_cdp_task.task-0 id0",
        "",
        "Coverage: 0% — 0 of 1 listed objects are managed, 1 unmanaged.",
        "Drift detected: 1 changed, 1 deleted, 1 unmanaged.",
        "",
      ].join("\n"),
    );
  });

  it("markdown: marker, CAUTION for deletions, WARNING for the rest, details; secrets never in clear", () => {
    const md = renderDriftMarkdown(drifted, { id: "nightly", title: "Drift" });
    expect(md.split("\n").slice(0, 7)).toEqual(["<!-- backplan-drift:nightly -->", "", "### Drift", "", "**Drift detected: 1 changed, 1 deleted, 1 unmanaged.**", "", "Coverage: 0% — 0 of 1 listed objects are managed, 1 unmanaged."]);
    expect(md).toContain("> [!CAUTION]\n> **1 managed object was deleted outside backplan.**");
    expect(md).toContain("> [!WARNING]\n> - 1 object changed outside backplan: `zstack_cdp_task.web`");
    expect(md).toContain("<details><summary><code>zstack_cdp_task.web</code>: changed outside backplan <sub>(infra/prod)</sub></summary>");
    expect(md).not.toContain(SECRET);
    expect(driftMarker("a-->b")).toBe("<!-- backplan-drift:a-%2D%3Eb -->");
  });

  it("markdown: sheds details, then the unmanaged list, to fit the limit, keeping alerts and counts", () => {
    const big = report(
      Array.from({ length: 300 }, (_, i) => change(`zstack_cdp_task.t${i}`, "update", pv({ description: "x".repeat(100) }), pv({ description: "y".repeat(100) }))),
      400,
    );
    const md = renderDriftMarkdown(big, { maxLength: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toContain("**Drift detected: 300 changed, 400 unmanaged.**");
    expect(md).toContain("> [!NOTE]\n> Shortened to fit 20,000 characters: the attribute details and the list of 400 unmanaged objects are left out.");
    expect(md).not.toContain("<details>");
    const changes = Array.from({ length: 30 }, (_, i) => change(`zstack_cdp_task.m${i}`, "update", pv({ d: "x".repeat(100) }), pv({ d: "y" })));
    const medium = renderDriftMarkdown(report(changes, 3), { maxLength: 3000 });
    expect(medium.length).toBeLessThanOrEqual(3000);
    expect(medium).toContain("the attribute details are left out");
    expect(medium).toContain("#### Unmanaged objects");
  });

  it("webhook payload: Slack text with the headline, coverage and findings (cut after 15), no attribute values", () => {
    const many = report(Array.from({ length: 20 }, (_, i) => change(`zstack_vm_backup.b${String(i).padStart(2, "0")}`, "delete", pv({ name: "b" }), null)));
    const p = driftWebhookPayload(many);
    const lines = p.text.split("\n");
    expect(lines[0]).toBe("*backplan drift*: Drift detected: 20 deleted.");
    expect(lines[1]).toBe("Coverage: 100% — 0 of 0 listed objects are managed, 0 unmanaged.");
    expect(lines[2]).toBe("• zstack_vm_backup.b00 deleted outside backplan (infra/prod)");
    expect(lines.at(-1)).toBe("…and 5 more");
    expect(p.drift).toHaveLength(20);
    expect(JSON.stringify(driftWebhookPayload(drifted))).not.toMatch(/300000|hunter2/);
  });
});
