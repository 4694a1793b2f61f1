import { describe, expect, it } from "vitest";
import { State } from "../state/state.js";
import { encodeStateV4 } from "../state/v4.js";
import { SECRET } from "./fixtures.test-support.js";
import { readTestdata } from "./golden.test-support.js";
import { marksFromPaths, providerNameOf, stateValues, type V4StateJson } from "./state-json.js";

const ZSTACK = 'provider["registry.terraform.io/backplan/zstack"]';

const state: V4StateJson = {
  version: 4,
  terraform_version: "1.11.4",
  outputs: {
    task_uuid: { value: "u-web", type: "string" },
    admin: { value: { user: "admin", password: SECRET }, type: ["object", { user: "string", password: "string" }], sensitive: true },
  },
  resources: [
    {
      mode: "managed",
      type: "zstack_cdp_task",
      name: "web",
      provider: ZSTACK,
      instances: [
        {
          schema_version: 1,
          attributes: { uuid: "u-web", password: SECRET, volumes: [{ volume_uuid: "v1", key: SECRET }, { volume_uuid: "v2", key: null }] },
          sensitive_attributes: [
            [{ type: "get_attr", value: "password" }],
            [{ type: "get_attr", value: "volumes" }, { type: "index", value: 0 }, { type: "get_attr", value: "key" }],
          ],
          dependencies: ["zstack_cdp_policy.gold"],
        },
        { deposed: "0a1b2c3d", schema_version: 1, attributes: { uuid: "u-old" }, status: "tainted" },
      ],
    },
    {
      module: 'module.site["eu.west"]',
      mode: "managed",
      type: "zstack_vm_backup",
      name: "nightly",
      provider: `module.site["eu.west"].${ZSTACK}`,
      instances: [
        { index_key: 1, attributes: { uuid: "b1" } },
        { index_key: 0, attributes: { uuid: "b0" } },
      ],
    },
    {
      module: 'module.site["eu.west"].module.inner',
      mode: "data",
      type: "zstack_vms",
      name: "all",
      provider: ZSTACK,
      instances: [{ attributes: { id: "vms" } }],
    },
  ],
};

describe("stateValues", () => {
  it("builds Terraform's values representation: module tree, sorted instances, sensitive_values, deposed and tainted objects", () => {
    const v = stateValues(state);
    expect(Object.keys(v)).toEqual(["outputs", "root_module"]);
    expect(v.outputs).toEqual({
      admin: { sensitive: true, value: "(sensitive value)", type: ["object", { user: "string", password: "string" }] },
      task_uuid: { sensitive: false, value: "u-web", type: "string" },
    });
    const [current, deposed] = v.root_module.resources!;
    expect(current).toEqual({
      address: "zstack_cdp_task.web",
      mode: "managed",
      type: "zstack_cdp_task",
      name: "web",
      provider_name: "registry.terraform.io/backplan/zstack",
      schema_version: 1,
      values: { password: "(sensitive value)", uuid: "u-web", volumes: [{ key: "(sensitive value)", volume_uuid: "v1" }, { key: null, volume_uuid: "v2" }] },
      sensitive_values: { password: true, volumes: [{ key: true }, {}] },
      depends_on: ["zstack_cdp_policy.gold"],
    });
    expect(Object.keys(current!)).toEqual(["address", "mode", "type", "name", "provider_name", "schema_version", "values", "sensitive_values", "depends_on"]);
    expect(deposed).toMatchObject({ address: "zstack_cdp_task.web", tainted: true, deposed_key: "0a1b2c3d" });

    const site = v.root_module.child_modules![0]!;
    expect(site.address).toBe('module.site["eu.west"]');
    expect(site.resources!.map((r) => [r.address, r.index])).toEqual([
      ['module.site["eu.west"].zstack_vm_backup.nightly[0]', 0],
      ['module.site["eu.west"].zstack_vm_backup.nightly[1]', 1],
    ]);
    expect(site.child_modules![0]!.address).toBe('module.site["eu.west"].module.inner');
    expect(site.child_modules![0]!.resources![0]!.address).toBe('module.site["eu.west"].module.inner.data.zstack_vms.all');
    expect(JSON.stringify(v)).not.toContain(SECRET);
  });

  it("writes secrets in clear only when asked to", () => {
    expect(JSON.stringify(stateValues(state, { showSensitive: true }))).toContain(SECRET);
  });

  it("reads the v4 state Terraform 1.11.4 wrote (Appendix A.4)", () => {
    const captured = JSON.parse(readTestdata("terraform-1.11-state.capture.json")) as V4StateJson;
    const v = stateValues(captured);
    expect(v.root_module.resources!.map((r) => r.address)).toEqual([
      "terraform_data.backup_policy",
      "terraform_data.cdp_task",
      "terraform_data.checkpoint[0]",
      "terraform_data.checkpoint[1]",
    ]);
    expect(v.root_module.resources![0]).toMatchObject({ provider_name: "terraform.io/builtin/terraform", depends_on: ["terraform_data.cdp_task"] });
    expect(v.outputs!.task_output).toMatchObject({ sensitive: true, value: "(sensitive value)" });
  });
});

describe("marksFromPaths / providerNameOf", () => {
  it.each([
    [[], false],
    [[[]], true],
    [[[{ type: "get_attr", value: "a" }]], { a: true }],
    [[[{ type: "get_attr", value: "l" }, { type: "index", value: 2 }]], { l: [false, false, true] }],
    [[[{ type: "get_attr", value: "m" }, { type: "index", value: "k" }]], { m: { k: true } }],
  ] as const)("%j marks %j", (paths, marks) => {
    expect(marksFromPaths(paths as never)).toEqual(marks);
  });
  it("strips the provider[...] wrapper, module prefix and alias", () => {
    expect(providerNameOf('module.a.provider["registry.terraform.io/backplan/csbs"].eu')).toBe("registry.terraform.io/backplan/csbs");
  });
});

describe("stateValues over a state written by src/state", () => {
  it("reads encodeStateV4 output: sensitive paths, schema versions and module instances survive", () => {
    const s = new State({ lineage: "l-1", serial: 3 });
    s.setInstance(
      'module.site["eu"].zstack_cdp_task.web[0]',
      {
        schemaVersion: 2,
        attributes: { uuid: "u1", password: SECRET },
        sensitiveAttributes: [[{ type: "get_attr", value: "password" }]],
        dependencies: [],
      },
      { provider: ZSTACK },
    );
    const v = stateValues(JSON.parse(encodeStateV4(s)) as V4StateJson);
    const mod = v.root_module.child_modules![0]!;
    expect(mod.address).toBe('module.site["eu"]');
    expect(mod.resources![0]).toMatchObject({
      address: 'module.site["eu"].zstack_cdp_task.web[0]',
      index: 0,
      schema_version: 2,
      values: { password: "(sensitive value)", uuid: "u1" },
      sensitive_values: { password: true },
    });
  });
});
