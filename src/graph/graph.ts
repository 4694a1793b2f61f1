import { CycleError, findCycles } from "./cycles.js";
import { MinHeap } from "./heap.js";

/**
 * A directed dependency graph over named nodes. An edge `addDependency(a, b)` means "a depends on b": b comes
 * first in topological order and in a walk. Ties between nodes that are ready at the same time are broken by
 * name (JavaScript string order), so every order this graph produces is the same whatever the insertion order.
 */
export class Graph {
  private readonly names: string[] = [];
  private readonly indexOf = new Map<string, number>();
  // Lists, not Sets: two Sets per node were most of a 100,000-node graph's memory (most nodes have one or two
  // edges). A node with many dependencies also gets a Set, to find a duplicate edge without scanning.
  private readonly deps: number[][] = [];
  private readonly dependents: number[][] = [];
  private readonly wideDeps = new Map<number, Set<number>>();
  private edges = 0;

  /** Adds a node (no-op when present). */
  addNode(name: string): void {
    this.idx(name);
  }

  /** Records that `node` depends on `dependsOn`, adding either node when missing. Duplicate edges are ignored. */
  addDependency(node: string, dependsOn: string): void {
    const a = this.idx(node);
    const b = this.idx(dependsOn);
    if (this.hasEdge(a, b)) return;
    const da = this.deps[a] as number[];
    da.push(b);
    const wide = this.wideDeps.get(a);
    if (wide) wide.add(b);
    else if (da.length > WIDE) this.wideDeps.set(a, new Set(da));
    (this.dependents[b] as number[]).push(a);
    this.edges++;
  }

  private hasEdge(a: number, b: number): boolean {
    return this.wideDeps.get(a)?.has(b) ?? (this.deps[a] as number[]).includes(b);
  }

  hasNode(name: string): boolean {
    return this.indexOf.has(name);
  }

  hasDependency(node: string, dependsOn: string): boolean {
    const a = this.indexOf.get(node);
    const b = this.indexOf.get(dependsOn);
    return a !== undefined && b !== undefined && this.hasEdge(a, b);
  }

  get size(): number {
    return this.names.length;
  }

  get edgeCount(): number {
    return this.edges;
  }

  /** Node names in insertion order. */
  nodes(): string[] {
    return [...this.names];
  }

  /** What `name` depends on directly, in name order. */
  dependenciesOf(name: string): string[] {
    return this.namesOf(this.deps[this.require(name)] as number[]);
  }

  /** What depends on `name` directly, in name order. */
  dependentsOf(name: string): string[] {
    return this.namesOf(this.dependents[this.require(name)] as number[]);
  }

  /** The same nodes with every edge flipped: the order for destroying (dependents before their dependencies). */
  reverse(): Graph {
    const g = new Graph();
    for (const n of this.names) g.addNode(n);
    this.deps.forEach((ds, a) => ds.forEach((b) => g.addDependency(this.names[b] as string, this.names[a] as string)));
    return g;
  }

  /** Every cycle, each as a path [a, b, ..., a]; empty for a DAG. */
  cycles(): string[][] {
    return findCycles(this.adjacency(), this.ranks()).map((c) => c.map((i) => this.names[i] as string));
  }

  /** Throws `CycleError` ("Cycle: a -> b -> a", one line per cycle) unless the graph is acyclic. */
  assertAcyclic(): void {
    const cycles = this.cycles();
    if (cycles.length > 0) throw new CycleError(cycles);
  }

  /** All nodes, every dependency before its dependents, ties by name. Throws `CycleError` on a cycle. O((V+E) log V). */
  topologicalOrder(): string[] {
    const rank = this.ranks();
    const remaining = this.deps.map((d) => d.length);
    const ready = new MinHeap((a, b) => rank[a]! < rank[b]!);
    remaining.forEach((r, i) => r === 0 && ready.push(i));
    const out: string[] = [];
    for (let v = ready.pop(); v !== undefined; v = ready.pop()) {
      out.push(this.names[v] as string);
      for (const w of this.dependents[v] as number[]) if (--remaining[w]! === 0) ready.push(w);
    }
    if (out.length !== this.names.length) this.assertAcyclic();
    return out;
  }

  /**
   * The transitive reduction: the fewest edges with the same reachability (drops a -> c when a -> b -> c).
   * Requires a DAG (throws `CycleError`). O(V·E) in the worst case; meant for display, not for every walk.
   */
  transitiveReduction(): Graph {
    const order = this.topologicalOrder().map((n) => this.indexOf.get(n) as number);
    const pos = new Int32Array(this.names.length);
    order.forEach((v, i) => (pos[v] = i));
    const g = new Graph();
    for (const n of this.names) g.addNode(n);
    const reach = new Uint32Array(this.names.length);
    let stamp = 0;
    for (const v of order) {
      // Direct deps nearest in topological order first: anything they reach is redundant as a direct edge.
      const direct = [...(this.deps[v] as number[])].sort((a, b) => pos[b]! - pos[a]!);
      stamp++;
      for (const d of direct) {
        if (reach[d] === stamp) continue;
        g.addDependency(this.names[v] as string, this.names[d] as string);
        const stack = [...(this.deps[d] as number[])];
        while (stack.length > 0) {
          const x = stack.pop() as number;
          if (reach[x] === stamp) continue;
          reach[x] = stamp;
          for (const y of this.deps[x] as number[]) if (reach[y] !== stamp) stack.push(y);
        }
      }
    }
    return g;
  }

  /** @internal adjacency by index, for the walker */
  adjacency(): number[][] {
    return this.deps.map((d) => [...d]);
  }

  /** @internal dependents by index, for the walker */
  dependentAdjacency(): number[][] {
    return this.dependents.map((d) => [...d]);
  }

  /** @internal node name by index */
  nameAt(i: number): string {
    return this.names[i] as string;
  }

  /** Rank of each node index in name order. */
  ranks(): number[] {
    const sorted = this.names.map((_, i) => i).sort((a, b) => compareNames(this.names[a] as string, this.names[b] as string));
    const rank = new Array<number>(this.names.length);
    sorted.forEach((v, r) => (rank[v] = r));
    return rank;
  }

  private idx(name: string): number {
    let i = this.indexOf.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.indexOf.set(name, i);
      this.deps.push([]);
      this.dependents.push([]);
    }
    return i;
  }

  private require(name: string): number {
    const i = this.indexOf.get(name);
    if (i === undefined) throw new Error(`graph has no node ${JSON.stringify(name)}`);
    return i;
  }

  private namesOf(list: readonly number[]): string[] {
    return list.map((i) => this.names[i] as string).sort(compareNames);
  }
}

/** Dependencies a node has before they are also kept in a Set (`wideDeps`). */
const WIDE = 16;

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
