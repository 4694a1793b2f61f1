/** The graph package's public surface. */
export { CycleError, formatCycle } from "./cycles.js";
export { Graph } from "./graph.js";
export { DEFAULT_PARALLELISM, walk, type NodeOutcome, type VisitContext, type WalkOptions, type WalkResult } from "./walk.js";
