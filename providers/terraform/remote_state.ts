import { z } from "zod";
import { AttributeError, computed, defineDataSource, optional, required } from "../../src/sdk/index.js";

/** The remote-state request the data source makes; the plan engine's host supplies the reader. */
export interface RemoteStateQuery {
  backend: string;
  config: unknown;
  workspace: string | null;
}

/**
 * Reads the root outputs of one workspace's latest state through the host's backends (the CLI wires
 * src/state/remote-state.ts). Throws an `AttributeError` naming the argument at fault.
 */
export type RemoteStateReader = (query: RemoteStateQuery) => Promise<Record<string, unknown>>;

/** The built-in provider's client: what its data sources need from the host. */
export interface BuiltinClient {
  readonly readRemoteState?: RemoteStateReader;
}

const remoteStateSchema = z.object({
  backend: z.string(),
  config: z.unknown(),
  defaults: z.unknown(),
  outputs: z.unknown(),
  workspace: z.string().nullable(),
});

/**
 * Terraform's built-in `terraform_remote_state`: the root outputs of another configuration's state, read from
 * any backend backplan implements with the same `config` a `backend` block takes. `outputs` is `defaults`
 * with the state's outputs over it; a missing state is an error, as in Terraform 1.11.
 */
export const terraformRemoteState = defineDataSource<BuiltinClient, typeof remoteStateSchema>({
  type: "terraform_remote_state",
  description: "Reads the root module output values of another configuration's latest state from a backend.",
  schema: remoteStateSchema,
  attributes: {
    backend: required({ description: "The backend type the state is in: local, pg, s3 or http." }),
    config: optional({ description: "The backend's arguments, as a backend block of that type takes them." }),
    defaults: optional({ description: "Values used for outputs the state does not have." }),
    outputs: computed({ description: "The state's root module outputs, over defaults." }),
    workspace: optional({ description: 'The workspace whose state is read; "default" when not set.' }),
  },
  async read(ctx, config) {
    const reader = ctx.client.readRemoteState;
    if (!reader) throw new AttributeError(null, "Remote state not available", "terraform_remote_state is read only by the backplan CLI.");
    const defaults = config.defaults ?? null;
    if (defaults !== null && (typeof defaults !== "object" || Array.isArray(defaults))) {
      throw new AttributeError("defaults", "Invalid default values", "defaults must be an object of output names and values.");
    }
    const outputs = await reader({ backend: config.backend, config: config.config ?? null, workspace: config.workspace ?? null });
    const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown> | null), ...outputs };
    // An object's attributes in Terraform's order (sorted), whichever source each came from.
    const sorted = Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
    return { ...config, outputs: sorted };
  },
});
