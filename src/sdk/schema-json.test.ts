import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";
import { fakeProvider } from "./fixture.test-support.js";
import { providersSchemaJson } from "./schema-json.js";

describe("providersSchemaJson", () => {
  it("renders Terraform's providers schema shape from zod plus flags", () => {
    const doc = providersSchemaJson([fakeProvider]);
    const p = doc.provider_schemas["registry.terraform.io/backplan/fake"]!;
    expect(p.provider.block.attributes!["token"]).toEqual({ type: "string", description_kind: "plain", optional: true, sensitive: true });
    const block = p.resource_schemas["fake_task"]!.block;
    expect(block.attributes!["resource_uuids"]).toEqual({ type: ["set", "string"], description_kind: "plain", required: true });
    expect(block.attributes!["max_latency"]).toEqual({ type: "number", description_kind: "plain", optional: true, computed: true });
    expect(block.attributes!["uuid"]).toMatchObject({ type: "string", computed: true, description: "The task's uuid." });
    expect(block.block_types!["schedule"]).toEqual({
      nesting_mode: "list",
      max_items: 2,
      block: {
        attributes: {
          enabled: { type: "bool", description_kind: "plain", optional: true },
          name: { type: "string", description_kind: "plain", required: true },
        },
        description_kind: "plain",
      },
    });
    expect(Object.keys(block.block_types!["timeouts"]!.block.attributes!)).toEqual(["create", "delete"]);
  });
});

describe("blockJson defaults", () => {
  it("marks a top-level optional attribute with a default computed, as Terraform requires", () => {
    const block = providersSchemaJson([fakeProvider]).provider_schemas["registry.terraform.io/backplan/fake"]!.resource_schemas["fake_task"]!.block;
    expect(block.attributes!["description"]).toMatchObject({ optional: true, computed: true });
    expect(block.block_types!["schedule"]!.block.attributes!["enabled"]!.computed).toBeUndefined();
  });
});

describe("parseDuration", () => {
  it.each([
    ["30m", 1_800_000],
    ["1h30m", 5_400_000],
    ["45s", 45_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "5 m", "3d", "m"])("%j is not a duration", (text) => expect(parseDuration(text)).toBeUndefined());
});
