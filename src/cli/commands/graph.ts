import { buildEvaluationGraph, type EvaluationGraph, type NodeInfo } from "../../plan/evaluation.js";
import { formatDiagnostics } from "../../config/diagnostics.js";
import { parseArgs, stringFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { openWorkspace } from "../workspace.js";

/**
 * `backplan graph`: the configuration's dependency graph in Graphviz DOT. By default, as Terraform 1.7+ draws
 * it, only resources (grouped in one cluster per module) with an edge from each resource to the resources it
 * depends on, directly or through variables, locals, outputs and module calls. `-type=plan` draws every node of
 * the evaluation graph (variables, locals, outputs, providers too).
 */

const quote = (s: string) => JSON.stringify(s);

function isResource(info: NodeInfo | undefined): boolean {
  return info?.kind === "resource";
}

/** The resources `node` depends on, looking through non-resource nodes. */
function resourceDependencies(eg: EvaluationGraph, node: string): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = [...eg.graph.dependenciesOf(node)];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (isResource(eg.nodes.get(n))) out.add(n);
    else stack.push(...eg.graph.dependenciesOf(n));
  }
  return [...out].sort();
}

/** Renders the graph as DOT (pure; node order as the graph gives it, sorted within each module). */
export function graphDot(eg: EvaluationGraph, full: boolean): string {
  const nodes = [...eg.nodes.entries()].filter(([, info]) => full || isResource(info)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = ["digraph G {", '  rankdir = "RL";', '  node [shape = rect, fontname = "sans-serif"];'];
  const byModule = new Map<string, [string, NodeInfo][]>();
  for (const entry of nodes) {
    const prefix = entry[1].mod.prefix.replace(/\.$/, "");
    const list = byModule.get(prefix) ?? [];
    list.push(entry);
    byModule.set(prefix, list);
  }
  const label = (name: string, info: NodeInfo) => name.slice(info.mod.prefix.length);
  for (const [name, info] of byModule.get("") ?? []) lines.push(`  ${quote(name)} [label=${quote(label(name, info))}];`);
  for (const mod of [...byModule.keys()].filter((m) => m !== "").sort()) {
    lines.push(`  subgraph ${quote(`cluster_${mod}`)} {`, `    label = ${quote(mod)}`, '    fontname = "sans-serif"');
    for (const [name, info] of byModule.get(mod)!) lines.push(`    ${quote(name)} [label=${quote(label(name, info))}];`);
    lines.push("  }");
  }
  for (const [name] of nodes) {
    const deps = full ? eg.graph.dependenciesOf(name) : resourceDependencies(eg, name);
    for (const d of deps) lines.push(`  ${quote(name)} -> ${quote(d)};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

export const graphCommand: Command = {
  name: "graph",
  summary: "Print the dependency graph of the configuration in DOT format",
  usage: "backplan graph [-type=plan] [DIR]",
  async run(argv) {
    const args = parseArgs(argv, { type: { type: "string" }, chdir: { type: "string" }, stack: { type: "string" }, cdktf: { type: "string" }, "no-color": { type: "boolean" } });
    if (args.positionals.length > 1) throw new UsageError("graph takes at most one configuration directory");
    const type = stringFlag(args, "type");
    if (type !== undefined && type !== "plan") throw new UsageError(`-type must be "plan", got "${type}"`);
    const ws = openWorkspace(args);
    if (!ws) return 1;
    const eg = buildEvaluationGraph(ws.config, ws.registry, true);
    if (eg.diagnostics.some((d) => d.severity === "error")) {
      process.stderr.write(formatDiagnostics(eg.diagnostics, (f) => ws.load.sources.get(f)) + "\n");
      return 1;
    }
    process.stdout.write(graphDot(eg, type === "plan"));
    return 0;
  },
};
