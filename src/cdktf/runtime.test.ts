import { describe, expect, it } from "vitest";
import { attributeRef, toTerraform, type AttributeSource, type Resolvable } from "./runtime.js";

const token = (path: string): Resolvable & { path: string } => ({ path, resolve: () => `\${x.${path}}` });

/** Records which reader was used for which path, as a TerraformResource would answer with tokens. */
const source: AttributeSource = {
  getStringAttribute: (p) => `str:${p}`,
  getNumberAttribute: (p) => p.length,
  getBooleanAttribute: (p) => token(`bool:${p}`),
  getListAttribute: (p) => [`list:${p}`],
  getNumberListAttribute: () => [1],
  getStringMapAttribute: (p) => ({ k: `map:${p}` }),
  getNumberMapAttribute: () => ({ k: 1 }),
  getBooleanMapAttribute: () => ({ k: true }),
  interpolationForAttribute: (p) => token(p),
};

describe("toTerraform", () => {
  it("renames properties through nested blocks, drops undefined ones, and passes tokens through", () => {
    const fields = { planId: { name: "plan_id" }, scheduledOperation: { name: "scheduled_operation", nested: { maxBackups: { name: "max_backups" } } } };
    const t = token("list");
    expect(toTerraform({ planId: "p", scheduledOperation: [{ maxBackups: 7 }], other: 1 }, fields)).toEqual({ plan_id: "p", scheduled_operation: [{ max_backups: 7 }] });
    expect(toTerraform({ scheduledOperation: t }, fields)).toEqual({ scheduled_operation: t });
    expect(toTerraform({ planId: undefined }, fields)).toEqual({});
  });
});

describe("attributeRef", () => {
  it("reads nested list elements by index with the reader of each field's type", () => {
    const vms = attributeRef(source, "vm_instances", { objectList: { uuid: { name: "uuid", kind: "string" }, cpuNum: { name: "cpu_num", kind: "number" } } }) as {
      get(i: number): { uuid: string; cpuNum: number };
    };
    expect(vms.get(2).uuid).toBe("str:vm_instances[2].uuid");
    expect(vms.get(0).cpuNum).toBe("vm_instances[0].cpu_num".length);
    expect(attributeRef(source, "enabled", "bool")).toMatchObject({ path: "bool:enabled" });
    expect(attributeRef(source, "uuids", "string_list")).toEqual(["list:uuids"]);
  });
});
