import { describe, expect, it } from "vitest";
import { z } from "zod";
import { computed, defineProvider, defineResource, PartialCreateError, required, type SdkObject } from "../sdk/index.js";
import { decodeDynamic, encodeDynamic } from "./dynamic-value.js";
import { ProviderService } from "./provider-service.js";

/** A resource whose server picks the id (no client id), like a CSBS checkpoint, and whose create can outlive its timeout. */
const schema = z.object({ id: z.string().nullable(), name: z.string(), status: z.string().nullable() });
const slow = defineResource<null, typeof schema>({
  type: "slow_backup",
  description: "A backup the server names.",
  schema,
  attributes: { id: computed({ stable: true }), name: required({ forceNew: true }), status: computed() },
  timeouts: { create: "1m" },
  async read() {
    return null;
  },
  async create(_ctx, planned) {
    if (planned.name === "slow") throw new PartialCreateError("still protecting at the timeout", { ...planned, id: "cp-1", status: "protecting" });
    throw new Error("refused");
  },
  async delete() {},
});
const provider = defineProvider<null, z.ZodObject<Record<string, never>>>({
  name: "slowp",
  source: "backplan/slowp",
  version: "0.1.0",
  description: "test",
  schema: z.object({}),
  attributes: {},
  async configure() {
    return null;
  },
  resources: [slow],
  dataSources: [],
});

async function apply(name: string) {
  const s = new ProviderService(provider, {});
  await s.configureProvider({ config: encodeDynamic({}, s.schema.provider.block) });
  const block = s.resourceBlock("slow_backup");
  const config: SdkObject = { id: null, name, status: null, timeouts: null };
  const planned = s.planResourceChange({ type_name: "slow_backup", prior_state: encodeDynamic(null, block), proposed_new_state: encodeDynamic(config, block), config: encodeDynamic(config, block) });
  const r = await s.applyResourceChange({ type_name: "slow_backup", prior_state: encodeDynamic(null, block), planned_state: planned.planned_state!, config: encodeDynamic(config, block) });
  return { diagnostics: r.diagnostics, state: r.new_state ? decodeDynamic(r.new_state, block) : null };
}

describe("a partial create through the bridge", () => {
  it("returns the started object with the error, which Terraform records as tainted", async () => {
    const r = await apply("slow");
    expect(r.diagnostics).toEqual([expect.objectContaining({ summary: "Error creating slow_backup", detail: expect.stringContaining("still protecting") })]);
    expect(r.state).toMatchObject({ id: "cp-1", name: "slow", status: "protecting" });
  });

  it("returns no object when the create failed before anything existed", async () => {
    const r = await apply("fast");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.state).toBeNull();
  });
});
