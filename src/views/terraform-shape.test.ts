import { describe, expect, it } from "vitest";
import { builtinProviders } from "../../providers/index.js";
import { providerRegistry } from "../plan/providers.js";
import { change, emptyPlan, pv } from "./fixtures.test-support.js";
import { terraformShapedPlan } from "./terraform-shape.js";

describe("terraformShapedPlan", () => {
  const registry = providerRegistry(builtinProviders());

  it("writes no nested blocks as [] and adds timeouts: null where the schema has a timeouts block", () => {
    const rc = change("csbs_backup_policy.daily", { action: "create", before: null, after: pv({ name: "daily", tags: null, resource: [{ id: "vm", type: "OS::Nova::Server", name: "web" }] }) });
    const [shaped] = terraformShapedPlan(emptyPlan({ changes: [rc] }), registry).changes;
    expect(shaped!.after!.value).toEqual({ name: "daily", tags: [], resource: [{ id: "vm", type: "OS::Nova::Server", name: "web" }], timeouts: null });
  });

  it("leaves values of types it does not know alone", () => {
    const rc = change("zstack_unknown_thing.x", { action: "create", before: null, after: pv({ a: null }) });
    expect(terraformShapedPlan(emptyPlan({ changes: [rc] }), registry).changes[0]).toBe(rc);
  });
});
