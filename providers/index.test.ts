import { describe, expect, it } from "vitest";
import { providersSchemaJson, validateConfig, type SdkObject } from "../src/sdk/index.js";
import { builtinProviders, csbsProvider, zstackProvider } from "./index.js";

describe("builtinProviders", () => {
  it("serves zstack and csbs under their registry sources", () => {
    expect(builtinProviders().map((p) => [p.name, p.source])).toEqual([
      ["zstack", "backplan/zstack"],
      ["csbs", "backplan/csbs"],
    ]);
  });

  it("describes every resource and data source in `providers schema -json` form", () => {
    const json = providersSchemaJson(builtinProviders());
    const zs = json.provider_schemas["registry.terraform.io/backplan/zstack"]!;
    expect(Object.keys(zs.resource_schemas)).toEqual(["zstack_cdp_policy", "zstack_cdp_task", "zstack_scheduler_job", "zstack_scheduler_trigger", "zstack_vm_backup", "zstack_vm_from_cdp_backup", "zstack_volume_backup"]);
    expect(Object.keys(zs.data_source_schemas)).toEqual([
      "zstack_backup_storages",
      "zstack_cdp_recovery_points",
      "zstack_instance_offerings",
      "zstack_l3_networks",
      "zstack_vm_instances",
    ]);
    const task = zs.resource_schemas["zstack_cdp_task"]!.block;
    expect(task.attributes!["resource_uuids"]).toMatchObject({ type: ["set", "string"], required: true });
    expect(task.attributes!["uuid"]).toMatchObject({ type: "string", computed: true });
    expect(zs.provider.block.attributes!["account_password"]).toMatchObject({ sensitive: true, optional: true });
    const policy = json.provider_schemas["registry.terraform.io/backplan/csbs"]!.resource_schemas["csbs_backup_policy"]!.block;
    expect(policy.block_types!["scheduled_operation"]).toMatchObject({ nesting_mode: "set", min_items: 1, max_items: 1 });
    expect(policy.block_types!["resource"]!.block.attributes!["id"]).toMatchObject({ type: "string", required: true });
  });
});

describe("configuration checks through the sdk", () => {
  const policy = csbsProvider.resources.get("csbs_backup_policy")!;

  it("accepts an opentelekomcloud_csbs_backup_policy_v1 configuration", () => {
    const config: SdkObject = {
      name: "p",
      resource: [{ id: "c773ea6d-2fb8-4438-a4aa-264378fbc507", type: "OS::Nova::Server", name: "web-1" }],
      scheduled_operation: [{ operation_type: "backup", trigger_pattern: "BEGIN:VCALENDAR", enabled: true, max_backups: 2 }],
    };
    expect(validateConfig(policy.attributes, policy.schema.shape, config)).toEqual([]);
  });

  it("names the nested argument that is missing or mistyped", () => {
    const config: SdkObject = {
      name: "p",
      resource: [{ id: "x", type: "OS::Nova::Server", name: "web-1" }],
      scheduled_operation: [{ operation_type: "backup", max_backups: "two" }],
    };
    const problems = validateConfig(policy.attributes, policy.schema.shape, config);
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining([["scheduled_operation", 0, "trigger_pattern"], ["scheduled_operation", 0, "max_backups"]]));
  });

  it("rejects a zstack_cdp_task without resources and with a negative latency", () => {
    const task = zstackProvider.resources.get("zstack_cdp_task")!;
    const problems = validateConfig(task.attributes, task.schema.shape, { name: "t", policy_uuid: "p", backup_storage_uuid: "b", resource_uuids: [], max_latency: -1 });
    expect(problems.map((p) => p.path.join("."))).toEqual(["resource_uuids", "max_latency"]);
  });
});
