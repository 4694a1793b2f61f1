import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { backendSettings } from "../../config/backend-settings.js";
import { formatDiagnostics, hasErrors, type Diagnostic } from "../../config/diagnostics.js";
import { installModules } from "../../modinstall/install.js";
import { loadConfig, parseConfigFile } from "../../config/load.js";
import type { Config } from "../../config/model.js";
import { writeFileAtomic } from "../../state/atomic-write.js";
import type { Backend } from "../../state/backends/backend.js";
import { backendHash, encodeInitState, fullConfig, type ConfigValue, type InitState } from "../../state/backends/init-state.js";
import { createLocalBackend } from "../../state/backends/local.js";
import { backendType } from "../../state/backends/registry.js";
import { lockStorage, newLockInfo, readStateWithJournal } from "../../state/session.js";
import { DEFAULT_TERRAFORM_VERSION } from "../../state/state.js";
import { encodeStateV4 } from "../../state/v4.js";
import { boolFlag, listFlag, parseArgs, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from "../args.js";
import { blockMatchesInit, BackendSelectionError, configuredBackend, currentWorkspace, instantiate, readInitState, stateTarget, type ConfiguredBackend } from "../backend.js";
import type { Command } from "../command.js";
import { dataDir } from "../../config/data-dir.js";
import { fail, failSelection, lockOptions } from "../state-file.js";
import { lockAndReport } from "../lock-providers.js";
import { VERSION } from "../version.js";

/**
 * `backplan init`: configures the backend and records it in `.terraform/terraform.tfstate` exactly as
 * `terraform init` does (so either tool can use a directory the other initialised), copies state between
 * backends with `-migrate-state`, then runs the other init steps (`INIT_STEPS`).
 */

const FLAGS = {
  "backend-config": { type: "string", multiple: true },
  backend: { type: "boolean" },
  reconfigure: { type: "boolean" },
  "migrate-state": { type: "boolean" },
  "force-copy": { type: "boolean" },
  input: { type: "boolean" },
  lock: { type: "boolean" },
  "lock-timeout": { type: "string" },
  upgrade: { type: "boolean" },
  get: { type: "boolean" },
  chdir: { type: "string" },
  "no-color": { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

/** What an init step is given: the configuration directory, its loaded configuration and the flags. */
export interface InitContext {
  dir: string;
  config: Config;
  args: ParsedArgs;
  /** Where steps print progress (stdout). */
  out: NodeJS.WritableStream;
  /** Source text of a configuration file, for diagnostics. */
  lookup: (file: string) => string | undefined;
}

/**
 * The init steps after the backend, in order (module installation, provider lock file, ...). A step returns an
 * exit code to stop init with (non-zero), or nothing to go on. The lead registers them here when merging.
 */
export const INIT_STEPS: Array<(ctx: InitContext) => Promise<number | void>> = [
  // Provider versions checked against required_providers and recorded in .terraform.lock.hcl.
  async (ctx) => lockAndReport({ dir: ctx.dir, config: ctx.config, upgrade: boolFlag(ctx.args, "upgrade") }, ctx.lookup),
];

/** Terraform's value conversion for `-backend-config=KEY=VALUE` pairs: the schema's bools are bools. */
function pairValue(value: string): ConfigValue {
  return value === "true" ? true : value === "false" ? false : value;
}

/** The `-backend-config` overrides, in command-line order (later wins): files of `key = value`, and pairs. */
function overrides(args: ParsedArgs, dir: string): { values: Record<string, ConfigValue>; diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const values: Record<string, ConfigValue> = {};
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const item of listFlag(args, "backend-config")) {
    const eq = item.indexOf("=");
    const file = resolve(dir, item);
    if (eq > 0 && !existsSync(file)) {
      values[item.slice(0, eq)] = pairValue(item.slice(eq + 1));
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new UsageError(`-backend-config=${item}: neither KEY=VALUE nor a readable file (${(e as Error).message})`);
    }
    sources.set(file, text);
    const parsed = parseConfigFile(text, file);
    diagnostics.push(...parsed.diagnostics);
    const s = backendSettings(parsed.file.body, `-backend-config file ${item}`);
    diagnostics.push(...s.diagnostics);
    Object.assign(values, s.settings);
  }
  return { values, diagnostics, sources };
}

async function writeInitState(dir: string, state: InitState): Promise<void> {
  const d = dataDir(dir);
  await mkdir(d, { recursive: true });
  await writeFileAtomic(join(d, "terraform.tfstate"), encodeInitState(state), 0o644);
}

/** The backend `init` recorded before (or the implied local one), for `-migrate-state`. */
function priorBackend(dir: string, saved: InitState | undefined): Backend {
  const b = saved?.backend;
  if (!b) return createLocalBackend(dir);
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b.config)) if (v !== null) settings[k] = v;
  return instantiate(b.type, dir, settings, process.env);
}

