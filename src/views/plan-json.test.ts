import { describe, expect, it } from "vitest";
import type { Json, Plan } from "../plan/plan.js";
import { change, emptyPlan, fullPlan, pv, SECRET } from "./fixtures.test-support.js";
import { readTestdata } from "./golden.test-support.js";
import { planJson, plannedValues } from "./plan-json.js";
import { stateValues, type V4StateJson } from "./state-json.js";

type Obj = { [key: string]: Json };

/** Deep equality that also requires the same key order at every level (Terraform's field order). */
function expectSameOrderAndValue(actual: Json | undefined, expected: Json | undefined, path = "$"): void {
  expect(actual, path).toEqual(expected);
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    const a = actual as Obj;
    expect(Object.keys(a), `key order at ${path}`).toEqual(Object.keys(expected));
    for (const k of Object.keys(expected)) expectSameOrderAndValue(a[k], expected[k], `${path}.${k}`);
  } else if (Array.isArray(expected)) {
    expected.forEach((e, i) => expectSameOrderAndValue((actual as Json[])[i], e, `${path}[${i}]`));
  }
}

const BUILTIN = "terraform.io/builtin/terraform";
const POLICY_BEFORE = {
  id: "af173fd4-d525-4f07-6ad6-f010e4dc7a66",
  input: { schedule: "0 2 * * *", task: "71eb8982-05c6-b314-c271-4353e0f7924d" },
  output: { schedule: "0 2 * * *", task: "71eb8982-05c6-b314-c271-4353e0f7924d" },
  triggers_replace: [7],
};
const TASK_INPUT = { name: "cdp-vm-01", retention_days: 7, token: "s3cr3t" };

/** The plan Terraform 1.11.4 showed as `show -json plan2.tfplan` (iac_anchors.md Appendix A.3), as a backplan Plan. */
function captureA3Plan(): Plan {
  const builtin = { providerName: BUILTIN };
  return emptyPlan({
    timestamp: "2026-11-23T11:29:03Z",
    changes: [
      // Dependency order, deliberately not address order: the JSON sorts by address as Terraform does.
      change("terraform_data.restore_point[1]", {
        ...builtin,
        action: "delete",
        reason: "delete_because_count_index",
        previousAddress: "terraform_data.checkpoint[1]",
        before: pv({ id: "64adb664-104a-066b-e702-4b75aa4a6fb3", input: "checkpoint-1", output: "checkpoint-1", triggers_replace: null }),
        after: null,
      }),
      change("terraform_data.backup_policy", {
        ...builtin,
        action: "replace",
        createBeforeDestroy: true,
        reason: "replace_because_cannot_update",
        before: pv(POLICY_BEFORE),
        after: pv(
          { input: { schedule: "0 3 * * *", task: "71eb8982-05c6-b314-c271-4353e0f7924d" }, triggers_replace: [10] },
          { unknown: { id: true, output: true } },
        ),
        replacePaths: [["triggers_replace"]],
      }),
      change("terraform_data.cdp_task", {
        ...builtin,
        action: "update",
        before: pv(
          { id: "71eb8982-05c6-b314-c271-4353e0f7924d", input: TASK_INPUT, output: TASK_INPUT, triggers_replace: null },
          { sensitive: { input: { token: true } } },
        ),
        after: pv(
          { id: "71eb8982-05c6-b314-c271-4353e0f7924d", input: { ...TASK_INPUT, retention_days: 10 }, triggers_replace: null },
          { unknown: { output: true }, sensitive: { input: { token: true } } },
        ),
      }),
      change("terraform_data.imported", {
        ...builtin,
        action: "no-op",
        importing: { id: "existing-backup-123" },
        before: pv({ id: "existing-backup-123", input: null, output: null, triggers_replace: null }),
        after: pv({ id: "existing-backup-123", input: null, output: null, triggers_replace: null }),
      }),
      change("terraform_data.restore_point[0]", {
        ...builtin,
        action: "no-op",
        previousAddress: "terraform_data.checkpoint[0]",
        before: pv({ id: "63519dff-7485-bf67-f1bd-30a3b2c442be", input: "checkpoint-0", output: "checkpoint-0", triggers_replace: null }),
        after: pv({ id: "63519dff-7485-bf67-f1bd-30a3b2c442be", input: "checkpoint-0", output: "checkpoint-0", triggers_replace: null }),
      }),
    ],
    outputs: [
      { name: "task_output", action: "update", before: pv(TASK_INPUT), after: pv(null, { unknown: true }), sensitive: true },
      { name: "policy_id", action: "update", before: pv("af173fd4-d525-4f07-6ad6-f010e4dc7a66"), after: pv(null, { unknown: true }), sensitive: false },
    ],
    variables: { retention_days: { value: "10", sensitive: false }, api_token: { value: "s3cr3t", sensitive: true } },
  });
}

