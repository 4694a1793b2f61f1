import { describe, expect, it } from "vitest";
import { CycleError } from "./cycles.js";
import { Graph } from "./graph.js";
import { walk } from "./walk.js";

function graph(edges: [string, string][], nodes: string[] = []): Graph {
  const g = new Graph();
  for (const n of nodes) g.addNode(n);
  for (const [a, b] of edges) g.addDependency(a, b);
  return g;
}

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

describe("walk", () => {
  it("visits each node once, after all its dependencies, ready nodes in name order", async () => {
    const g = graph(
      [
        ["app", "db"],
        ["app", "net"],
        ["db", "net"],
      ],
      ["c", "b"],
    );
    const seen: string[] = [];
    const r = await walk(g, {
      parallelism: 1,
      visit: async (n) => {
        seen.push(n);
        return n.toUpperCase();
      },
    });
    expect(seen).toEqual(["b", "c", "net", "db", "app"]);
    expect(r.ok).toBe(true);
    expect(r.outcomes.get("db")).toEqual({ status: "succeeded", value: "DB" });
  });

  it("never runs more than `parallelism` visits at once, and does reach it", async () => {
    const g = new Graph();
    for (let i = 0; i < 50; i++) g.addNode(`n${i}`);
    let running = 0;
    let peak = 0;
    const r = await walk(g, {
      parallelism: 4,
      visit: async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      },
    });
    expect(peak).toBe(4);
    expect(r.succeeded).toHaveLength(50);
  });

  it("defaults to parallelism 10", async () => {
    const g = new Graph();
    for (let i = 0; i < 30; i++) g.addNode(`n${i}`);
    let running = 0;
    let peak = 0;
    await walk(g, {
      visit: async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
      },
    });
    expect(peak).toBe(10);
  });

  it("skips the dependents of a failure, says which failure blocked them, and finishes independent nodes", async () => {
    const g = graph([
      ["db", "net"],
      ["app", "db"],
      ["web", "app"],
      ["web", "cdn"],
      ["report", "other"],
    ]);
    const visited: string[] = [];
    const failure = new Error("quota exceeded");
    const r = await walk(g, {
      parallelism: 3,
      visit: async (n) => {
        visited.push(n);
        await tick();
        if (n === "db") throw failure;
        if (n === "other") throw new Error("sync throw is fine too");
      },
    });
    expect(r.ok).toBe(false);
    expect(r.failed).toEqual(["db", "other"]);
    expect(r.outcomes.get("db")).toEqual({ status: "failed", error: failure });
    expect(r.skipped).toEqual(["app", "report", "web"]);
    expect(r.outcomes.get("web")).toEqual({ status: "skipped", dependency: "app", cause: "db" });
    expect(r.outcomes.get("report")).toEqual({ status: "skipped", dependency: "other", cause: "other" });
    expect(r.succeeded).toEqual(["cdn", "net"]);
    expect(visited).not.toContain("app");
  });

  it("treats a visit that throws synchronously as a failure", async () => {
    const r = await walk(graph([["b", "a"]]), {
      visit: (n) => {
        if (n === "a") throw new Error("sync");
        return Promise.resolve();
      },
    });
    expect(r.failed).toEqual(["a"]);
    expect(r.skipped).toEqual(["b"]);
  });

  it("on abort starts nothing new, lets running visits finish, reports the rest as cancelled", async () => {
    const g = new Graph();
    for (let i = 0; i < 20; i++) g.addNode(`n${String(i).padStart(2, "0")}`);
    const ac = new AbortController();
    const finished: string[] = [];
    const r = await walk(g, {
      parallelism: 3,
      signal: ac.signal,
      visit: async (n) => {
        if (n === "n04") ac.abort();
        await tick();
        await tick();
        finished.push(n);
      },
    });
    // n00-n02 ran first; n03 and n04 started when they ended; n04 aborted as it started, so n05 never did.
    expect(r.succeeded).toEqual(["n00", "n01", "n02", "n03", "n04"]);
    expect(finished.sort()).toEqual(r.succeeded);
    expect(r.cancelled).toHaveLength(15);
    expect(r.outcomes.get("n19")).toEqual({ status: "cancelled" });
  });

  it("with an already aborted signal visits nothing", async () => {
    const ac = new AbortController();
    ac.abort();
    let visits = 0;
    const r = await walk(graph([["b", "a"]]), { signal: ac.signal, visit: async () => void visits++ });
    expect(visits).toBe(0);
    expect(r.cancelled).toEqual(["a", "b"]);
  });

  it("refuses a graph with a cycle before visiting anything", async () => {
    let visits = 0;
    const g = graph([
      ["a", "b"],
      ["b", "a"],
    ], ["free"]);
    await expect(walk(g, { visit: async () => void visits++ })).rejects.toThrow(CycleError);
    await expect(walk(g, { visit: async () => void visits++ })).rejects.toThrow("Cycle: a -> b -> a");
    expect(visits).toBe(0);
  });

  it("rejects a bad parallelism", async () => {
    await expect(walk(new Graph(), { parallelism: 0, visit: async () => undefined })).rejects.toThrow("parallelism must be");
  });

  it("walks an empty graph", async () => {
    expect((await walk(new Graph(), { visit: async () => undefined })).ok).toBe(true);
  });

  it("walks 10,000 nodes with 30,000 edges", async () => {
    const g = new Graph();
    const name = (i: number) => `zstack_cdp_task.t[${i}]`;
    for (let i = 0; i < 10_000; i++) {
      g.addNode(name(i));
      for (const d of [1, 7, 31]) if (i - d >= 0) g.addDependency(name(i), name(i - d));
    }
    const done = new Set<string>();
    const r = await walk(g, {
      visit: async (n) => {
        for (const d of g.dependenciesOf(n)) if (!done.has(d)) throw new Error(`${n} before ${d}`);
        done.add(n);
      },
    });
    expect(r.ok).toBe(true);
    expect(done.size).toBe(10_000);
  });
});