/**
 * Copies every workspace with a state from `from` to `to`. A destination workspace that already holds a
 * different state with resources is only overwritten with `-force-copy`.
 */
async function migrate(from: Backend, to: Backend, dir: string, args: ParsedArgs, out: NodeJS.WritableStream): Promise<number> {
  const { lock, lockTimeoutMs } = lockOptions(args);
  for (const ws of await from.workspaces()) {
    const src = stateTarget(from, ws, dir);
    if ((await src.storage.read()) === undefined && !existsSync(src.journalPath)) continue;
    const { state } = await readStateWithJournal(src.storage, src.journalPath, src.where);
    const dst = stateTarget(to, ws, dir);
    const held = lock ? await lockStorage(dst.storage, newLockInfo({ operation: "OperationTypeInvalid", info: "migrate-state", version: VERSION }, dst.where), lockTimeoutMs) : undefined;
    try {
      const existing = await readStateWithJournal(dst.storage, dst.journalPath, dst.where);
      if (existing.state.instanceAddresses().length > 0 && existing.state.lineage !== state.lineage && !boolFlag(args, "force-copy")) {
        return fail(
          `Workspace "${ws}" already has a state in the new backend`,
          `${dst.where} holds a different state (lineage ${existing.state.lineage}) with resources. backplan does not overwrite it\nwithout -force-copy; inspect both states first (backplan state pull).`,
        );
      }
      await dst.storage.write(Buffer.from(encodeStateV4(state), "utf8"));
    } finally {
      if (held) await dst.storage.unlock(held.id);
    }
    out.write(`Copied workspace "${ws}" (${state.instanceAddresses().length} resource instance(s)) from ${src.where} to ${dst.where}.\n`);
  }
  return 0;
}

async function runInit(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.positionals.length > 0) throw new UsageError("init takes no positional arguments (use -chdir=DIR)");
  if (boolFlag(args, "reconfigure") && boolFlag(args, "migrate-state")) throw new UsageError("-reconfigure and -migrate-state cannot be used together");
  const dir = resolve(stringFlag(args, "chdir") ?? ".");
  const out = process.stdout;
  // Modules first, as terraform init does: the configuration cannot be loaded before its remote modules are there.
  if (args.flags["get"] !== false) {
    out.write("Initializing modules...\n");
    const installed = await installModules(dir, { upgrade: boolFlag(args, "upgrade"), log: (l) => out.write(l + "\n"), displayBase: process.cwd() });
    if (installed.diagnostics.length > 0) process.stderr.write(formatDiagnostics(installed.diagnostics, (f) => installed.sources.get(f)) + "\n");
    if (hasErrors(installed.diagnostics)) return 1;
  }
  const load = loadConfig(dir);
  const lookup = (f: string) => load.sources.get(f);
  if (!load.config || load.diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write(formatDiagnostics(load.diagnostics, lookup) + "\n");
    return 1;
  }
  const config = load.config;
  out.write("Initializing the backend...\n");
  if (args.flags["backend"] !== false) {
    const code = await initBackend(dir, config, args, out, lookup);
    if (code !== 0) return code;
  }
  for (const step of INIT_STEPS) {
    const code = await step({ dir, config, args, out, lookup });
    if (typeof code === "number" && code !== 0) return code;
  }
  out.write("\nbackplan has been successfully initialized!\n");
  return 0;
}

