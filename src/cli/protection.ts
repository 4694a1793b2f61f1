import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { CONTROLS_FILE, parseControls, type Control } from "../protection/controls.js";
import { compliance, type ComplianceReport } from "../protection/compliance.js";
import { gatherLiveProtection, gatherPlanProtection } from "../protection/gather.js";
import { failsPlan, type PlanProtection } from "../protection/plan-report.js";
import type { PlanOutcome } from "../plan/planner.js";
import type { ConfiguredProvider, ProviderRegistry } from "../plan/providers.js";
import type { State } from "../state/state.js";
import { boolFlag, stringFlag, type FlagSpec, type ParsedArgs } from "./args.js";

/** Flags of commands that judge protection (plan, drift). */
export const PROTECTION_FLAGS = {
  "protection-file": { type: "string" },
  "allow-protection-loss": { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

/** Controls read from `-protection-file` or the directory's backplan.protection.json, or the errors found in them. */
export async function readControls(args: ParsedArgs, dir: string): Promise<{ controls: Control[]; errors: string[]; file: string | null }> {
  const given = stringFlag(args, "protection-file");
  const path = given ?? join(dir, CONTROLS_FILE);
  if (given === undefined && !existsSync(path)) return { controls: [], errors: [], file: null };
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    return { controls: [], errors: [`${shown}: ${(e as Error).message}`], file: shown };
  }
  const parsed = parseControls(text, shown);
  return { controls: parsed.controls, errors: parsed.errors.map((e) => `${e.file}${e.line !== null ? `:${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}`), file: shown };
}

/**
 * Adds the protection section to a fresh plan (`plan.protection`) and says whether it fails the plan. Controls
 * that cannot be read fail the plan too (a broken guard must not pass silently). Errors go to stderr.
 */
export async function protectPlan(outcome: PlanOutcome, registry: ProviderRegistry, dir: string, args: ParsedArgs, signal: AbortSignal): Promise<{ report: PlanProtection | undefined; failed: boolean }> {
  if (outcome.plan.errored || outcome.plan.mode === "refresh-only") return { report: undefined, failed: false };
  const read = await readControls(args, dir);
  if (read.errors.length > 0) {
    process.stderr.write(`\nError: invalid protection controls\n\n${read.errors.map((e) => `  ${e}`).join("\n")}\n`);
    return { report: undefined, failed: true };
  }
  const report = await gatherPlanProtection({
    plan: outcome.plan,
    state: outcome.refreshedView,
    providers: outcome.providers,
    registry,
    controls: read.controls,
    allowLoss: boolFlag(args, "allow-protection-loss"),
    signal,
    now: new Date(),
  });
  if (report) outcome.plan.protection = report;
  return { report, failed: report ? failsPlan(report) : false };
}

/** The error diagnostic of a plan that breaks controls: one line per control, VM and value. */
export function protectionFailureText(report: PlanProtection): string {
  const lines = report.controls.violations.flatMap((v) =>
    v.failures.map((f) => `  - control "${v.control}" (${v.where}): VM ${v.name ?? v.vm}${v.name ? ` (${v.vm})` : ""}: ${f.check} wants ${f.want}, the plan leaves ${f.got}`),
  );
  return `\nError: the plan breaks protection controls\n\n${lines.join("\n")}\n\nFix the configuration or the controls, or run again with -allow-protection-loss to accept the loss (the PR comment then shows it as a warning).\n`;
}

/**
 * Drift's protection section: live coverage of every VM the providers list, and compliance with the controls
 * of `-protection-file`, else backplan.protection.json in the working directory and in each checked directory.
 * Undefined when no provider of the run can describe protection.
 */
export async function driftProtection(
  states: readonly State[],
  providers: readonly ConfiguredProvider[],
  registry: ProviderRegistry,
  dirs: readonly string[],
  args: ParsedArgs,
  signal: AbortSignal,
): Promise<ComplianceReport | undefined> {
  if (!providers.some((cp) => [...cp.provider.resources.values()].some((r) => r.protection))) return undefined;
  const controls: Control[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  const places = stringFlag(args, "protection-file") !== undefined ? [process.cwd()] : [process.cwd(), ...dirs];
  for (const dir of places) {
    const read = await readControls(args, dir);
    if (read.file === null || seen.has(read.file)) continue;
    seen.add(read.file);
    controls.push(...read.controls);
    errors.push(...read.errors);
  }
  const live = await gatherLiveProtection({ states, providers: { values: () => providers.values() }, registry, signal });
  return compliance(live.protectors, live.vms, controls, new Date(), [...errors, ...live.errors]);
}
