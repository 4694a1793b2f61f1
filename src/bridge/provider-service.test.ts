import { decode, encode, ExtData } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { fakeProvider } from "../sdk/fixture.test-support.js";
import { UNKNOWN, type SdkObject } from "../sdk/index.js";
import { decodeDynamic, encodeDynamic } from "./dynamic-value.js";
import { ProviderService } from "./provider-service.js";

const svc = () => new ProviderService(fakeProvider, {});
const block = () => svc().resourceBlock("fake_task");
const dv = (o: SdkObject | null) => encodeDynamic(o, block());
const read = (v: { msgpack: Uint8Array } | undefined) => decodeDynamic(v, block());

const config: SdkObject = {
  name: "t1",
  description: null,
  policy_uuid: "p".repeat(32),
  resource_uuids: ["a", "b"],
  max_latency: null,
  password: null,
  schedule: null,
  timeouts: { create: "1m", delete: null },
};

describe("ProviderService.planResourceChange", () => {
  it("plans a create with sdk semantics: defaults applied, computed unknown, timeouts kept from config", () => {
    const r = svc().planResourceChange({ type_name: "fake_task", prior_state: dv(null), proposed_new_state: dv(config), config: dv(config) });
    expect(r.diagnostics).toEqual([]);
    const planned = read(r.planned_state);
    expect(planned).toMatchObject({ name: "t1", description: "", uuid: UNKNOWN, status: UNKNOWN, max_latency: UNKNOWN, timeouts: { create: "1m" } });
    expect(r.requires_replace).toEqual([]);
  });

  it("reports a forceNew change as requires_replace AttributePaths", async () => {
    const s = svc();
    await s.configureProvider({ config: encodeDynamic({ endpoint: null, token: null }, s.schema.provider.block) });
    const created = await s.applyResourceChange({
      type_name: "fake_task",
      prior_state: dv(null),
      planned_state: s.planResourceChange({ type_name: "fake_task", prior_state: dv(null), proposed_new_state: dv(config), config: dv(config) }).planned_state!,
      config: dv(config),
    });
    expect(created.diagnostics).toEqual([]);
    const state = read(created.new_state)!;
    expect(state).toMatchObject({ name: "t1", status: "Created", max_latency: 600000 });
    expect(state["timeouts"]).toEqual({ create: "1m", delete: null });

    const changed = { ...config, policy_uuid: "q".repeat(32) };
    const r = s.planResourceChange({ type_name: "fake_task", prior_state: created.new_state!, proposed_new_state: dv(changed), config: dv(changed) });
    expect(r.requires_replace).toEqual([{ steps: [{ attribute_name: "policy_uuid" }] }]);
    expect(read(r.planned_state)!["uuid"]).toBe(UNKNOWN);

    const same = s.planResourceChange({ type_name: "fake_task", prior_state: created.new_state!, proposed_new_state: dv(config), config: dv(config) });
    expect(read(same.planned_state)).toEqual(state);
  });
});

describe("ProviderService errors and validation", () => {
  it("validates against the sdk rules with attribute paths, ignoring the timeouts block but checking its durations", () => {
    const bad = { ...config, name: "", timeouts: { create: "soon", delete: null } };
    const r = svc().validateResourceConfig({ type_name: "fake_task", config: dv(bad) });
    const paths = r.diagnostics.map((d) => d.attribute?.steps.map((s) => s.attribute_name).join("."));
    expect(paths).toEqual(["name", "timeouts.create"]);
    expect(r.diagnostics[1]!.detail).toMatch(/"soon" is not a duration/);
  });

  it("answers operations before ConfigureProvider and on unknown types with diagnostics, not failures", async () => {
    const s = svc();
    expect((await s.readResource({ type_name: "fake_task", current_state: dv({ ...config, uuid: "x" }) })).diagnostics[0]!.summary).toBe("Provider not configured");
    expect(s.planResourceChange({ type_name: "fake_nope", prior_state: dv(null) }).diagnostics[0]!.summary).toBe("Unknown resource type");
  });

  it("upgrades a stored JSON state: missing attributes null, unknown keys dropped, [] blocks as []", () => {
    const json = Buffer.from(JSON.stringify({ uuid: "u", name: "n", stray: 1 }));
    const r = svc().upgradeResourceState({ type_name: "fake_task", version: 0, raw_state: { json } });
    const raw = decode(r.upgraded_state!.msgpack) as Record<string, unknown>;
    expect(raw).toMatchObject({ uuid: "u", name: "n", status: null, schedule: [], timeouts: null });
    expect("stray" in raw).toBe(false);
  });

  it("an unknown in a planned value sent back by Terraform arrives at create as null", () => {
    const wire = encode({ ...Object.fromEntries(Object.keys(decode(dv(config).msgpack) as object).map((k) => [k, null])), name: "x", status: new ExtData(0, new Uint8Array([0])) });
    expect(read({ msgpack: wire })!["status"]).toBe(UNKNOWN);
  });
});
