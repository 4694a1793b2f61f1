import { describe, expect, it } from "vitest";
import { parseTarget } from "../../addrs/parse.js";
import type { TargetAddr } from "../../addrs/resource.js";
import { formatInstanceAddress } from "../../state/address.js";
import { State } from "../../state/state.js";
import { planMove, targetMatches } from "./state-moves.js";

const P = 'provider["terraform.io/builtin/terraform"]';
const obj = (id: string) => ({ schemaVersion: 0, attributes: { id }, sensitiveAttributes: [], dependencies: [] });

function state(...addrs: string[]): State {
  const s = new State();
  for (const a of addrs) s.setInstance(a, obj(a), { provider: P });
  return s;
}

function t(text: string): TargetAddr {
  const r = parseTarget(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function moves(s: State, src: string, dst: string): string[] {
  const p = planMove(s, t(src), t(dst));
  if (!p.ok) throw new Error(p.detail);
  return p.moves.map((m) => `${formatInstanceAddress(m.from.address)} -> ${formatInstanceAddress(m.to)}`);
}

describe("targetMatches", () => {
  const a = (text: string) => {
    const s = state(text);
    return s.resources()[0]!;
  };
  it("a module selects everything under it, a resource all its instances, an instance itself", () => {
    const inner = { ...a("module.m.module.n.x.y").address };
    expect(targetMatches(t("module.m"), inner)).toBe(true);
    expect(targetMatches(t("module.n"), inner)).toBe(false);
    expect(targetMatches(t("x.y"), { module: [], mode: "managed", type: "x", name: "y", key: 3 })).toBe(true);
    expect(targetMatches(t("x.y[2]"), { module: [], mode: "managed", type: "x", name: "y", key: 3 })).toBe(false);
    expect(targetMatches(t("data.x.y"), { module: [], mode: "managed", type: "x", name: "y" })).toBe(false);
  });
});

describe("planMove", () => {
  it("moves an instance, a whole resource with its keys, and a module with its nested modules", () => {
    const s = state("x.a", "x.b[0]", "x.b[1]", "module.m.x.c", "module.m.module.k.x.d");
    expect(moves(s, "x.a", "x.z")).toEqual(["x.a -> x.z"]);
    expect(moves(s, "x.a", 'x.z["k"]')).toEqual(['x.a -> x.z["k"]']);
    expect(moves(s, "x.b", "x.bb")).toEqual(["x.b[0] -> x.bb[0]", "x.b[1] -> x.bb[1]"]);
    expect(moves(s, "x.b[1]", "module.m.x.q")).toEqual(["x.b[1] -> module.m.x.q"]);
    expect(moves(s, "module.m", "module.n")).toEqual(["module.m.x.c -> module.n.x.c", "module.m.module.k.x.d -> module.n.module.k.x.d"]);
  });

  it("allows moving within one resource onto a key that is free", () => {
    expect(moves(state("x.b[0]", "x.b[1]"), "x.b[0]", "x.b[2]")).toEqual(["x.b[0] -> x.b[2]"]);
  });

  const refusals: [string, string[], string, string, string][] = [
    ["an occupied instance", ["x.a", "x.b[0]"], "x.a", "x.b[0]", "already a resource instance"],
    ["an existing resource", ["x.a[0]", "x.b[5]"], "x.a", "x.b", "already a resource at that address"],
    ["an existing module", ["module.m.x.a", "module.n.x.z"], "module.m", "module.n", "already a module"],
    ["another type", ["x.a"], "x.a", "y.a", "resource types don't match"],
    ["a resource onto a data source", ["x.a"], "x.a", "data.x.a", "resource types don't match"],
    ["nothing to move", ["x.a"], "x.nope", "x.b", "does not match anything"],
    ["a module onto a resource", ["module.m.x.a"], "module.m", "x.b", "a module can only move"],
    ["an instance onto a module", ["x.a"], "x.a", "module.m", "can only move to a resource"],
  ];
  for (const [name, addrs, src, dst, message] of refusals) {
    it(`refuses ${name}`, () => {
      const p = planMove(state(...addrs), t(src), t(dst));
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.detail).toContain(message);
    });
  }
});
