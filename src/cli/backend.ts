import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { backendSettings } from "../config/backend-settings.js";
import { dataDir } from "../config/data-dir.js";
import { errorAt, type Diagnostic } from "../config/diagnostics.js";
import type { Config } from "../config/model.js";
import { BackendConfigError, DEFAULT_WORKSPACE, type Backend, type StateStorage } from "../state/backends/backend.js";
import { decodeInitState, type ConfigValue, type InitState } from "../state/backends/init-state.js";
import { createLocalBackend, LocalBackend, LocalFileStorage } from "../state/backends/local.js";
import { backendType, supportedBackendTypes } from "../state/backends/registry.js";
import { isDeepStrictEqual } from "node:util";

/**
 * Which backend and workspace a command works on, chosen as Terraform chooses: the configuration's `backend`
 * block (or `cloud` block: refused), `.terraform/terraform.tfstate` (what `init` recorded, with its
 * `-backend-config` values), `TF_WORKSPACE` / `.terraform/environment`. Never a silent fallback: with neither
 * a block nor a recorded backend it is the local `terraform.tfstate`, exactly Terraform's implied default.
 */

/** Where a command's state lives: one workspace of one backend, plus where its journal goes. */
export interface StateTarget {
  backend: Backend;
  workspace: string;
  storage: StateStorage;
  journalPath: string;
  /** For messages and lock info: the state file, or the backend's description. */
  where: string;
  /** Where a state the backend refused is saved (remote backends only). */
  erroredPath?: string;
  /** The configuration directory. */
  dir: string;
}


const WORKSPACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function validWorkspaceName(name: string): boolean {
  return WORKSPACE_NAME.test(name) && !name.includes("/") && name.length <= 90;
}

/** The selected workspace: `TF_WORKSPACE`, else `.terraform/environment`, else `default`. */
export function currentWorkspace(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env["TF_WORKSPACE"];
  if (fromEnv) return fromEnv;
  try {
    const name = readFileSync(join(dataDir(dir, env), "environment"), "utf8").trim();
    if (name) return name;
  } catch {
    // no selection recorded: default
  }
  return DEFAULT_WORKSPACE;
}

/** What `init` recorded, or undefined. Throws on a damaged file (never ignore a recorded backend). */
export function readInitState(dir: string, env: NodeJS.ProcessEnv = process.env): InitState | undefined {
  const file = join(dataDir(dir, env), "terraform.tfstate");
  if (!existsSync(file)) return undefined;
  return decodeInitState(readFileSync(file, "utf8"), file);
}

/** The backend as configured: type, the block's own settings and where the block is. */
export interface ConfiguredBackend {
  type: string;
  /** What the block itself sets (no `-backend-config`). */
  block: Record<string, ConfigValue>;
  range?: Diagnostic["subject"];
}

/**
 * Reads the configuration's backend or cloud block. Errors (with the block's position): a `cloud` block, a type
 * backplan does not implement, non-constant arguments. Undefined when there is no block.
 */
export function configuredBackend(config: Config): { backend?: ConfiguredBackend; diagnostics: Diagnostic[] } {
  const t = config.terraform;
  const supported = supportedBackendTypes().join(", ");
  if (t.cloud) {
    return {
      diagnostics: [
        errorAt(
          "Unsupported cloud block",
          `This configuration uses a "cloud" block (HCP Terraform / Terraform Enterprise), which backplan does not implement, so it cannot reach this configuration's state. backplan never falls back to a local state: use a backend backplan supports (${supported}), or run Terraform itself.`,
          t.cloud.range,
        ),
      ],
    };
  }
  const b = t.backend;
  if (!b) return { diagnostics: [] };
  if (!backendType(b.type)) {
    return {
      diagnostics: [
        errorAt(
          `Unsupported backend type "${b.type}"`,
          `backplan implements the backend types ${supported}; the "${b.type}" backend is not one of them, so backplan cannot reach this configuration's state. It never falls back to a local state: change the backend, or run Terraform itself.`,
          b.range,
        ),
      ],
    };
  }
  const { settings, diagnostics } = backendSettings(b.config, `backend "${b.type}"`);
  return { backend: { type: b.type, block: settings as Record<string, ConfigValue>, range: b.range }, diagnostics };
}

/**
 * Whether the block still matches what init recorded: same type, and every argument the block sets has the
 * recorded value (arguments the block leaves out may have come from `-backend-config`).
 */
export function blockMatchesInit(c: ConfiguredBackend | undefined, saved: InitState["backend"]): boolean {
  if (!c) return saved === undefined;
  if (!saved) return true;
  if (c.type !== saved.type) return false;
  return Object.entries(c.block).every(([k, v]) => sameIgnoringNulls(saved.config[k] ?? null, v));
}

