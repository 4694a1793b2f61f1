import { describe, expect, it } from "vitest";
import { CycleError, formatCycle } from "./cycles.js";
import { Graph } from "./graph.js";

function graph(edges: [string, string][], nodes: string[] = []): Graph {
  const g = new Graph();
  for (const n of nodes) g.addNode(n);
  for (const [a, b] of edges) g.addDependency(a, b);
  return g;
}

describe("Graph", () => {
  it("orders dependencies first and breaks ties by name, whatever the insertion order", () => {
    const edges: [string, string][] = [
      ["app", "db"],
      ["app", "net"],
      ["db", "net"],
      ["backup", "db"],
    ];
    expect(graph(edges, ["zeta"]).topologicalOrder()).toEqual(["net", "db", "app", "backup", "zeta"]);
    expect(graph([...edges].reverse(), ["zeta"]).topologicalOrder()).toEqual(["net", "db", "app", "backup", "zeta"]);
  });

  it("ignores duplicate edges and answers adjacency questions", () => {
    const g = graph([
      ["a", "b"],
      ["a", "b"],
      ["c", "b"],
    ]);
    expect(g.edgeCount).toBe(2);
    expect(g.dependentsOf("b")).toEqual(["a", "c"]);
    expect(g.dependenciesOf("a")).toEqual(["b"]);
    expect(g.hasDependency("a", "b")).toBe(true);
    expect(g.hasDependency("b", "a")).toBe(false);
    expect(() => g.dependenciesOf("nope")).toThrow('graph has no node "nope"');
  });

  it("reverse flips every edge: the destroy order", () => {
    const g = graph([
      ["app", "db"],
      ["db", "net"],
    ]);
    expect(g.reverse().topologicalOrder()).toEqual(["app", "db", "net"]);
    expect(g.reverse().dependenciesOf("db")).toEqual(["app"]);
  });

  it("reports the full path of each cycle", () => {
    const g = graph([
      ["a", "b"],
      ["b", "c"],
      ["c", "a"],
      ["c", "ok"],
      ["x", "x"],
      ["p", "q"],
      ["q", "p"],
    ]);
    expect(g.cycles()).toEqual([
      ["a", "b", "c", "a"],
      ["p", "q", "p"],
      ["x", "x"],
    ]);
    let err: unknown;
    try {
      g.topologicalOrder();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).message).toBe("Cycle: a -> b -> c -> a\nCycle: p -> q -> p\nCycle: x -> x");
    expect(formatCycle(["a", "a"])).toBe("Cycle: a -> a");
  });

  it("reports the shortest cycle through a component's first node", () => {
    const g = graph([
      ["a", "b"],
      ["b", "c"],
      ["c", "d"],
      ["d", "a"],
      ["b", "a"],
    ]);
    expect(g.cycles()).toEqual([["a", "b", "a"]]);
  });

  it("transitive reduction drops implied edges and keeps reachability", () => {
    const g = graph([
      ["a", "b"],
      ["b", "c"],
      ["a", "c"],
      ["a", "d"],
    ]);
    const r = g.transitiveReduction();
    expect(r.edgeCount).toBe(3);
    expect(r.hasDependency("a", "c")).toBe(false);
    expect(r.dependenciesOf("a")).toEqual(["b", "d"]);
    expect(() => graph([["a", "a"]]).transitiveReduction()).toThrow(CycleError);
  });

  it("handles 10,000 nodes in a chain without deep recursion", () => {
    const g = new Graph();
    for (let i = 1; i < 10_000; i++) g.addDependency(`n${i}`, `n${i - 1}`);
    const order = g.topologicalOrder();
    expect(order[0]).toBe("n0");
    expect(order[9_999]).toBe("n9999");
    g.addDependency("n0", "n9999");
    expect(g.cycles()[0]).toHaveLength(10_001);
  });
});
