import { statSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { formatDiagnostics } from "../../config/diagnostics.js";
import { applyPlan, type ApplyEvent, type ApplyResult } from "../../apply/apply.js";
import { fromSdk } from "../../plan/values.js";
import type { Plan } from "../../plan/plan.js";
import { isApplyable } from "../../plan/plan.js";
import { readPlanFile } from "../../plan/planfile.js";
import type { GivenVariable } from "../../lang/variable.js";
import { markSensitive } from "../../lang/value.js";
import type { StateSession } from "../../state/session.js";
import { openTarget } from "../state-file.js";
import { checkPlanStamp } from "../../state/staleness.js";
import { encodeStateV4 } from "../../state/v4.js";
import { applySummary, progressDone, progressFailed, progressStart, progressStill, renderPlanText } from "../../views/index.js";
import { boolFlag, parseArgs, UsageError, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { openWorkspace, type Workspace } from "../workspace.js";
import { VERSION } from "../version.js";
import { parallelismOf, PLAN_FLAGS, planFromArgs, printDiagnostics, useColor } from "./plan.js";
import { PROTECTION_FLAGS, protectPlan, protectionFailureText } from "../protection.js";
import { protectionOf } from "../../protection/plan-report.js";
import { renderProtectionText } from "../../views/protection-text.js";

const APPLY_FLAGS = { ...PLAN_FLAGS, ...PROTECTION_FLAGS, "auto-approve": { type: "boolean" } } as const;

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY && process.stdin.readableEnded) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Input that ends without an answer leaves the question pending forever: the process would exit 0, lock held.
  const ended = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
  try {
    const answer = await Promise.race([ended, rl.question(question)]);
    return answer.trim() === "yes";
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

function progressPrinter(color: boolean): (e: ApplyEvent) => void {
  return (e) => {
    const subject = { address: e.address, ...(e.deposed ? { deposed: e.deposed } : {}), ...(e.type === "done" && e.id ? { id: e.id } : {}) };
    switch (e.type) {
      case "start":
        process.stdout.write(progressStart(e.op, subject, { color }) + "\n");
        break;
      case "still":
        process.stdout.write(progressStill(e.op, subject, e.elapsedMs, { color }) + "\n");
        break;
      case "done":
        process.stdout.write(progressDone(e.op, subject, e.elapsedMs, { color }) + "\n");
        break;
      case "failed":
        process.stdout.write(progressFailed(e.op, subject, e.elapsedMs, { color }) + "\n");
        break;
    }
  };
}

/**
 * Applies `plan` onto the open session, reporting progress; Ctrl-C stops starting new work and lets running
 * calls finish (a second Ctrl-C is left to the default handler). Returns the exit code.
 */
export async function runApply(ws: Workspace, session: StateSession, plan: Plan, args: ParsedArgs, variables: ReadonlyMap<string, GivenVariable>): Promise<number> {
  const color = useColor(args);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nInterrupt received. Waiting for running operations to finish; no new ones start...\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  let result: ApplyResult;
  try {
    result = await applyPlan({
      plan,
      root: ws.config,
      state: session,
      registry: ws.registry,
      variables,
      env: process.env,
      workspace: ws.state.workspace,
      parallelism: parallelismOf(args),
      signal: controller.signal,
      onEvent: progressPrinter(color),
    });
  } finally {
    process.off("SIGINT", onSigint);
  }
  if (result.diagnostics.length) process.stderr.write(formatDiagnostics(result.diagnostics, (f) => ws.load.sources.get(f)) + "\n");
  if (!result.failed) {
    process.stdout.write("\n" + applySummary(result.counts, { color, destroy: plan.mode === "destroy" }) + "\n");
    const outputs = session.outputs();
    if (plan.mode !== "destroy" && Object.keys(outputs).length) {
      process.stdout.write("\nOutputs:\n\n");
      for (const name of Object.keys(outputs).sort()) {
        const o = outputs[name]!;
        process.stdout.write(`${name} = ${o.sensitive ? "<sensitive>" : JSON.stringify(o.value, null, 2)}\n`);
      }
    }
  } else if (result.interrupted) process.stderr.write("Apply interrupted: state holds every change that completed.\n");
  return result.failed ? 1 : 0;
}

function isPlanFile(path: string | undefined): path is string {
  if (path === undefined) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function applySavedPlan(path: string, args: ParsedArgs): Promise<number> {
  const plan = await readPlanFile(path);
  const ws = openWorkspace({ ...args, positionals: [] });
  if (!ws) return 1;
  if (ws.configHash !== plan.configHash) {
    process.stderr.write(`Error: Saved plan does not match the configuration\n\nThe configuration in ${ws.dir} changed after the plan ${path} was made. Make a new plan.\n`);
    return 1;
  }
  const session = await openTarget(ws.state, args, "OperationTypeApply");
  try {
    const check = checkPlanStamp(plan.prior, session.stamp());
    if (!check.ok) {
      process.stderr.write(`Error: ${check.summary}\n\n${check.detail}\n`);
      return 1;
    }
    if (plan.errored) {
      process.stderr.write("Error: the saved plan has errors and cannot be applied.\n");
      return 1;
    }
    const variables = new Map<string, GivenVariable>();
    for (const [name, v] of Object.entries(plan.variables)) {
      const value = fromSdk(v.value);
      variables.set(name, { value: { kind: "value", value: v.sensitive ? markSensitive(value) : value }, origin: `plan file ${path}` });
    }
    return await runApply(ws, session, plan, args, variables);
  } finally {
    await session.close();
  }
}

/** `backplan apply` and `backplan destroy`: plan, show, confirm, apply (or apply a saved plan). */
export async function planAndApply(argv: string[], destroy: boolean): Promise<number> {
  const args = parseArgs(argv, APPLY_FLAGS);
  if (args.positionals.length > 1) throw new UsageError("apply takes at most one directory or plan file");
  if (!destroy && isPlanFile(args.positionals[0])) return applySavedPlan(args.positionals[0], args);
  const planning = new AbortController();
  const onSigint = () => planning.abort();
  process.once("SIGINT", onSigint);
  const run = await planFromArgs(args, { destroy, operation: "OperationTypeApply", signal: planning.signal }).finally(() => process.off("SIGINT", onSigint));
  if (!run) return 1;
  try {
    const { plan } = run.outcome;
    printDiagnostics(run);
    const color = useColor(args);
    // The same protection review and controls as `plan`: what this apply would do to protection is shown before
    // the question, and a plan that breaks a control is not offered for approval.
    const guard = await protectPlan(run.outcome, run.ws.registry, run.ws.dir, args, new AbortController().signal);
    process.stdout.write(renderPlanText(plan, { color }) + renderProtectionText(protectionOf(plan), { color }));
    if (plan.errored) return 1;
    if (guard.failed) {
      process.stderr.write(guard.report ? protectionFailureText(guard.report) : "");
      return 1;
    }
    if (!isApplyable(plan)) {
      // Terraform writes (and bumps the serial) only when the refresh changed something: an unchanged state keeps
      // its serial, so plans saved before stay applicable.
      if (plan.mode === "refresh-only" && encodeStateV4(run.outcome.refreshed) !== encodeStateV4(run.session.snapshot())) await run.session.replaceState(run.outcome.refreshed);
      return 0;
    }
    if (!boolFlag(args, "auto-approve")) {
      const what = destroy ? "Do you really want to destroy all resources?" : "Do you want to perform these actions?";
      const ok = await confirm(`\n${what}\n  backplan will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
      if (!ok) {
        process.stderr.write(`\n${destroy ? "Destroy" : "Apply"} cancelled.\n`);
        return 1;
      }
    }
    if (plan.mode === "refresh-only") {
      await run.session.replaceState(run.outcome.refreshed);
      process.stdout.write("\n" + applySummary({ added: 0, changed: 0, destroyed: 0 }, { color }) + "\n");
      return 0;
    }
    return await runApply(run.ws, run.session, plan, args, run.ws.variables);
  } finally {
    await run.outcome.providers.closeAll();
    await run.session.close();
  }
}

export const applyCommand: Command = {
  name: "apply",
  summary: "Create or update infrastructure (plans first unless given a saved plan)",
  usage: "backplan apply [DIR|PLANFILE] [-auto-approve] [plan flags...]",
  run: (argv) => planAndApply(argv, false),
};

export const destroyCommand: Command = {
  name: "destroy",
  summary: "Destroy every object the state manages",
  usage: "backplan destroy [DIR] [-auto-approve] [-target=ADDR] [-var ...]",
  run: (argv) => planAndApply(argv, true),
};
