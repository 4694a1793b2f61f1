import { createHmac } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { formatDiagnostics } from "../../config/diagnostics.js";
import { buildDriftReport, type DriftReport, type DriftSourceInput } from "../../plan/drift.js";
import { parseIgnoreFile, type IgnoreRule } from "../../plan/drift-ignore.js";
import { refreshStateDrift } from "../../plan/drift-refresh.js";
import { instancePrefix, makePlan } from "../../plan/planner.js";
import { opContext, type ConfiguredProvider, type ProviderRegistry } from "../../plan/providers.js";
import type { ListedObject } from "../../sdk/define.js";
import { readLocalState } from "../../state/local-backend.js";
import { readStateWithJournal } from "../../state/session.js";
import { parseProviderConfig } from "../../state/provider-config.js";
import { State } from "../../state/state.js";
import { decodeStateV4 } from "../../state/v4.js";
import { isStateUrl, readStateUrl, type UrlState } from "../state-urls.js";
import { formatKey } from "../../addrs/resource.js";
import { driftWebhookPayload, renderDriftMarkdown, renderDriftText } from "../../views/index.js";
import { boolFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { VERSION } from "../version.js";
import { CONFIG_FLAGS, defaultRegistry, openWorkspace } from "../workspace.js";
import { parallelismOf, useColor } from "./plan.js";
import { driftProtection } from "../protection.js";
import { renderComplianceMarkdown, renderComplianceText } from "../../views/protection-drift.js";

/** The ignore file looked for in the current directory and in each configuration directory. */
export const IGNORE_FILE = ".backplanignore";

const FLAGS = {
  ...CONFIG_FLAGS,
  json: { type: "boolean" },
  markdown: { type: "boolean" },
  "json-file": { type: "string" },
  "markdown-file": { type: "string" },
  "comment-id": { type: "string" },
  title: { type: "string" },
  "details-url": { type: "string" },
  "refresh-only": { type: "boolean" },
  "include-runtime": { type: "boolean" },
  inventory: { type: "boolean" },
  "ignore-file": { type: "string", multiple: true },
  webhook: { type: "string" },
  parallelism: { type: "string" },
  "protection-file": { type: "string" },
} as const;

/** An interrupted or failed piece of the check, kept for the report instead of aborting the others. */
function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function readRules(path: string, shownAs: string, errors: string[]): Promise<IgnoreRule[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    errors.push(`${shownAs}: ${message(e)}`);
    return [];
  }
  const parsed = parseIgnoreFile(text, shownAs);
  for (const err of parsed.errors) errors.push(`${err.file}:${err.line}: ${err.message}`);
  return parsed.rules;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

/** Managed instances of a state with their inventory ids (for coverage). */
function managedOf(state: State, registry: ProviderRegistry): DriftSourceInput["managed"] {
  const out: { address: string; type: string; id: string | null }[] = [];
  for (const rs of state.resources()) {
    if (rs.address.mode !== "managed") continue;
    const source = parseProviderConfig(rs.provider)?.source;
    const idAttr = source ? registry.bySource(source)?.resources.get(rs.address.type)?.inventory?.idAttribute : undefined;
    for (const inst of rs.instances) {
      if (!inst.current) continue;
      const v = idAttr ? inst.current.attributes[idAttr] : undefined;
      out.push({ address: `${instancePrefix(rs.address.module)}${rs.address.type}.${rs.address.name}${formatKey(inst.key)}`, type: rs.address.type, id: typeof v === "string" && v !== "" ? v : null });
    }
  }
  return out;
}

/** Computed attributes a provider does not keep stable (status, usage, latency): observations, not drift. */
function runtimeAttributes(registry: ProviderRegistry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of registry.all()) {
    for (const r of p.resources.values()) {
      const names = Object.entries(r.attributes).filter(([, a]) => a.kind === "computed" && !a.stable).map(([k]) => k);
      if (names.length) out.set(r.type, new Set(names));
    }
  }
  return out;
}