/** Equal once null attributes are dropped from objects: Terraform records nested objects with every attribute. */
function sameIgnoringNulls(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(dropNulls(a), dropNulls(b));
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

export const INIT_REQUIRED_DETAIL =
  'Changes to the backend configuration require reinitialization. This allows backplan to set up the new\n' +
  'configuration, copy existing state, etc. Please run "backplan init" with either the "-reconfigure" or\n' +
  '"-migrate-state" flags to use the current configuration.\n\n' +
  "If the change reason above is incorrect, please verify your configuration hasn't changed and try again.\n" +
  "At this point, no changes to your existing infrastructure have been made.";

export class BackendSelectionError extends Error {
  constructor(
    readonly summary: string,
    readonly detail: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(`${summary}: ${detail}`);
  }
}

/**
 * The backend a command uses. Throws `BackendSelectionError` (with diagnostics pointing at the block when it is
 * the block's fault) instead of ever falling back. `config` undefined: a directory without configuration.
 */
export function selectBackend(dir: string, config: Config | undefined, env: NodeJS.ProcessEnv = process.env): Backend {
  const found = config ? configuredBackend(config) : { diagnostics: [] };
  if (found.diagnostics.some((d) => d.severity === "error")) throw new BackendSelectionError("Invalid backend configuration", "see the errors above", found.diagnostics);
  let saved: InitState | undefined;
  try {
    saved = readInitState(dir, env);
  } catch (e) {
    throw new BackendSelectionError("Failed to read the recorded backend", (e as Error).message);
  }
  const c = found.backend;
  const recorded = saved?.backend;
  if (!blockMatchesInit(c, recorded)) {
    const why = !c
      ? `Unsetting the previously set backend "${recorded!.type}"`
      : recorded && recorded.type !== c.type
        ? `Backend type changed from "${recorded.type}" to "${c.type}"`
        : "Backend configuration block has changed";
    throw new BackendSelectionError("Backend initialization required, please run \"backplan init\"", `Reason: ${why}\n\n${INIT_REQUIRED_DETAIL}`);
  }
  if (!c) return createLocalBackend(dir);
  if (!recorded && c.type !== "local" && (existsSync(join(dir, "terraform.tfstate")) || existsSync(join(dir, "terraform.tfstate.d")))) {
    // The configuration moved from the implied local backend to a remote one: planning against the (empty) remote
    // state would create everything a second time.
    throw new BackendSelectionError(
      'Backend initialization required, please run "backplan init"',
      `Reason: Initial configuration of the requested backend "${c.type}", and this directory has local state (terraform.tfstate).\n\n` +
        'Run "backplan init -migrate-state" to copy it to the new backend, or "backplan init -reconfigure" to leave it behind.',
    );
  }
  // Recorded values (block + -backend-config) win; without init, the block alone (backplan needs no init for it).
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(recorded?.config ?? c.block)) if (v !== null) settings[k] = v;
  return instantiate(c.type, dir, settings, env, c.range);
}

const opened = new Set<Backend>();

/** Closes every backend this process opened (connections keep the process alive); `main` calls it at the end. */
export async function closeBackends(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((b) => b.close().catch(() => undefined)));
}

/** Builds a backend of `type`; a bad argument becomes an error naming it and the block. */
export function instantiate(type: string, dir: string, settings: Record<string, unknown>, env: NodeJS.ProcessEnv, range?: Diagnostic["subject"]): Backend {
  const t = backendType(type);
  if (!t) throw new BackendSelectionError(`Unsupported backend type "${type}"`, `backplan implements ${supportedBackendTypes().join(", ")}.`);
  try {
    const b = t.factory(dir)(settings, env);
    opened.add(b);
    return b;
  } catch (e) {
    if (e instanceof BackendConfigError) {
      throw new BackendSelectionError(`Invalid backend configuration`, `backend "${type}": ${e.attribute}: ${e.message}`, range ? [errorAt("Invalid backend configuration", `${e.attribute}: ${e.message}`, range)] : []);
    }
    throw e;
  }
}

/** Where one workspace of `backend` is worked on; `statePath` (`-state=PATH`) points the local backend elsewhere. */
export function stateTarget(backend: Backend, workspace: string, dir: string, statePath?: string): StateTarget {
  if (statePath !== undefined) {
    if (!(backend instanceof LocalBackend)) {
      throw new BackendSelectionError("Invalid -state flag", `-state only applies to the local backend; this configuration's state is in the "${backend.type}" backend (${backend.describe(workspace)}).`);
    }
    const path = resolve(statePath);
    return { backend, workspace, storage: new LocalFileStorage(path), journalPath: path + ".journal", where: path, dir };
  }
  const where = backend.describe(workspace);
  const journalPath =
    backend.journalPath?.(workspace) ??
    join(dataDir(dir), "journal", `${backend.type}-${createHash("sha256").update(where).digest("hex").slice(0, 16)}.journal`);
  return {
    backend,
    workspace,
    storage: backend.state(workspace),
    journalPath,
    where,
    ...(backend instanceof LocalBackend ? {} : { erroredPath: join(dir, "errored.tfstate") }),
    dir,
  };
}
