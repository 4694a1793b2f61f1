import type { RemoteStateReader } from "../../providers/terraform/remote_state.js";
import { AttributeError } from "../sdk/attribute-error.js";
import { readRemoteOutputs, RemoteStateError } from "../state/remote-state.js";

/**
 * How `terraform_remote_state` reaches backends in a CLI run: the state layer's reader, with relative paths
 * taken from the configuration directory `dir` and backend variables from the process environment; its
 * faults become diagnostics at the argument they lie in.
 */
export function remoteStateReader(dir: string, env: NodeJS.ProcessEnv = process.env): RemoteStateReader {
  return async (query) => {
    try {
      return await readRemoteOutputs(query, dir, env);
    } catch (e) {
      if (e instanceof RemoteStateError) throw new AttributeError(e.attribute, e.summary, e.detail);
      throw e;
    }
  };
}