interface Checked {
  source: DriftSourceInput;
  /** The state read (for protection), when it could be read. */
  state?: State;
  providers: ConfiguredProvider[];
  close(): Promise<void>;
}

/** A configuration directory: a plan (normal or refresh-only) on its state, read without the lock. */
async function checkConfig(name: string, dir: string, args: ParsedArgs, base: IgnoreRule[], signal: AbortSignal): Promise<Checked> {
  const errors: string[] = [];
  const rules = [...base, ...(await readRules(join(dir, IGNORE_FILE), shown(join(dir, IGNORE_FILE)), errors))];
  const mode = boolFlag(args, "refresh-only") ? "refresh-only" : "normal";
  const empty = (statePath: string): Checked => ({
    source: { name, kind: "config", statePath: shown(statePath), stamp: { lineage: "", serial: 0 }, mode, drift: [], changes: [], managed: [], rules, errors },
    providers: [],
    close: async () => {},
  });
  let diagText = "";
  const ws = openWorkspace({ ...args, positionals: [dir] }, { write: (s: string) => ((diagText += s), true) } as NodeJS.WritableStream);
  if (!ws) {
    errors.push(`the configuration could not be loaded:\n${diagText.trimEnd()}`);
    return empty(join(dir, "terraform.tfstate"));
  }
  let read: Awaited<ReturnType<typeof readStateWithJournal>>;
  try {
    read = await readStateWithJournal(ws.state.storage, ws.state.journalPath, ws.state.where);
  } catch (e) {
    errors.push(`reading ${shown(ws.statePath)}: ${message(e)}`);
    return empty(ws.statePath);
  }
  const outcome = await makePlan({
    root: ws.config,
    workspace: ws.state.workspace,
    state: read.state,
    pending: read.pending,
    registry: ws.registry,
    variables: ws.variables,
    mode,
    refresh: true,
    targets: [],
    excludes: [],
    replace: [],
    parallelism: parallelismOf(args),
    signal,
    env: process.env,
    configHash: ws.configHash,
    stamp: { lineage: read.state.lineage, serial: read.state.serial },
  });
  const diags = [...ws.diagnostics, ...outcome.diagnostics].filter((d) => d.severity === "error");
  if (diags.length > 0) errors.push(formatDiagnostics(diags, (f) => ws.load.sources.get(f)).trimEnd());
  return {
    source: {
      name,
      kind: "config",
      statePath: shown(ws.statePath),
      stamp: { lineage: read.state.lineage, serial: read.state.serial },
      mode,
      drift: outcome.plan.drift,
      changes: outcome.plan.changes,
      managed: managedOf(read.state, ws.registry),
      rules,
      errors,
    },
    state: read.state,
    providers: [...outcome.providers.values()],
    close: () => outcome.providers.closeAll(),
  };
}

/** A bare state file: every instance refreshed through providers configured from the environment. */
async function checkState(name: string, path: string, registry: ProviderRegistry, base: IgnoreRule[], signal: AbortSignal): Promise<Checked> {
  const errors: string[] = [];
  const rules = [...base, ...(await readRules(join(dirname(path), IGNORE_FILE), shown(join(dirname(path), IGNORE_FILE)), errors))];
  return refreshState(name, shown(path), async () => (await readLocalState({ path })).state, registry, rules, errors, signal);
}

/** A state named by URL (`s3://`, `pg://`, `http(s)://`): each state it names is refreshed like a state file. */
async function checkStateUrl(input: string, registry: ProviderRegistry, base: IgnoreRule[], signal: AbortSignal): Promise<Checked[]> {
  let found: UrlState[];
  try {
    found = await readStateUrl(input, process.env);
  } catch (e) {
    return [await refreshState(input, input, () => Promise.reject(e), registry, base, [], signal)];
  }
  if (found.length === 0) return [await refreshState(input, input, () => Promise.reject(new Error("no state matches")), registry, base, [], signal)];
  return Promise.all(
    found.map((f) => refreshState(f.where, f.where, async () => (f.data ? decodeStateV4(Buffer.from(f.data).toString("utf8"), f.where) : new State()), registry, base, [], signal)),
  );
}

