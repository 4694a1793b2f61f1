import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { formatDiagnostics, type Diagnostic } from "../../config/diagnostics.js";
import type { Json, PlanMode } from "../../plan/plan.js";
import { isApplyable } from "../../plan/plan.js";
import { writePlanFile } from "../../plan/planfile.js";
import { makePlan, type PlanOutcome } from "../../plan/planner.js";
import type { StateSession } from "../../state/session.js";
import { openTarget } from "../state-file.js";
import { encodeStateV4 } from "../../state/v4.js";
import { colorWanted, DEFAULT_WIDTH, planFooter, relevantAttributes, renderPlanMarkdown, renderPlanText } from "../../views/index.js";
import { wordWrap } from "../../views/style.js";
import { boolFlag, listFlag, parseArgs, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { CONFIG_FLAGS, openWorkspace, targetFlags, type Workspace } from "../workspace.js";
import { VERSION } from "../version.js";
import { PROTECTION_FLAGS, protectPlan, protectionFailureText } from "../protection.js";
import { PLAN_JSON_KEY, protectionOf } from "../../protection/plan-report.js";
import { renderProtectionText } from "../../views/protection-text.js";
import { generateConfig } from "./generate-config.js";
import { planJsonDocument } from "./plan-json-doc.js";

/** Flags of commands that make a plan (plan, apply without a plan file, destroy). */
export const PLAN_FLAGS = {
  ...CONFIG_FLAGS,
  out: { type: "string" },
  destroy: { type: "boolean" },
  "refresh-only": { type: "boolean" },
  refresh: { type: "boolean" },
  replace: { type: "string", multiple: true },
  target: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  parallelism: { type: "string" },
  "detailed-exitcode": { type: "boolean" },
  json: { type: "boolean" },
  markdown: { type: "string" },
  input: { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

export interface PlannedRun {
  ws: Workspace;
  session: StateSession;
  outcome: PlanOutcome;
  /** Diagnostics of loading and planning together. */
  diagnostics: Diagnostic[];
}

export function parallelismOf(args: ParsedArgs): number {
  const text = stringFlag(args, "parallelism");
  if (text === undefined) return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`-parallelism must be a whole number of at least 1, got "${text}"`);
  return n;
}

function modeOf(args: ParsedArgs, forceDestroy: boolean): PlanMode {
  const destroy = forceDestroy || boolFlag(args, "destroy");
  const refreshOnly = boolFlag(args, "refresh-only");
  if (destroy && refreshOnly) throw new UsageError("-destroy and -refresh-only cannot be used together");
  return destroy ? "destroy" : refreshOnly ? "refresh-only" : "normal";
}

/**
 * Loads the workspace, opens (and locks) the state and makes a plan. The caller closes `session` and the
 * plan's providers. Returns undefined when configuration could not be loaded (diagnostics already printed).
 */
export async function planFromArgs(
  args: ParsedArgs,
  opts: { destroy?: boolean; operation: string; signal: AbortSignal; recordPriorState?: boolean },
): Promise<PlannedRun | undefined> {
  const ws = openWorkspace(args);
  if (!ws) return undefined;
  const mode = modeOf(args, opts.destroy ?? false);
  const targets = targetFlags(args, "target");
  const excludes = targetFlags(args, "exclude");
  const replace = listFlag(args, "replace");
  const session = await openTarget(ws.state, args, opts.operation);
  try {
    const outcome = await makePlan({
      root: ws.config,
      // makePlan never writes to the state it is given (it copies before a `moved` rewrite or a refresh write).
      state: session.view(),
      pending: session.pending(),
      registry: ws.registry,
      variables: ws.variables,
      mode,
      refresh: args.flags["refresh"] !== false,
      targets,
      excludes,
      replace,
      targetTexts: [...listFlag(args, "target").map((t) => `-target=${t}`), ...listFlag(args, "exclude").map((t) => `-exclude=${t}`), ...replace.map((t) => `-replace=${t}`)],
      parallelism: parallelismOf(args),
      signal: opts.signal,
      env: process.env,
      workspace: ws.state.workspace,
      configHash: ws.configHash,
      stamp: session.stamp(),
    });
    // Recorded in the plan (and so in a saved plan) as Terraform records it: it decides which drift is shown.
    outcome.plan.relevantAttributes = relevantAttributes(ws.config, outcome.plan, ws.registry);
    // Only plan JSON and saved plans carry the prior state. Recording it always encoded, parsed and copied the
    // whole state on every plan: half the CPU of a 100,000-resource no-op plan.
    if (opts.recordPriorState) outcome.plan.priorState = JSON.parse(encodeStateV4(outcome.refreshedView)) as Json;
    return { ws, session, outcome, diagnostics: [...ws.diagnostics, ...outcome.diagnostics] };
  } catch (e) {
    await session.close();
    throw e;
  }
}

export function printDiagnostics(run: { ws: Workspace; diagnostics: readonly Diagnostic[] }): void {
  if (run.diagnostics.length === 0) return;
  process.stderr.write(formatDiagnostics(run.diagnostics, (f) => run.ws.load.sources.get(f)) + "\n");
}

export function useColor(args: ParsedArgs): boolean {
  return colorWanted({ noColorFlag: boolFlag(args, "no-color"), env: process.env, isTTY: process.stdout.isTTY === true });
}

async function runPlan(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...PLAN_FLAGS, ...PROTECTION_FLAGS, "generate-config-out": { type: "string" } });
  if (args.positionals.length > 1) throw new UsageError("plan takes at most one configuration directory");
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  const generateOut = stringFlag(args, "generate-config-out");
  if (generateOut !== undefined) {
    const code = await generateConfig(args, generateOut, controller.signal).catch((e: unknown) => (process.off("SIGINT", onSigint), Promise.reject(e)));
    if (code !== 0) return (process.off("SIGINT", onSigint), code);
  }
  const run = await planFromArgs(args, {
    operation: "OperationTypePlan",
    signal: controller.signal,
    recordPriorState: boolFlag(args, "json") || stringFlag(args, "out") !== undefined,
  });
  process.off("SIGINT", onSigint);
  if (!run) return 1;
  try {
    const { plan } = run.outcome;
    printDiagnostics(run);
    const guard = await protectPlan(run.outcome, run.ws.registry, run.ws.dir, args, controller.signal);
    const color = useColor(args);
    if (boolFlag(args, "json")) {
      const document = planJsonDocument(plan, { registry: run.ws.registry, config: run.ws.config, showSensitive: false });
      process.stdout.write(JSON.stringify(plan.protection ? { ...document, [PLAN_JSON_KEY]: plan.protection } : document) + "\n");
    }
    else process.stdout.write(renderPlanText(plan, { color }) + renderProtectionText(protectionOf(plan), { color }));
    if (generateOut !== undefined && existsSync(resolve(stringFlag(args, "chdir") ?? ".", generateOut)) && !boolFlag(args, "json")) {
      process.stdout.write(`\n${wordWrap(`backplan has generated configuration and written it to ${generateOut}. Please review the configuration and edit it as necessary before adding it to version control.`, DEFAULT_WIDTH)}\n`);
    }
    const out = stringFlag(args, "out");
    if (plan.errored) return 1;
    const markdown = stringFlag(args, "markdown");
    if (guard.failed) {
      if (markdown !== undefined && guard.report) await writeFile(markdown, renderPlanMarkdown(plan, {}));
      process.stderr.write(guard.report ? protectionFailureText(guard.report) : "");
      return 1;
    }
    if (out !== undefined) await writePlanFile(out, plan);
    if (markdown !== undefined) await writeFile(markdown, renderPlanMarkdown(plan, {}));
    if (!boolFlag(args, "json")) process.stdout.write(planFooter(plan, { color, ...(out !== undefined ? { savedTo: out } : {}) }));
    return boolFlag(args, "detailed-exitcode") && isApplyable(plan) ? 2 : 0;
  } finally {
    await run.outcome.providers.closeAll();
    await run.session.close();
  }
}

export const planCommand: Command = {
  name: "plan",
  summary: "Show the changes required by the current configuration",
  usage:
    "backplan plan [DIR] [-out=FILE] [-destroy] [-refresh-only] [-refresh=false] [-replace=ADDR] [-target=ADDR] [-exclude=ADDR] [-var NAME=VALUE] [-var-file=FILE] [-parallelism=N] [-detailed-exitcode] [-json] [-markdown=FILE] [-generate-config-out=FILE] [-no-color] [-lock-timeout=DURATION] [-protection-file=FILE] [-allow-protection-loss] [--cdktf DIR --stack NAME]",
  run: runPlan,
};
