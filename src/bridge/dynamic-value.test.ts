import { decode, encode, ExtData } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { UNKNOWN, type BlockJson } from "../sdk/index.js";
import { decodeDynamic, encodeDynamic } from "./dynamic-value.js";

const block: BlockJson = {
  description_kind: "plain",
  attributes: {
    name: { type: "string", description_kind: "plain", required: true },
    size: { type: "number", description_kind: "plain", optional: true },
    uuids: { type: ["set", "string"], description_kind: "plain", optional: true },
    input: { type: "dynamic", description_kind: "plain", optional: true },
  },
  block_types: {
    tags: { nesting_mode: "set", block: { description_kind: "plain", attributes: { key: { type: "string", description_kind: "plain", required: true } } } },
    timeouts: { nesting_mode: "single", block: { description_kind: "plain", attributes: { create: { type: "string", description_kind: "plain", optional: true } } } },
  },
};

describe("DynamicValue msgpack", () => {
  it("decodes every msgpack extension as unknown, and absent repeated blocks ([]) as null", () => {
    const wire = encode({ name: "a", size: new ExtData(0, new Uint8Array([0])), uuids: new ExtData(12, new Uint8Array([0x80])), input: null, tags: [], timeouts: null });
    expect(decodeDynamic({ msgpack: wire }, block)).toEqual({ name: "a", size: UNKNOWN, uuids: UNKNOWN, input: null, tags: null, timeouts: null });
  });

  it("encodes every attribute (missing ones as nil), unknown as ext 0, null repeated blocks as []", () => {
    const out = decode(encodeDynamic({ name: "a", size: UNKNOWN, tags: null }, block).msgpack) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(["input", "name", "size", "tags", "timeouts", "uuids"]);
    expect(out["size"]).toEqual(new ExtData(0, new Uint8Array([0])));
    expect(out["tags"]).toEqual([]);
    expect(out["uuids"]).toBeNull();
  });

  it("round-trips nested blocks, numbers and a dynamic value with its type", () => {
    const value = { name: "a", size: 2.5, uuids: ["x", "y"], input: { n: 1, s: ["a"] }, tags: [{ key: "k" }], timeouts: { create: "5m" } };
    const wire = encodeDynamic(value, block).msgpack;
    const raw = decode(wire) as Record<string, unknown>;
    expect(Buffer.from((raw["input"] as [Uint8Array, unknown])[0]).toString()).toBe('["object",{"n":"number","s":["tuple",["string"]]}]');
    expect(decodeDynamic({ msgpack: wire }, block)).toEqual(value);
  });

  it("reads the JSON encoding too, and names the attribute of a value of the wrong type", () => {
    expect(decodeDynamic({ json: Buffer.from('{"name":"j","size":3}') }, block)).toMatchObject({ name: "j", size: 3, tags: null });
    expect(() => decodeDynamic({ msgpack: encode({ name: "a", uuids: "not-a-set" }) }, block)).toThrow(/uuids: expected a set/);
  });

  it("a null object is null both ways", () => {
    expect(decodeDynamic({ msgpack: encodeDynamic(null, block).msgpack }, block)).toBeNull();
  });
});