/** Refreshes every instance of a loaded state through providers configured from the environment. */
async function refreshState(name: string, where: string, load: () => Promise<State>, registry: ProviderRegistry, rules: IgnoreRule[], errors: string[], signal: AbortSignal): Promise<Checked> {
  let state: State;
  try {
    state = await load();
  } catch (e) {
    errors.push(`reading ${where}: ${message(e)}`);
    return { source: { name, kind: "state", statePath: where, stamp: { lineage: "", serial: 0 }, mode: "refresh-only", drift: [], changes: [], managed: [], rules, errors }, providers: [], close: async () => {} };
  }
  const refreshed = await refreshStateDrift(state, registry, process.env, signal);
  errors.push(...refreshed.errors);
  const providers = [...refreshed.providers.values()];
  return {
    source: { name, kind: "state", statePath: where, stamp: { lineage: state.lineage, serial: state.serial }, mode: "refresh-only", drift: refreshed.drift, changes: [], managed: managedOf(state, registry), rules, errors },
    state,
    providers,
    close: async () => {
      for (const p of providers) await p.provider.close(p.client);
    },
  };
}

/**
 * Lists every listable resource type through each configured provider. Several configurations of one endpoint
 * list the same objects; the report counts each object once.
 */
async function listInventory(providers: readonly ConfiguredProvider[], signal: AbortSignal): Promise<{ inventory: Map<string, ListedObject[]>; errors: string[] }> {
  const inventory = new Map<string, ListedObject[]>();
  const failed = new Set<string>();
  const errors: string[] = [];
  for (const cp of providers) {
    for (const resource of cp.provider.resources.values()) {
      if (!resource.inventory || failed.has(resource.type)) continue;
      try {
        const objects = await resource.inventory.list(opContext(cp, resource, "read", signal));
        inventory.set(resource.type, [...(inventory.get(resource.type) ?? []), ...objects]);
      } catch (e) {
        // A type that cannot be listed completely is left out of coverage rather than counted wrong.
        failed.add(resource.type);
        inventory.delete(resource.type);
        errors.push(`listing ${resource.type} (${cp.address}): ${message(e)}`);
      }
    }
  }
  return { inventory, errors };
}

/** POSTs the summary; the body is signed with BACKPLAN_WEBHOOK_SECRET when set (`X-Backplan-Signature-256`). */
async function postWebhook(url: string, report: DriftReport): Promise<string | undefined> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return `--webhook: "${url}" is not a URL`;
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return `--webhook: only http and https URLs are supported, got ${target.protocol}`;
  const body = JSON.stringify(driftWebhookPayload(report));
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": `backplan/${VERSION}` };
  const secret = process.env["BACKPLAN_WEBHOOK_SECRET"];
  if (secret) headers["x-backplan-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  try {
    // Loaded here, not at start-up: few runs send a webhook.
    const { request } = await import("undici");
    const res = await request(target, { method: "POST", headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299) return `webhook ${target.origin}${target.pathname} answered ${res.statusCode}: ${text.slice(0, 200)}`;
    return undefined;
  } catch (e) {
    return `webhook ${target.origin}${target.pathname} could not be reached: ${message(e)}`;
  }
}

