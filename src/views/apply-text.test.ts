import { describe, expect, it } from "vitest";
import {
  applyCountsFromPlan,
  applySummary,
  formatElapsed,
  importDoneLine,
  importPreparingLine,
  importStartLine,
  progressDone,
  progressFailed,
  progressStart,
  progressStill,
  refreshLine,
} from "./apply-text.js";
import { stripAnsi } from "./style.js";

const web = { address: "zstack_cdp_task.web" };
const withId = { address: "zstack_cdp_task.web", id: { key: "uuid", value: "5b8e3c1f" } };

describe("apply progress lines", () => {
  it.each([
    [progressStart("create", web), "zstack_cdp_task.web: Creating..."],
    [progressStart("update", withId), "zstack_cdp_task.web: Modifying... [uuid=5b8e3c1f]"],
    [progressStart("delete", { ...withId, deposed: "0a1b2c3d" }), "zstack_cdp_task.web (deposed object 0a1b2c3d): Destroying... [uuid=5b8e3c1f]"],
    [progressStart("read", { address: "data.zstack_vms.all" }), "data.zstack_vms.all: Reading..."],
    [progressStill("create", web, 10_000), "zstack_cdp_task.web: Still creating... [10s elapsed]"],
    [progressStill("delete", withId, 90_400), "zstack_cdp_task.web: Still destroying... [uuid=5b8e3c1f, 1m30s elapsed]"],
    [progressDone("create", withId, 2_000), "zstack_cdp_task.web: Creation complete after 2s [uuid=5b8e3c1f]"],
    [progressDone("update", withId, 0), "zstack_cdp_task.web: Modifications complete after 0s [uuid=5b8e3c1f]"],
    [progressDone("delete", web, 1_000), "zstack_cdp_task.web: Destruction complete after 1s"],
    [progressFailed("create", web, 3_000), "zstack_cdp_task.web: Creation errored after 3s"],
    [refreshLine(withId), "zstack_cdp_task.web: Refreshing state... [uuid=5b8e3c1f]"],
    [importPreparingLine("x.y", "ckpt-1"), "x.y: Preparing import... [id=ckpt-1]"],
    [importStartLine("x.y", "ckpt-1"), "x.y: Importing... [id=ckpt-1]"],
    [importDoneLine("x.y", "ckpt-1"), "x.y: Import complete [id=ckpt-1]"],
  ])("%s", (actual, expected) => expect(actual).toBe(expected));

  it("shortens very long ids in the periodic lines, keeping both ends", () => {
    const id = `${"a".repeat(60)}MIDDLE${"z".repeat(60)}`;
    const line = progressStill("create", { address: "x.y", id: { key: "uuid", value: id } }, 20_000);
    expect(line).toMatch(/^x\.y: Still creating\.\.\. \[uuid=a+\.\.\.z+, 20s elapsed\]$/);
    expect(line).not.toContain("MIDDLE");
  });

  it("bolds when colored", () => {
    const line = progressStart("create", web, { color: true });
    expect(line).toContain("\u001b[1m");
    expect(stripAnsi(line)).toBe("zstack_cdp_task.web: Creating...");
  });

  it.each([
    [0, "0s"],
    [1_499, "1s"],
    [59_600, "1m0s"],
    [3_723_000, "1h2m3s"],
  ])("formats %d ms as %s", (ms, text) => expect(formatElapsed(ms)).toBe(text));
});

describe("applySummary", () => {
  it("states what was done", () => {
    expect(applySummary({ added: 2, changed: 1, destroyed: 0 })).toBe("Apply complete! Resources: 2 added, 1 changed, 0 destroyed.");
    expect(applySummary({ added: 1, changed: 0, destroyed: 1, imported: 1, forgotten: 2 })).toBe(
      "Apply complete! Resources: 1 imported, 1 added, 0 changed, 1 destroyed, 2 forgotten.",
    );
    expect(applySummary({ added: 0, changed: 0, destroyed: 3 }, { destroy: true })).toBe("Destroy complete! Resources: 3 destroyed.");
  });

  it("counts a planned replacement as one added and one destroyed", () => {
    expect(applyCountsFromPlan({ add: 1, change: 2, replace: 3, destroy: 1, import: 0, forget: 0, read: 4 })).toEqual({
      added: 4,
      changed: 2,
      destroyed: 4,
      imported: 0,
      forgotten: 0,
    });
  });
});
