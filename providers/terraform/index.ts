import { randomUUID } from "node:crypto";
import { z } from "zod";
import { computed, defineProvider, defineResource, optional, type Provider } from "../../src/sdk/index.js";
import { terraformRemoteState, type BuiltinClient, type RemoteStateReader } from "./remote_state.js";

const dataSchema = z.object({
  id: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  triggers_replace: z.unknown(),
});

/**
 * Terraform's built-in `terraform_data`: stores `input`, echoes it as `output` after apply, and is replaced
 * whenever `triggers_replace` changes. It needs no remote API, which makes it the fair benchmark resource.
 * Its id is a random UUID like Terraform's.
 */
export const terraformData = defineResource<BuiltinClient, typeof dataSchema>({
  type: "terraform_data",
  description: "Stores a value that follows the usual resource lifecycle; changing triggers_replace replaces it.",
  schema: dataSchema,
  attributes: {
    id: computed({ stable: true, description: "A unique id, set at create." }),
    input: optional({ description: "A value to store; reflected in output after apply." }),
    output: computed({ nullWith: "input", description: "The value of input after the last apply." }),
    triggers_replace: optional({ forceNew: true, description: "A value whose change forces replacement." }),
  },
  async read(_ctx, state) {
    return state;
  },
  async create(_ctx, planned) {
    return { ...planned, id: randomUUID(), output: planned.input ?? null };
  },
  async update(_ctx, prior, planned) {
    return { ...planned, id: prior.id, output: planned.input ?? null };
  },
  async delete() {},
  async import(_ctx, id) {
    return { id, input: null, output: null, triggers_replace: null };
  },
});

const builtinSchema = z.object({});

/**
 * The built-in `terraform` provider (`terraform.io/builtin/terraform`). `readRemoteState` is how its
 * `terraform_remote_state` reaches backends; without it that data source reports it is not available.
 */
export function terraformProvider(readRemoteState?: RemoteStateReader): Provider {
  return defineProvider<BuiltinClient, typeof builtinSchema>({
    name: "terraform",
    source: "terraform.io/builtin/terraform",
    version: "1.0.0",
    description: "Resources built into the plan engine.",
    schema: builtinSchema,
    attributes: {},
    async configure() {
      return readRemoteState ? { readRemoteState } : {};
    },
    resources: [terraformData],
    dataSources: [terraformRemoteState],
  });
}

/** The built-in provider without backends (schemas, and plans that read no remote state). */
export const builtinTerraformProvider = terraformProvider();
