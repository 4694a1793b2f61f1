import { describe, expect, it } from "vitest";
import { State, StateError, type InstanceObject } from "./state.js";

const P = 'provider["registry.terraform.io/backplan/zstack"]';
const obj = (id: string, extra: Partial<InstanceObject> = {}): InstanceObject => ({
  schemaVersion: 0,
  attributes: { id, nested: { list: [1, 2] } },
  sensitiveAttributes: [],
  dependencies: [],
  ...extra,
});

describe("State", () => {
  it("gets, sets and removes instances by address", () => {
    const s = new State();
    s.setInstance("zstack_cdp_task.web", obj("t1"), { provider: P });
    s.setInstance('module.a.zstack_vm_backup.b["k"]', obj("b1"), { provider: P });
    expect(s.getInstance("zstack_cdp_task.web")?.attributes.id).toBe("t1");
    expect(s.getInstance('module.a.zstack_vm_backup.b["k"]')?.attributes.id).toBe("b1");
    expect(s.getInstance('module.a.zstack_vm_backup.b["other"]')).toBeUndefined();
    expect(s.removeInstance("zstack_cdp_task.web")).toBe(true);
    expect(s.removeInstance("zstack_cdp_task.web")).toBe(false);
    expect(s.instanceAddresses()).toEqual(['module.a.zstack_vm_backup.b["k"]']);
  });

  it("hands out deep copies: changing what was read or written does not change the state", () => {
    const s = new State();
    const o = obj("t1");
    s.setInstance("x.y", o, { provider: P });
    (o.attributes.nested as { list: number[] }).list.push(3);
    const read = s.getInstance("x.y") as InstanceObject;
    (read.attributes.nested as { list: number[] }).list.push(4);
    expect(s.getInstance("x.y")?.attributes.nested).toEqual({ list: [1, 2] });
    const res = s.resources();
    res[0]!.instances[0]!.current!.attributes.id = "changed";
    expect(s.getInstance("x.y")?.attributes.id).toBe("t1");
  });

  it("needs a provider for a new resource and keeps the recorded one after", () => {
    const s = new State();
    expect(() => s.setInstance("x.y[0]", obj("a"))).toThrow(StateError);
    expect(() => s.setInstance("x.y[0]", obj("a"))).toThrow("cannot add x.y[0] to state: no provider configuration given");
    s.setInstance("x.y[0]", obj("a"), { provider: P });
    s.setInstance("x.y[1]", obj("b"));
    expect(s.getProvider("x.y[1]")).toBe(P);
  });

  it("orders resources and instances as Terraform does", () => {
    const s = new State();
    for (const a of ['x.y["b"]', "x.y[10]", 'x.y["a"]', "x.y[2]", "module.m.a.b", "data.z.z", "a.a"]) s.setInstance(a, obj(a), { provider: P });
    expect(s.instanceAddresses()).toEqual(["data.z.z", "a.a", "x.y[2]", "x.y[10]", 'x.y["a"]', 'x.y["b"]', "module.m.a.b"]);
  });

  it("keeps deposed objects beside the current one and drops the instance when both are gone", () => {
    const s = new State();
    s.setInstance("x.y", obj("new"), { provider: P });
    s.setInstance("x.y", obj("old"), { deposed: "0badf00d" });
    expect(s.getInstance("x.y", { deposed: "0badf00d" })?.attributes.id).toBe("old");
    expect(() => s.setInstance("x.y", obj("bad"), { deposed: "nothex" })).toThrow("8 hex digits");
    s.removeInstance("x.y");
    expect(s.instanceAddresses()).toEqual(["x.y"]);
    expect(s.objectCount()).toBe(1);
    s.removeInstance("x.y", { deposed: "0badf00d" });
    expect(s.instanceAddresses()).toEqual([]);
    expect(s.resources()).toEqual([]);
  });

  it("clone and assign copy content; assign keeps lineage and serial", () => {
    const s = new State({ serial: 3 });
    s.setInstance("x.y", obj("a"), { provider: P });
    s.setOutput("o", { value: 1, type: "number", sensitive: false });
    const c = s.clone();
    expect(c.lineage).toBe(s.lineage);
    expect(c.getOutput("o")).toEqual({ value: 1, type: "number", sensitive: false });
    const other = new State({ serial: 9 });
    other.assign(c);
    expect(other.serial).toBe(9);
    expect(other.lineage).not.toBe(s.lineage);
    expect(other.instanceAddresses()).toEqual(["x.y"]);
  });

  it("refuses values that are not JSON data, naming the attribute", () => {
    const s = new State();
    expect(() => s.setInstance("x.y", { ...obj("a"), attributes: { size: { gb: Number.NaN } } }, { provider: P })).toThrow("x.y attributes.size.gb: NaN is not a JSON number");
    expect(() => s.setInstance("x.y", { ...obj("a"), attributes: { when: new Date() as never } }, { provider: P })).toThrow("x.y attributes.when: object is not JSON data");
    expect(() => s.setOutput("o", { value: undefined as never, type: "string", sensitive: false })).toThrow("output o value: undefined is not JSON data");
    expect(s.instanceAddresses()).toEqual([]);
  });
});
