import { createHash } from "node:crypto";
import { formatDiagnostics, type Diagnostic } from "../config/diagnostics.js";
import { loadConfig, type LoadResult } from "../config/load.js";
import type { Config } from "../config/model.js";
import { collectVariableValues, type RawVariableValue, type VarOption } from "../config/variable-values.js";
import { parseTarget } from "../addrs/parse.js";
import type { TargetAddr } from "../addrs/resource.js";
import { providerRegistry, type ProviderRegistry } from "../plan/providers.js";
import { builtinProviders } from "../../providers/index.js";
import { builtinTerraformProvider, terraformProvider } from "../../providers/terraform/index.js";
import { remoteStateReader } from "./remote-state.js";
import { listFlag, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from "./args.js";
import { checkProviders } from "./lock-providers.js";
import { join, resolve } from "node:path";
import { BackendSelectionError, currentWorkspace, selectBackend, stateTarget, type StateTarget } from "./backend.js";

/** Flags every command that reads configuration and state shares (plan, apply, destroy, drift, import...). */
export const CONFIG_FLAGS = {
  var: { type: "string", multiple: true },
  "var-file": { type: "string", multiple: true },
  state: { type: "string" },
  stack: { type: "string" },
  cdktf: { type: "string" },
  chdir: { type: "string" },
  "no-color": { type: "boolean" },
  "lock-timeout": { type: "string" },
  lock: { type: "boolean" },
  input: { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

/** The configuration directory, its loaded config and the inputs a run needs. */
export interface Workspace {
  dir: string;
  /** Where the state is, for messages (a file path, or the backend's description). */
  statePath: string;
  /** The backend and workspace the run's state is in. */
  state: StateTarget;
  config: Config;
  load: LoadResult;
  variables: Map<string, RawVariableValue>;
  registry: ProviderRegistry;
  configHash: string;
  diagnostics: Diagnostic[];
}

/**
 * Every provider backplan ships, the built-in `terraform` one included. With `dir` (the configuration
 * directory) its `terraform_remote_state` reads backends; without it, only schemas are needed.
 */
export function defaultRegistry(dir?: string): ProviderRegistry {
  return providerRegistry([...builtinProviders(), dir === undefined ? builtinTerraformProvider : terraformProvider(remoteStateReader(dir))]);
}

/**
 * Loads configuration and variable values as a command's flags say. Returns undefined (after printing the
 * diagnostics with source lines) when either has errors.
 */
export function openWorkspace(args: ParsedArgs, out: NodeJS.WritableStream = process.stderr, opts: { checkProviders?: boolean } = {}): Workspace | undefined {
  const chdir = stringFlag(args, "chdir");
  const cdktf = stringFlag(args, "cdktf");
  const dir = resolve(chdir ?? ".", cdktf ?? args.positionals[0] ?? ".");
  const stack = stringFlag(args, "stack");
  const load = loadConfig(dir, stack !== undefined ? { stack } : {});
  const diagnostics = [...load.diagnostics];
  const lookup = (f: string) => load.sources.get(f);
  if (!load.config || diagnostics.some((d) => d.severity === "error")) {
    out.write(formatDiagnostics(diagnostics, lookup) + "\n");
    return undefined;
  }
  if (opts.checkProviders !== false) {
    // Provider versions and the lock file, as `terraform plan` checks them before it plans.
    const pc = checkProviders(load.config, load.config.dir);
    if (pc.diagnostics.length > 0) {
      diagnostics.push(...pc.diagnostics);
      if (pc.diagnostics.some((d) => d.severity === "error")) {
        out.write(formatDiagnostics(diagnostics, (f) => lookup(f) ?? pc.sources.get(f)) + "\n");
        return undefined;
      }
    }
  }
  const options: VarOption[] = [];
  // Keep -var and -var-file in command-line order: later ones win, as in Terraform.
  for (const o of args.order) {
    if (o.name === "var" || o.name === "var-file") options.push({ kind: o.name, value: o.value });
  }
  const collected = collectVariableValues({ dir: load.config.dir, options, env: process.env, declared: new Set(load.config.variables.keys()) });
  diagnostics.push(...collected.diagnostics);
  if (collected.diagnostics.some((d) => d.severity === "error")) {
    out.write(formatDiagnostics(diagnostics, (f) => lookup(f) ?? collected.sources.get(f)) + "\n");
    return undefined;
  }
  const hash = createHash("sha256");
  for (const name of [...load.sources.keys()].sort()) hash.update(name).update("\0").update(load.sources.get(name)!).update("\0");
  let state: StateTarget;
  try {
    state = stateTarget(selectBackend(load.config.dir, load.config), currentWorkspace(load.config.dir), load.config.dir, stringFlag(args, "state"));
  } catch (e) {
    if (!(e instanceof BackendSelectionError)) throw e;
    if (e.diagnostics.length > 0) out.write(formatDiagnostics(e.diagnostics, lookup) + "\n");
    else out.write(`Error: ${e.summary}\n\n${e.detail}\n`);
    return undefined;
  }
  return {
    dir: load.config.dir,
    statePath: state.where,
    state,
    config: load.config,
    load,
    variables: collected.values,
    registry: defaultRegistry(load.config.dir),
    configHash: hash.digest("hex"),
    diagnostics,
  };
}

/** Parses repeated address flags (`-target`, `-exclude`), naming the flag on bad syntax. */
export function targetFlags(args: ParsedArgs, name: string): TargetAddr[] {
  return listFlag(args, name).map((text) => {
    const r = parseTarget(text);
    if (!r.ok) throw new UsageError(`invalid -${name} address "${text}": ${r.error}`);
    return r.value;
  });
}

/** `-lock-timeout=30s` in milliseconds. */
export function lockTimeoutMs(args: ParsedArgs): number {
  const text = stringFlag(args, "lock-timeout");
  if (text === undefined) return 0;
  const m = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`-lock-timeout must be a duration such as 10s, got "${text}"`);
  const n = Number(m[1]);
  return m[2] === "m" ? n * 60_000 : m[2] === "ms" ? n : n * 1000;
}
