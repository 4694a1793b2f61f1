import { describe, expect, it } from "vitest";
import { task } from "./fixture.test-support.js";
import { planResourceChange } from "./plan-change.js";
import { computed, optional } from "./attribute.js";
import { UNKNOWN, type SdkObject } from "./value.js";

const config: SdkObject = {
  name: "t1",
  description: null,
  policy_uuid: "p".repeat(32),
  resource_uuids: ["a", "b"],
  max_latency: null,
  password: null,
  schedule: null,
};

const prior: SdkObject = {
  uuid: "u".repeat(32),
  name: "t1",
  description: "",
  policy_uuid: "p".repeat(32),
  resource_uuids: ["a", "b"],
  max_latency: 600000,
  status: "Running",
  create_date: "yesterday",
  password: null,
  schedule: null,
};

describe("planResourceChange", () => {
  it("a computed attribute with nullWith is a known null on create when its source is null, else unknown", () => {
    const attrs = { input: optional({}), output: computed({ nullWith: "input" }), id: computed({}) };
    expect(planResourceChange(attrs, null, { input: null }).planned).toEqual({ input: null, output: null, id: UNKNOWN });
    expect(planResourceChange(attrs, null, { input: "x" }).planned).toEqual({ input: "x", output: UNKNOWN, id: UNKNOWN });
    // An update to null is still unknown, as terraform_data plans it.
    expect(planResourceChange(attrs, { input: "x", output: "x", id: "i" }, { input: null }).planned).toEqual({ input: null, output: UNKNOWN, id: UNKNOWN });
  });

  it("no schedule blocks as [] (Terraform's state) and as null (backplan's config) is no change", () => {
    const { planned, requiresReplace } = planResourceChange(task.attributes, { ...prior, schedule: [] }, config);
    expect(requiresReplace).toEqual([]);
    expect(planned["status"]).toBe("Running");
  });

  it("a create makes every computed attribute unknown and applies defaults", () => {
    const { planned, requiresReplace } = planResourceChange(task.attributes, null, config);
    expect(planned.uuid).toBe(UNKNOWN);
    expect(planned.status).toBe(UNKNOWN);
    expect(planned.max_latency).toBe(UNKNOWN);
    expect(planned.description).toBe("");
    expect(requiresReplace).toEqual([]);
  });

  it("an unchanged configuration plans exactly the prior state", () => {
    const { planned, requiresReplace } = planResourceChange(task.attributes, prior, config);
    expect(planned).toEqual(prior);
    expect(requiresReplace).toEqual([]);
  });

  it("reordering an unordered list is no change", () => {
    const { planned } = planResourceChange(task.attributes, prior, { ...config, resource_uuids: ["b", "a"] });
    expect(planned.resource_uuids).toEqual(["a", "b"]);
  });

  it("an in-place update keeps stable computed attributes and makes the others unknown", () => {
    const { planned, requiresReplace } = planResourceChange(task.attributes, prior, { ...config, name: "t2" });
    expect(requiresReplace).toEqual([]);
    expect(planned.name).toBe("t2");
    expect(planned.uuid).toBe(prior.uuid);
    expect(planned.create_date).toBe("yesterday");
    expect(planned.status).toBe(UNKNOWN);
    expect(planned.max_latency).toBe(600000);
  });

  it("changing a forceNew attribute requires replacement and unknowns every computed attribute", () => {
    const { planned, requiresReplace } = planResourceChange(task.attributes, prior, { ...config, resource_uuids: ["a", "c"] });
    expect(requiresReplace).toEqual([["resource_uuids"]]);
    expect(planned.uuid).toBe(UNKNOWN);
  });

  it("an unknown configured value for a forceNew attribute requires replacement", () => {
    const { requiresReplace } = planResourceChange(task.attributes, prior, { ...config, policy_uuid: UNKNOWN });
    expect(requiresReplace).toEqual([["policy_uuid"]]);
  });

  describe("computed attributes of nested blocks", () => {
    const attrs = {
      op: optional({
        unordered: true,
        block: { nesting: "set", attributes: { pattern: optional(), trigger_name: computed() } },
      }),
    } as const;
    const was: SdkObject = { op: [{ pattern: "daily", trigger_name: "default" }] };

    it("keep the prior element's value when the element's configuration is unchanged: no diff", () => {
      const { planned } = planResourceChange(attrs, was, { op: [{ pattern: "daily", trigger_name: null }] });
      expect(planned.op).toEqual([{ pattern: "daily", trigger_name: "default" }]);
    });

    it("are unknown in a changed or new element", () => {
      expect(planResourceChange(attrs, was, { op: [{ pattern: "weekly", trigger_name: null }] }).planned.op).toEqual([{ pattern: "weekly", trigger_name: UNKNOWN }]);
      expect(planResourceChange(attrs, null, { op: [{ pattern: "daily" }] }).planned.op).toEqual([{ pattern: "daily", trigger_name: UNKNOWN }]);
    });
  });
});