const A3_OPTIONS = {
  version: "1.11.4",
  relevantAttributes: [
    { resource: "terraform_data.backup_policy", attribute: ["id"] },
    { resource: "terraform_data.cdp_task", attribute: ["id"] },
    { resource: "terraform_data.cdp_task", attribute: ["output"] },
  ],
  checks: JSON.parse(readTestdata("terraform-1.11-plan2.capture.json")).checks as Json,
};

describe("planJson against Terraform 1.11.4 captures", () => {
  const a3 = JSON.parse(readTestdata("terraform-1.11-plan2.capture.json")) as Obj;

  it("writes resource_changes exactly as Terraform did for a CBD replace, an update, an import, a move and a count-shrink delete", () => {
    const out = planJson(captureA3Plan(), { ...A3_OPTIONS, showSensitive: true });
    expectSameOrderAndValue(out.resource_changes, a3.resource_changes);
  });

  it("writes output_changes, relevant_attributes, checks, timestamp and the flags exactly as Terraform did", () => {
    const out = planJson(captureA3Plan(), { ...A3_OPTIONS, showSensitive: true });
    for (const key of ["output_changes", "relevant_attributes", "checks", "timestamp", "applyable", "complete", "errored"]) {
      expectSameOrderAndValue(out[key], a3[key], key);
    }
    expectSameOrderAndValue(out.variables, a3.variables, "variables");
  });

  it("orders top-level fields as Terraform's plan struct does", () => {
    const priorState = { outputs: { kept: { sensitive: false, value: 1, type: "number" } }, root_module: {} };
    const out = planJson(captureA3Plan(), { ...A3_OPTIONS, priorState, configuration: { root_module: {} } });
    expect(Object.keys(out)).toEqual([
      "format_version",
      "terraform_version",
      "variables",
      "planned_values",
      "resource_changes",
      "output_changes",
      "prior_state",
      "configuration",
      "relevant_attributes",
      "checks",
      "timestamp",
      "applyable",
      "complete",
      "errored",
    ]);
    expect(out.format_version).toBe("1.2");
    expect(out.prior_state).toMatchObject({ format_version: "1.0", terraform_version: "1.11.4", values: { root_module: {} } });
    expect((out.prior_state as Obj).values).toMatchObject({ outputs: { kept: { value: 1 } } });
  });

  it("leaves out a prior state with no resources and no outputs, as Terraform does for an empty state", () => {
    const plan = emptyPlan();
    expect(planJson(plan, { version: "1.11.4", priorState: { root_module: {} } }).prior_state).toBeUndefined();
    // Known root outputs are evaluated into the prior state during the plan, so it is not empty any more.
    plan.outputs = [{ name: "c", action: "create", before: null, after: pv(42), sensitive: false }];
    expect((planJson(plan, { version: "1.11.4", priorState: { root_module: {} } }).prior_state as Obj).values).toEqual({
      outputs: { c: { sensitive: false, value: 42, type: "number" } },
      root_module: {},
    });
  });

  it("masks sensitive values by default, variables and outputs included, while the *_sensitive trees still mark them", () => {
    // (terraform_data's `output` copies the token without the sensitive mark; that unmarked copy stays visible,
    // exactly as Terraform shows it in its human plan too.)
    const out = planJson(captureA3Plan(), A3_OPTIONS);
    expect(out.variables).toEqual({ api_token: { value: "(sensitive value)" }, retention_days: { value: "10" } });
    const task = (out.resource_changes as Obj[]).find((r) => r.address === "terraform_data.cdp_task")!;
    const ch = task.change as Obj;
    expect((ch.before as Obj).input).toEqual({ name: "cdp-vm-01", retention_days: 7, token: "(sensitive value)" });
    expect(ch.before_sensitive).toEqual({ input: { token: true }, output: {} });
    expect(((out.output_changes as Obj).task_output as Obj).before).toBe("(sensitive value)");
  });

  it("writes resource_drift and resource_changes exactly as Terraform did with a Node.js provider (Appendix B.1)", () => {
    const b1 = JSON.parse(readTestdata("terraform-1.11-nodeprov-drift.capture.json")) as Obj;
    const prov = { providerName: "example.com/zstack/zsdemo" };
    const vm1 = { api_token: "s3cr3t", id: "f7061c95-1a81-4a41-b371-c82342e9a78d", name: "cdp-vm-01", vm_uuid: "vm-aaaa" };
    const vm2 = { api_token: null, id: "01fe2064-32dc-4bd2-a8f1-b343a8d897ae", name: "cdp-vm-02", retention_days: null, status: "running", vm_uuid: "vm-bbbb" };
    const tok = { sensitive: { api_token: true } };
    const plan = emptyPlan({
      drift: [
        change("zsdemo_cdp_task.vm1", {
          ...prov,
          action: "update",
          before: pv({ ...vm1, retention_days: 7, status: "running" }, tok),
          after: pv({ ...vm1, retention_days: 30, status: "paused" }, tok),
        }),
        change("zsdemo_cdp_task.vm2", { ...prov, action: "delete", before: pv(vm2, tok), after: null }),
      ],
      changes: [
        change("zsdemo_cdp_task.vm2", {
          ...prov,
          action: "create",
          before: null,
          after: pv({ api_token: null, name: "cdp-vm-02", retention_days: null, vm_uuid: "vm-bbbb" }, { ...tok, unknown: { id: true, status: true } }),
        }),
        change("zsdemo_cdp_task.vm1", {
          ...prov,
          action: "replace",
          reason: "replace_because_cannot_update",
          before: pv({ ...vm1, retention_days: 30, status: "paused" }, tok),
          after: pv({ api_token: "s3cr3t", name: "cdp-vm-01", retention_days: 7, vm_uuid: "vm-cccc" }, { ...tok, unknown: { id: true, status: true } }),
          replacePaths: [["vm_uuid"]],
        }),
      ],
    });
    const out = planJson(plan, { version: "1.11.4", showSensitive: true });
    expectSameOrderAndValue(out.resource_drift, b1.resource_drift, "resource_drift");
    expectSameOrderAndValue(out.resource_changes, b1.resource_changes, "resource_changes");
    expect([out.applyable, out.complete, out.errored]).toEqual([b1.applyable, b1.complete, b1.errored]);
  });
});

