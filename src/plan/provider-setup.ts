import type { Diagnostic } from "../config/diagnostics.js";
import type { Config } from "../config/model.js";
import { Graph } from "../graph/graph.js";
import { walk } from "../graph/walk.js";
import { buildEvaluationGraph, ProviderClients, type EvaluationGraph } from "./evaluation.js";
import { RunBase, type RunInputs } from "./run-base.js";

export interface ProviderSetupRequest extends RunInputs {
  root: Config;
  signal: AbortSignal;
}

export interface ProviderSetup {
  /** The whole configuration's evaluation graph (for finding resources and their provider nodes). */
  graph: EvaluationGraph;
  /** The configured providers, by provider node name; the caller closes them. */
  providers: ProviderClients;
  diagnostics: Diagnostic[];
}

/**
 * Configures just the providers `wanted` needs (each a resource or provider node of the evaluation graph), after
 * evaluating the variables and locals their configuration refers to, exactly as a plan would. Used by commands
 * that talk to providers outside a plan (`backplan import`). Resources a provider block refers to stay unknown,
 * which is an error for that provider, as in a plan. Never throws for bad configuration: see `diagnostics`.
 */
export async function configureProviders(req: ProviderSetupRequest, wanted: readonly string[]): Promise<ProviderSetup> {
  const eg = buildEvaluationGraph(req.root, req.registry, true);
  const diagnostics: Diagnostic[] = [...eg.diagnostics];
  const providers = new ProviderClients();
  if (diagnostics.some((d) => d.severity === "error")) return { graph: eg, providers, diagnostics };
  const sub = new Graph();
  const stack = wanted.flatMap((n) => {
    const info = eg.nodes.get(n);
    return info?.kind === "resource" ? [info.providerNode] : info ? [n] : [];
  });
  const expanded = new Set<string>();
  while (stack.length) {
    const n = stack.pop()!;
    if (expanded.has(n)) continue;
    expanded.add(n);
    sub.addNode(n);
    for (const dep of eg.graph.dependenciesOf(n)) {
      sub.addDependency(n, dep);
      stack.push(dep);
    }
  }
  const run = new SetupRun(req, eg, providers, diagnostics);
  const result = await walk(sub, { signal: req.signal, visit: (node) => run.visit(node) });
  for (const node of result.failed) {
    const outcome = result.outcomes.get(node);
    const e = outcome?.status === "failed" ? outcome.error : undefined;
    diagnostics.push({ severity: "error", summary: `Error evaluating ${node}`, detail: e instanceof Error ? e.message : String(e) });
  }
  return { graph: eg, providers, diagnostics };
}

/** Evaluates variables, locals and provider configurations only: references to resources and outputs stay unknown. */
class SetupRun extends RunBase {
  protected async visitResource(): Promise<void> {}

  protected visitOutput(): void {}
}
