import { describe, expect, it } from "vitest";
import type { ActionReason } from "../plan/action.js";
import type { ResourceChange } from "../plan/plan.js";
import { change, dbReplace, oldDelete, pv, weeklyImport } from "./fixtures.test-support.js";
import { deleteReason, renderResourceChange, resourceComment } from "./resource-text.js";
import { PLAIN } from "./style.js";

const del = (address: string, reason: ActionReason, extra: Partial<ResourceChange> = {}) =>
  change(address, { action: "delete", reason, before: pv({ uuid: "u" }), after: null, ...extra });

describe("delete reasons (the `# (because ...)` line)", () => {
  it.each([
    [del("zstack_vm_backup.old", "delete_because_no_resource_config"), "because zstack_vm_backup.old is not in configuration"],
    [del("zstack_vm_backup.b[3]", "delete_because_count_index"), "because index [3] is out of range for count"],
    [del('zstack_vm_backup.b["eu"]', "delete_because_each_key"), 'because key ["eu"] is not in for_each map'],
    [del("zstack_vm_backup.b", "delete_because_wrong_repetition"), "because resource uses count or for_each"],
    [del("zstack_vm_backup.b[0]", "delete_because_wrong_repetition"), "because resource does not use count"],
    [del('zstack_vm_backup.b["k"]', "delete_because_wrong_repetition"), "because resource does not use for_each"],
    [del("module.gone.zstack_vm_backup.b", "delete_because_no_module"), "because module.gone is not in configuration"],
    [
      del("zstack_vm_backup.new", "delete_because_no_move_target", { previousAddress: "zstack_vm_backup.old" }),
      "because zstack_vm_backup.old was moved to zstack_vm_backup.new, which is not in configuration",
    ],
  ])("%#: %s", (rc, text) => {
    expect(deleteReason(rc)).toBe(text);
    expect(resourceComment(rc, "change", PLAIN)).toContain(`  # (${text})\n`);
  });
});

describe("resource headers", () => {
  it.each([
    [{ ...dbReplace, reason: "replace_because_tainted" as const }, "  # zstack_cdp_task.db is tainted, so must be replaced\n"],
    [{ ...dbReplace, reason: "replace_by_request" as const }, "  # zstack_cdp_task.db will be replaced, as requested\n"],
    [{ ...dbReplace, reason: "replace_by_triggers" as const }, "  # zstack_cdp_task.db will be replaced due to changes in replace_triggered_by\n"],
    [{ ...oldDelete, reason: undefined }, "  # zstack_vm_backup.old will be destroyed\n"],
  ])("%#", (rc, header) => expect(resourceComment(rc, "change", PLAIN)).toBe(header));

  it("names deposed objects and says where they come from", () => {
    const rc = { ...oldDelete, reason: undefined, deposed: "0a1b2c3d" };
    expect(renderResourceChange(rc, "change", PLAIN)).toMatch(
      /^ {2}# zstack_vm_backup\.old \(deposed object 0a1b2c3d\) will be destroyed\n {2}# \(left over from a partially-failed replacement of this instance\)\n {2}- resource "zstack_vm_backup" "old" \{/,
    );
  });

  it("says an imported object being updated or replaced comes from an import, and warns when the replacement destroys it", () => {
    const updating = { ...weeklyImport, action: "update" as const, after: pv({ id: "ckpt-42", policy_id: "plan-new", status: "available" }) };
    expect(resourceComment(updating, "change", PLAIN)).toBe(
      '  # csbs_backup_policy_checkpoint.weekly will be updated in-place\n  # (imported from "ckpt-42")\n',
    );
    const text = renderResourceChange(updating, "change", PLAIN);
    expect(text).toContain('        status    = "available"'); // imports show every attribute
    expect(resourceComment({ ...dbReplace, importing: { id: "x" } }, "change", PLAIN)).toContain("Warning: this will destroy the imported resource");
  });

  it("uses the drift wording for changes found outside backplan", () => {
    expect(resourceComment({ ...oldDelete, reason: undefined }, "drift", PLAIN)).toBe("  # zstack_vm_backup.old has been deleted\n");
  });
});
