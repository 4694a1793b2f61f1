/**
 * Cycle detection over a dependency graph given as adjacency lists of node indexes (`deps[i]` = what node i
 * depends on). Iterative Tarjan (no recursion limit at 10,000+ nodes), O(V+E).
 */

export class CycleError extends Error {
  constructor(
    /** Each cycle as a path of node names that starts and ends with the same node: [a, b, c, a]. */
    readonly cycles: string[][],
  ) {
    super(cycles.map(formatCycle).join("\n"));
    this.name = "CycleError";
  }
}

/** `Cycle: a -> b -> c -> a` (each node depends on the next). */
export function formatCycle(path: readonly string[]): string {
  return `Cycle: ${path.join(" -> ")}`;
}

/**
 * Every strongly connected component that contains a cycle (more than one node, or a node depending on itself),
 * each reported as one concrete cycle: the shortest path from the component's least-ranked node back to itself.
 * `rank[i]` orders nodes for deterministic output; cycles are returned in rank order of their start node.
 */
export function findCycles(deps: readonly (readonly number[])[], rank: readonly number[]): number[][] {
  const n = deps.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const comps: number[][] = [];
  let counter = 0;
  const iter = new Int32Array(n); // next edge to look at, per node on the DFS path

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const path: number[] = [root];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (path.length > 0) {
      const v = path[path.length - 1] as number;
      const edges = deps[v] as readonly number[];
      if (iter[v]! < edges.length) {
        const w = edges[iter[v]!++] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          path.push(w);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      path.pop();
      const parent = path[path.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || (deps[v] as readonly number[]).includes(v)) comps.push(comp);
      }
    }
  }

  const cycles = comps.map((comp) => cycleThrough(comp, deps, rank));
  cycles.sort((a, b) => rank[a[0] as number]! - rank[b[0] as number]!);
  return cycles;
}

/** Shortest cycle through the least-ranked node of a strongly connected component (BFS inside it). */
function cycleThrough(comp: number[], deps: readonly (readonly number[])[], rank: readonly number[]): number[] {
  const inComp = new Set(comp);
  const start = comp.reduce((a, b) => (rank[b]! < rank[a]! ? b : a));
  const prev = new Map<number, number>();
  const queue: number[] = [start];
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi] as number;
    // Visit edges in rank order so the reported path is deterministic.
    const next = [...(deps[v] as readonly number[])].filter((w) => inComp.has(w)).sort((a, b) => rank[a]! - rank[b]!);
    for (const w of next) {
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x) as number) path.push(x);
        path.push(start);
        // path is start, v, ..., (reversed order); rebuild as start -> ... -> v -> start
        const middle = path.slice(1, -1).reverse();
        return [start, ...middle, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start]; // unreachable for a real SCC
}