describe("planJson fields backplan adds to the captured shapes", () => {
  it("writes module_address, index keys, deposed objects and forget actions", () => {
    const plan = emptyPlan({
      changes: [
        change('module.site_b.zstack_cdp_task.replica["eu"]', { action: "forget", before: pv({ uuid: "u1" }), after: null }),
        change("zstack_cdp_task.db", { action: "delete", deposed: "0a1b2c3d", before: pv({ uuid: "u2" }), after: null }),
      ],
    });
    // Terraform's order: the root module's instances before any module's.
    const [root, inModule] = planJson(plan, { version: "0.1.0" }).resource_changes as Obj[];
    const rcs = [inModule!, root!];
    expect(rcs[0]).toMatchObject({ address: 'module.site_b.zstack_cdp_task.replica["eu"]', module_address: "module.site_b", index: "eu" });
    expect(Object.keys(rcs[0]!).slice(0, 3)).toEqual(["address", "module_address", "mode"]);
    expect((rcs[0]!.change as Obj).actions).toEqual(["forget"]);
    expect(rcs[1]).toMatchObject({ deposed: "0a1b2c3d" });
    expect(Object.keys(rcs[1]!)).toEqual(["address", "mode", "type", "name", "provider_name", "deposed", "change"]);
  });

  it("leaves out empty optional sections, as Go's omitempty does", () => {
    const out = planJson(emptyPlan(), { version: "0.1.0" });
    expect(Object.keys(out)).toEqual(["format_version", "terraform_version", "planned_values", "timestamp", "applyable", "complete", "errored"]);
    expect(out.planned_values).toEqual({ root_module: {} });
    expect(out.applyable).toBe(false);
  });

  it("never writes the fixture secret in any section by default", () => {
    const prior = stateValues({
      version: 4,
      resources: [
        {
          mode: "managed",
          type: "zstack_cdp_task",
          name: "api",
          provider: 'provider["registry.terraform.io/backplan/zstack"]',
          instances: [{ schema_version: 2, attributes: { uuid: "u", password: SECRET }, sensitive_attributes: [[{ type: "get_attr", value: "password" }]] }],
        },
      ],
      outputs: { admin_password: { value: SECRET, type: "string", sensitive: true } },
    } satisfies V4StateJson);
    const text = JSON.stringify(planJson(fullPlan(), { version: "0.1.0", priorState: prior }));
    expect(text).not.toContain(SECRET);
    expect(text).toContain("(sensitive value)");
  });
});