async function runDrift(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (boolFlag(args, "json") && boolFlag(args, "markdown")) throw new UsageError("-json and -markdown cannot be used together");
  const inputs = args.positionals.length > 0 ? args.positionals : ["."];
  if (inputs.length > 1 && stringFlag(args, "state") !== undefined) throw new UsageError("-state applies to one configuration; pass state files as arguments instead");
  const chdir = stringFlag(args, "chdir");
  const registry = defaultRegistry();
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);

  const globalErrors: string[] = [];
  const base = await readRules(resolve(IGNORE_FILE), IGNORE_FILE, globalErrors);
  for (const extra of [...(args.flags["ignore-file"] as string[] | undefined ?? [])]) {
    if (!existsSync(extra)) globalErrors.push(`-ignore-file ${extra}: no such file`);
    else base.push(...(await readRules(resolve(extra), extra, globalErrors)));
  }
  const checked: Checked[] = [];
  try {
    for (const input of inputs) {
      if (isStateUrl(input)) {
        checked.push(...(await checkStateUrl(input, registry, base, controller.signal)));
        continue;
      }
      const path = resolve(chdir ?? ".", input);
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        globalErrors.push(`${input}: no such file or directory`);
        continue;
      }
      checked.push(isFile ? await checkState(input, path, registry, base, controller.signal) : await checkConfig(input, path, args, base, controller.signal));
    }
    const listing = args.flags["inventory"] === false ? { inventory: new Map<string, ListedObject[]>(), errors: [] } : await listInventory(checked.flatMap((c) => c.providers), controller.signal);
    const report = buildDriftReport({
      sources: checked.map((c) => c.source),
      inventory: listing.inventory,
      inventoryRules: [...base, ...checked.flatMap((c) => c.source.rules.filter((r) => !base.includes(r)))],
      runtimeAttributes: boolFlag(args, "include-runtime") ? new Map() : runtimeAttributes(registry),
      errors: [...globalErrors, ...listing.errors],
      version: VERSION,
      checkedAt: new Date().toISOString(),
    });
    const mdOptions = {
      ...(stringFlag(args, "comment-id") !== undefined ? { id: stringFlag(args, "comment-id")! } : {}),
      ...(stringFlag(args, "title") !== undefined ? { title: stringFlag(args, "title")! } : {}),
      ...(stringFlag(args, "details-url") !== undefined ? { detailsUrl: stringFlag(args, "details-url")! } : {}),
    };
    const protection =
      args.flags["inventory"] === false
        ? undefined
        : await driftProtection(checked.flatMap((c) => (c.state ? [c.state] : [])), checked.flatMap((c) => c.providers), registry, inputs.map((i) => resolve(chdir ?? ".", i)), args, controller.signal);
    const jsonText = JSON.stringify(protection ? { ...report, protection } : report, null, 2) + "\n";
    const markdownText = renderDriftMarkdown(report, mdOptions) + (protection ? `\n${renderComplianceMarkdown(protection)}` : "");
    if (boolFlag(args, "json")) process.stdout.write(jsonText);
    else if (boolFlag(args, "markdown")) process.stdout.write(markdownText);
    else process.stdout.write(renderDriftText(report, { color: useColor(args) }) + (protection ? renderComplianceText(protection, { color: useColor(args) }) : ""));
    const jsonFile = stringFlag(args, "json-file");
    if (jsonFile !== undefined) await writeFile(jsonFile, jsonText);
    const mdFile = stringFlag(args, "markdown-file");
    if (mdFile !== undefined) await writeFile(mdFile, markdownText);

    const webhook = stringFlag(args, "webhook") ?? (process.env["BACKPLAN_WEBHOOK_URL"] || undefined);
    if (webhook !== undefined && report.drifted) {
      const failure = await postWebhook(webhook, report);
      if (failure) {
        process.stderr.write(`backplan drift: ${failure}\n`);
        return 1;
      }
    }
    if (report.errored) return 1;
    // 3 outranks 2: a failing protection control needs action even when nothing drifted.
    if (protection && protection.failed > 0) return 3;
    return report.drifted ? 2 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    for (const c of checked) await c.close();
  }
}

export const driftCommand: Command = {
  name: "drift",
  summary: "Report what changed outside backplan and what no state manages (read-only)",
  usage:
    "backplan drift [DIR|STATEFILE]... [-refresh-only] [-include-runtime] [-inventory=false] [-json | -markdown] [-json-file=FILE] [-markdown-file=FILE] [-comment-id=ID] [-title=TEXT] [-details-url=URL] [-ignore-file=FILE] [-protection-file=FILE] [--webhook URL] [-var NAME=VALUE] [-var-file=FILE] [-state=PATH] [-parallelism=N] [-no-color]",
  run: runDrift,
};
