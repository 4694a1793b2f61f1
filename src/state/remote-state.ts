import { BackendConfigError, DEFAULT_WORKSPACE, type Backend } from "./backends/backend.js";
import { backendType, supportedBackendTypes } from "./backends/registry.js";
import type { JsonValue } from "./state.js";
import { decodeStateV4 } from "./v4.js";

/**
 * What Terraform's `terraform_remote_state` data source does with a backend: configure it from `config` exactly
 * as a `backend` block (same arguments and environment variables, through the one backend registry), read the
 * latest snapshot of one workspace and return its root outputs. Read-only: no lock, no journal replay (a
 * snapshot is what Terraform reads too), nothing written.
 */

/** The data source's arguments, as configured. */
export interface RemoteStateRequest {
  backend: string;
  /** The backend's arguments: an object, or null for none. */
  config: unknown;
  /** null: `default` (Terraform's default here, whatever workspace the reading configuration is in). */
  workspace: string | null;
}

/**
 * A fault in the request, with the argument it lies in (`backend`, `config`, `workspace`; null: the block),
 * worded as Terraform words it.
 */
export class RemoteStateError extends Error {
  constructor(
    readonly attribute: "backend" | "config" | "workspace" | null,
    readonly summary: string,
    readonly detail: string,
  ) {
    super(`${summary}: ${detail}`);
    this.name = "RemoteStateError";
  }
}

/**
 * The root output values (plain JSON, sensitivity dropped as Terraform 1.11 drops it) of the requested state.
 * `dir` is the directory relative paths (the local backend's `path`) are taken from: the reading configuration's.
 * Throws `RemoteStateError` for every fault; a state that does not exist is one ("Unable to find remote state").
 */
export async function readRemoteOutputs(req: RemoteStateRequest, dir: string, env: NodeJS.ProcessEnv): Promise<Record<string, JsonValue>> {
  const type = backendType(req.backend);
  if (!type) {
    throw new RemoteStateError("backend", "Invalid backend configuration", `There is no backend type named "${req.backend}" in backplan; it implements: ${supportedBackendTypes().join(", ")}.`);
  }
  const config = req.config ?? {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new RemoteStateError("config", "Invalid backend configuration", `The config argument must be an object of the ${req.backend} backend's arguments.`);
  }
  let backend: Backend;
  try {
    backend = type.factory(dir)(config as Record<string, unknown>, env);
  } catch (e) {
    if (!(e instanceof BackendConfigError)) throw e;
    throw new RemoteStateError("config", "Invalid backend configuration", `The given configuration is not valid for backend "${req.backend}": ${e.message}`);
  }
  const workspace = req.workspace ?? DEFAULT_WORKSPACE;
  try {
    const bytes = await readWorkspace(backend, workspace, req.workspace === null ? null : "workspace");
    const where = backend.describe(workspace);
    if (bytes === undefined || bytes.length === 0) {
      throw new RemoteStateError(
        req.workspace === null ? null : "workspace",
        "Unable to find remote state",
        `No stored state was found for the given workspace in the given backend (${where}).`,
      );
    }
    let state;
    try {
      state = decodeStateV4(Buffer.from(bytes).toString("utf8"), where);
    } catch (e) {
      throw new RemoteStateError("backend", "Error loading state error", `error loading the remote state: ${(e as Error).message}`);
    }
    const outputs: Record<string, JsonValue> = {};
    for (const [name, o] of Object.entries(state.outputs())) outputs[name] = o.value;
    return outputs;
  } finally {
    await backend.close().catch(() => undefined);
  }
}

async function readWorkspace(backend: Backend, workspace: string, attribute: "workspace" | null): Promise<Uint8Array | undefined> {
  let storage;
  try {
    storage = backend.state(workspace);
  } catch (e) {
    // A backend without workspaces (http) refuses any but `default`.
    throw new RemoteStateError(attribute, "Unable to find remote state", (e as Error).message);
  }
  try {
    return await storage.read();
  } catch (e) {
    if (e instanceof RemoteStateError) throw e;
    throw new RemoteStateError("backend", "Error loading state error", `error loading the remote state: ${(e as Error).message}`);
  }
}

