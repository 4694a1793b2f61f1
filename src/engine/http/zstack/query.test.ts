import { describe, expect, it } from "vitest";
import { parseCondition, parseQuery, type QuerySchema } from "./query.js";

const schema: QuerySchema = {
  name: "CdpTaskInventory",
  fields: { uuid: "string", name: "string", maxLatency: "number", createDate: "timestamp", shareable: "boolean", resourceRefs: "list" },
};

const q = (...parts: [string, string][]) => parseQuery(new URLSearchParams(parts), schema);

describe("parseCondition", () => {
  it.each([
    ["equality", "name=web", { path: ["name"], op: "=", value: "web" }],
    ["inequality before equality", "name!=web", { path: ["name"], op: "!=", value: "web" }],
    ["greater-or-equal on a number field", "maxLatency>=600", { path: ["maxLatency"], op: ">=", value: 600 }],
    ["less-or-equal", "maxLatency<=5", { path: ["maxLatency"], op: "<=", value: 5 }],
    ["greater", "maxLatency>5", { path: ["maxLatency"], op: ">", value: 5 }],
    ["less", "maxLatency<5", { path: ["maxLatency"], op: "<", value: 5 }],
    ["in with comma-separated values", "uuid?=a,b,c", { path: ["uuid"], op: "?=", values: ["a", "b", "c"] }],
    ["not in", "uuid!?=a,b", { path: ["uuid"], op: "!?=", values: ["a", "b"] }],
    ["is null", "name is null", { path: ["name"], op: "is null" }],
    ["not null", "name not null", { path: ["name"], op: "not null" }],
    ["a nested field of a list", "resourceRefs.resourceUuid=x", { path: ["resourceRefs", "resourceUuid"], op: "=", value: "x" }],
    ["a value holding a later operator", "name=a>b", { path: ["name"], op: "=", value: "a>b" }],
    ["an untrimmed value", "name= web", { path: ["name"], op: "=", value: " web" }],
    ["a boolean", "shareable=true", { path: ["shareable"], op: "=", value: true }],
  ])("parses %s", (_name, text, expected) => {
    expect(parseCondition(text, schema)).toEqual(expected);
  });

  it("parses like and not-like into case-insensitive patterns", () => {
    const like = parseCondition("name~=we%", schema);
    expect(like.op).toBe("~=");
    expect("pattern" in like && like.pattern.test("WEB-1")).toBe(true);
    expect(parseCondition("name!~=a_c", schema).op).toBe("!~=");
  });

  it("types timestamps from ZStack text or epoch milliseconds", () => {
    const ms = new Date(2017, 10, 14, 22, 20, 57).getTime();
    expect(parseCondition("createDate>Nov 14, 2017 10:20:57 PM", schema)).toEqual({ path: ["createDate"], op: ">", value: ms });
    expect(parseCondition(`createDate<${ms}`, schema)).toEqual({ path: ["createDate"], op: "<", value: ms });
  });
});

describe("parseQuery", () => {
  it("applies the defaults: limit 1000, start 0, no count", () => {
    expect(q()).toEqual({ ok: true, query: { conditions: [], limit: 1000, start: 0, count: false, replyWithCount: false } });
  });

  it("reads paging, counting, sort and fields", () => {
    const r = q(["limit", "5"], ["start", "10"], ["count", "true"], ["replyWithCount", "true"], ["sort", "-name"], ["fields", "uuid,name"]);
    expect(r).toEqual({
      ok: true,
      query: { conditions: [], limit: 5, start: 10, count: true, replyWithCount: true, sort: { field: "name", direction: "desc" }, fields: ["uuid", "name"] },
    });
  });

  it("reads '+field' (decoded as a space) and a bare field as ascending", () => {
    expect(q(["sort", " name"]).ok && (q(["sort", " name"]) as { query: { sort: unknown } }).query.sort).toEqual({ field: "name", direction: "asc" });
    expect((q(["sort", "name"]) as { query: { sort: unknown } }).query.sort).toEqual({ field: "name", direction: "asc" });
  });

  it.each([
    ["a condition without operator", [["q", "name"]], "doesn't contain any query operator"],
    ["an unknown field", [["q", "colour=red"]], "'colour' in the parameter[q] 'colour=red' is not a queryable field of CdpTaskInventory"],
    ["a nested field of a scalar", [["q", "name.first=x"]], "has no nested field 'first'"],
    ["an empty field", [["q", "=x"]], "has no field name"],
    ["a non-numeric value for a number field", [["q", "maxLatency>abc"]], "must be a number"],
    ["a bad timestamp", [["q", "createDate>yesterday"]], "must be a timestamp"],
    ["a non-integer limit", [["limit", "ten"]], "'limit' must be an integer"],
    ["a negative start", [["start", "-1"]], "'start' must be an integer"],
    ["a non-boolean count", [["count", "yes"]], "'count' must be true or false"],
    ["sorting by an unknown field", [["sort", "+colour"]], "'sort' names 'colour'"],
    ["sorting by a list", [["sort", "resourceRefs"]], "not a primitive field"],
    ["projecting an unknown field", [["fields", "uuid,colour"]], "'fields' names 'colour'"],
  ] as [string, [string, string][], string][])("rejects %s with a message naming it", (_name, parts, message) => {
    const r = q(...parts);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });
});