describe("plannedValues", () => {
  it("holds kept and created instances in the module tree, without deletes, forgets or unknown attributes", () => {
    const pvals = plannedValues(fullPlan(), {
      priorState: { root_module: { resources: [{ address: "zstack_cdp_task.web", mode: "managed", type: "zstack_cdp_task", name: "web", provider_name: "p", schema_version: 3, values: {}, sensitive_values: {} }] } },
    });
    const root = pvals.root_module;
    const addrs = (root.resources ?? []).map((r) => r.address);
    expect(addrs).toContain("zstack_cdp_task.api");
    expect(addrs).toContain("data.zstack_vms.all");
    expect(addrs).not.toContain("zstack_vm_backup.old");
    expect(addrs).not.toContain("zstack_cdp_policy.silver");
    expect(root.child_modules).toEqual([
      {
        resources: [expect.objectContaining({ address: 'module.site_b.zstack_cdp_task.replica["eu"]', index: "eu" })],
        address: "module.site_b",
      },
    ]);
    const api = root.resources!.find((r) => r.address === "zstack_cdp_task.api")!;
    expect(api.values).not.toHaveProperty("uuid");
    expect(api.values).toMatchObject({ password: "(sensitive value)", volumes: [{ volume_uuid: "vol-api" }] });
    expect(api.sensitive_values).toEqual({ password: true, tags: {}, volumes: [{}] });
    expect(root.resources!.find((r) => r.address === "zstack_cdp_task.web")!.schema_version).toBe(3);
    expect(pvals.outputs).toEqual({
      admin_password: { sensitive: true, value: "(sensitive value)", type: "string" },
      api_endpoint: { sensitive: false, value: "https://backup.example.test/zstack/v1", type: "string" },
      db_task_uuid: { sensitive: false },
      web_task_uuid: { sensitive: false, value: "5b8e3c1f", type: "string" },
    });
  });
});
