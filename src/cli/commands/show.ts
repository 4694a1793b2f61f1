import { readFile } from "node:fs/promises";
import type { Config } from "../../config/model.js";
import type { Plan } from "../../plan/plan.js";
import { readPlanFile } from "../../plan/planfile.js";
import type { State } from "../../state/state.js";
import { StateError } from "../../state/state.js";
import { checkPlanStamp } from "../../state/staleness.js";
import { decodeStateV4 } from "../../state/v4.js";
import { planSummary, renderPlanMarkdown, renderPlanText, stateValues } from "../../views/index.js";
import { boolFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { planJsonDocument } from "./plan-json-doc.js";
import { defaultRegistry, openWorkspace } from "../workspace.js";
import { useColor } from "./plan.js";
import { fail, readStateOrFail, STATE_FLAGS, stateExists, stateTargetOf } from "../state-file.js";
import { renderStateText, viewStateJson } from "./state-view.js";
import { PLAN_JSON_KEY, protectionOf } from "../../protection/plan-report.js";
import { renderProtectionText } from "../../views/protection-text.js";

const FLAGS = {
  ...STATE_FLAGS,
  json: { type: "boolean" },
  markdown: { type: "boolean" },
  "comment-id": { type: "string" },
  title: { type: "string" },
  "details-url": { type: "string" },
  "summary-json": { type: "boolean" },
  "show-sensitive": { type: "boolean" },
  // Where the plan's configuration is, for `configuration` in -json (as for `apply PLANFILE`).
  cdktf: { type: "string" },
  stack: { type: "string" },
} as const;

/** `terraform show -json` for a state: `{format_version, terraform_version, values}` (values left out when empty). */
export function stateShowJson(state: State | undefined, options: { showSensitive: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { format_version: "1.0" };
  if (!state) return out;
  out["terraform_version"] = state.terraformVersion;
  out["values"] = stateValues(viewStateJson(state, defaultRegistry()), { showSensitive: options.showSensitive });
  return out;
}

/** A plan file, or else a state file (`backplan show terraform.tfstate`), or an error naming the file. */
async function readShowFile(path: string): Promise<{ plan: Plan } | { state: State } | { code: number }> {
  let planError: Error;
  try {
    return { plan: await readPlanFile(path) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { code: fail("No such file or directory", `${path} does not exist.`) };
    planError = e as Error;
  }
  try {
    return { state: decodeStateV4(await readFile(path, "utf8"), path) };
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return { code: fail("Failed to read the given file as a state or plan file", `${planError.message}\n\n${e.message}`) };
  }
}

/** The current state when it is the one the plan was made from (so plan JSON can carry it as prior_state). */
async function priorStateFor(plan: Plan, args: ParsedArgs): Promise<State | undefined> {
  const target = await stateTargetOf(args);
  if ("code" in target || !(await stateExists(target))) return undefined;
  const read = await readStateOrFail(target);
  if ("code" in read) return undefined;
  const stamp = { lineage: read.state.lineage, serial: read.state.serial };
  return checkPlanStamp(plan.prior, stamp).ok ? read.state : undefined;
}

/**
 * The configuration the plan was made from: the working directory's, when its content hash is the one the plan
 * recorded (as `apply PLANFILE` requires). Otherwise undefined, and the plan JSON goes without `configuration`.
 */
function planConfig(plan: Plan, args: ParsedArgs): Config | undefined {
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  const ws = openWorkspace({ ...args, positionals: [] }, quiet, { checkProviders: false });
  if (ws?.configHash === plan.configHash) return ws.config;
  const left = plan.relevantAttributes === undefined ? '"configuration" and "relevant_attributes"' : '"configuration"';
  process.stderr.write(`Warning: the configuration in this directory is not the one the plan was made from; the JSON plan leaves out ${left}.\n`);
  return undefined;
}

async function showPlan(plan: Plan, args: ParsedArgs, path: string): Promise<number> {
  const showSensitive = boolFlag(args, "show-sensitive");
  if (boolFlag(args, "summary-json")) {
    process.stdout.write(JSON.stringify(planSummary(plan), null, 2) + "\n");
    return 0;
  }
  if (boolFlag(args, "markdown")) {
    const id = stringFlag(args, "comment-id");
    const title = stringFlag(args, "title");
    const detailsUrl = stringFlag(args, "details-url");
    process.stdout.write(
      renderPlanMarkdown(plan, {
        ...(id !== undefined ? { id } : {}),
        ...(title !== undefined ? { title } : {}),
        ...(detailsUrl !== undefined ? { detailsUrl } : {}),
        fullPlanCommand: `backplan show ${path}`,
      }),
    );
    return 0;
  }
  if (boolFlag(args, "json")) {
    // Like `terraform show -json`, values are written in clear; the *_sensitive trees say which are sensitive.
    // A plan that recorded its prior state carries it; for an older one, the current state stands in when it is
    // still the one the plan was made from (an empty one when there is no state yet).
    const fallbackPrior = plan.priorState === undefined ? await priorStateFor(plan, args) : undefined;
    const config = planConfig(plan, args);
    const document = planJsonDocument(plan, {
      registry: defaultRegistry(),
      showSensitive: true,
      ...(config ? { config } : {}),
      ...(fallbackPrior ? { fallbackPrior } : {}),
    });
    process.stdout.write(JSON.stringify(plan.protection ? { ...document, [PLAN_JSON_KEY]: plan.protection } : document) + "\n");
    return 0;
  }
  process.stdout.write(renderPlanText(plan, { color: useColor(args) }) + renderProtectionText(protectionOf(plan), { color: useColor(args) }));
  return 0;
}

function showState(state: State | undefined, args: ParsedArgs): number {
  const showSensitive = boolFlag(args, "show-sensitive");
  if (boolFlag(args, "json")) {
    process.stdout.write(JSON.stringify(stateShowJson(state, { showSensitive })) + "\n");
    return 0;
  }
  const view = state ? viewStateJson(state, defaultRegistry()) : { version: 4 };
  if (showSensitive) for (const r of view.resources ?? []) for (const i of r.instances) i.sensitive_attributes = [];
  if (showSensitive) for (const o of Object.values(view.outputs ?? {})) o.sensitive = false;
  process.stdout.write(renderStateText(view));
  return 0;
}

async function runShow(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.positionals.length > 1) throw new UsageError("show takes at most one plan or state file");
  const planOnly = ["markdown", "summary-json", "comment-id", "title", "details-url"].filter((f) => args.flags[f] !== undefined);
  const file = args.positionals[0];
  if (file === undefined && planOnly.length > 0) throw new UsageError(`-${planOnly[0]} needs a plan file`);
  if (boolFlag(args, "markdown") && boolFlag(args, "summary-json")) throw new UsageError("-markdown and -summary-json cannot be used together");
  if (boolFlag(args, "json") && (boolFlag(args, "markdown") || boolFlag(args, "summary-json"))) throw new UsageError("-json cannot be combined with -markdown or -summary-json");
  if (file !== undefined) {
    const read = await readShowFile(file);
    if ("code" in read) return read.code;
    if ("plan" in read) return showPlan(read.plan, args, file);
    if (planOnly.length > 0) return fail("Not a plan file", `-${planOnly[0]} shows a saved plan, but ${file} is a state file.`);
    return showState(read.state, args);
  }
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return showState(undefined, args);
  const read = await readStateOrFail(target);
  if ("code" in read) return read.code;
  return showState(read.state, args);
}

export const showCommand: Command = {
  name: "show",
  summary: "Show the current state or a saved plan",
  usage: "backplan show [-json] [-no-color] [-show-sensitive] [-state=PATH] [-chdir=DIR] [--cdktf DIR --stack NAME] [PLANFILE|STATEFILE]\n       backplan show -markdown [-comment-id=ID] [-title=TEXT] [-details-url=URL] PLANFILE\n       backplan show -summary-json PLANFILE",
  run: runShow,
};