async function initBackend(dir: string, config: Config, args: ParsedArgs, out: NodeJS.WritableStream, lookup: (f: string) => string | undefined): Promise<number> {
  const found = configuredBackend(config);
  if (found.diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write(formatDiagnostics(found.diagnostics, lookup) + "\n");
    return 1;
  }
  const o = overrides(args, dir);
  if (o.diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write(formatDiagnostics(o.diagnostics, (f) => o.sources.get(f) ?? lookup(f)) + "\n");
    return 1;
  }
  const c: ConfiguredBackend | undefined = found.backend;
  const hasOverrides = listFlag(args, "backend-config").length > 0;
  if (!c && hasOverrides) return fail("Missing backend configuration", "-backend-config was used without a \"backend\" block in the configuration.\n\nIf you intended to override the default local backend configuration,\nno action is required, but you may add an explicit backend block to your\nconfiguration to clear this error.");
  let saved: InitState | undefined;
  try {
    saved = readInitState(dir);
  } catch (e) {
    return fail("Failed to read the recorded backend", (e as Error).message);
  }
  const recorded = saved?.backend;
  const type = c ? backendType(c.type)! : undefined;
  const merged: Record<string, ConfigValue> = c ? { ...c.block, ...o.values } : {};
  const record = c && type ? { type: c.type, config: fullConfig(type.attributes, merged, type.objects), hash: backendHash(c.type, type.attributes, c.block, type.objects) } : undefined;
  const unchanged = hasOverrides ? isDeepStrictEqual(record?.type, recorded?.type) && isDeepStrictEqual(record?.config, recorded?.config) : blockMatchesInit(c, recorded);
  const reconfigure = boolFlag(args, "reconfigure");
  const migrateState = boolFlag(args, "migrate-state");
  // With no record yet, state in the implied local backend is what a migration would move.
  const localState = !recorded && (c?.type ?? "local") !== "local" && (await createLocalBackend(dir).state(currentWorkspace(dir)).read()) !== undefined;
  if ((!unchanged && recorded) || localState) {
    if (!reconfigure && !migrateState) {
      return fail(
        recorded ? "Backend configuration changed" : "Existing local state found",
        (recorded
          ? `A change in the backend configuration has been detected (from "${recorded.type}" to "${c?.type ?? "local"}"), which may require migrating existing state.`
          : `This directory has local state, and the configuration now uses the "${c!.type}" backend.`) +
          '\n\nIf you wish to attempt automatic migration of the state, use "backplan init -migrate-state".\nIf you wish to store the current configuration with no changes to the state, use "backplan init -reconfigure".',
      );
    }
  }
  let next: Backend;
  try {
    next = c ? instantiate(c.type, dir, Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null)), process.env, c.range) : createLocalBackend(dir);
    await next.workspaces(); // reaches the backend now (and prepares pg's table), as terraform init does
  } catch (e) {
    if (e instanceof BackendSelectionError) return failSelection(e, lookup);
    return fail("Failed to configure the backend", (e as Error).message);
  }
  if (migrateState && ((!unchanged && recorded) || localState)) {
    let prior: Backend;
    try {
      prior = priorBackend(dir, saved);
    } catch (e) {
      if (e instanceof BackendSelectionError) return failSelection(e);
      throw e;
    }
    const code = await migrate(prior, next, dir, args, out);
    if (code !== 0) return code;
  }
  if (record) {
    await writeInitState(dir, { version: 3, terraform_version: DEFAULT_TERRAFORM_VERSION, backend: record });
    out.write(`\nSuccessfully configured the backend "${c!.type}"! backplan will automatically\nuse this backend unless the backend configuration changes.\n`);
  } else if (recorded) {
    await writeInitState(dir, { version: 3, terraform_version: DEFAULT_TERRAFORM_VERSION });
    out.write("\nbackplan has been successfully unconfigured from the previous backend; state is now local.\n");
  }
  return 0;
}

export const initCommand: Command = {
  name: "init",
  summary: "Prepare the working directory: configure the backend (and migrate state), then the other init steps",
  usage:
    "backplan init [-backend-config=FILE|KEY=VALUE]... [-reconfigure | -migrate-state [-force-copy]] [-backend=false] [-input=false] [-lock=false] [-lock-timeout=DURATION] [-chdir=DIR]",
  run: runInit,
};
