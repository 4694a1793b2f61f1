import { describe, expect, it } from "vitest";
import { parseQuery, type QuerySchema } from "./query.js";
import { matches, QueryBudgetError, runQuery, valuesAt, type Queryable } from "./query-eval.js";

const schema: QuerySchema = {
  name: "VmInstanceInventory",
  fields: { uuid: "string", name: "string", memorySize: "number", description: "string", vmNics: "list", createDate: "timestamp", shareable: "boolean" },
};

const docs: Queryable[] = [
  { uuid: "a", name: "web-1", memorySize: 1024, createDate: 3, shareable: false, vmNics: [{ ip: "10.0.0.1" }, { ip: "10.0.1.1" }] },
  { uuid: "b", name: "web-2", memorySize: 2048, description: "db", createDate: 1, shareable: true, vmNics: [{ ip: "10.0.0.2" }] },
  { uuid: "c", name: "db-1", memorySize: 4096, createDate: 2, shareable: false, vmNics: [] },
];
const source = { all: () => docs, byUuid: (u: string) => docs.find((d) => d.uuid === u) };

function run(...parts: [string, string][]) {
  const parsed = parseQuery(new URLSearchParams(parts), schema);
  if (!parsed.ok) throw new Error(parsed.message);
  const r = runQuery(parsed.query, source, (d) => d);
  return { uuids: r.items.map((i) => i.uuid), total: r.total };
}

describe("runQuery", () => {
  it.each([
    ["= on a string", "name=web-2", ["b"]],
    ["!= on a string", "name!=web-2", ["a", "c"]],
    ["> on a number", "memorySize>1024", ["b", "c"]],
    ["< on a number", "memorySize<2048", ["a"]],
    [">= on a number", "memorySize>=2048", ["b", "c"]],
    ["<= on a number", "memorySize<=2048", ["a", "b"]],
    ["?= in a list of values", "name?=db-1,web-1", ["a", "c"]],
    ["!?= not in a list of values", "name!?=db-1,web-1", ["b"]],
    ["~= like", "name~=web%", ["a", "b"]],
    ["!~= not like", "name!~=web%", ["c"]],
    ["is null", "description is null", ["a", "c"]],
    ["not null", "description not null", ["b"]],
    ["= on a boolean", "shareable=true", ["b"]],
    ["a nested field matching any element", "vmNics.ip=10.0.1.1", ["a"]],
    ["a nested like", "vmNics.ip~=10.0.0.%", ["a", "b"]],
    ["a nested not-equal needing no element to match", "vmNics.ip!=10.0.0.1", ["b"]],
    ["an empty nested list as null", "vmNics.ip is null", ["c"]],
    ["uuid= through a direct lookup", "uuid=b", ["b"]],
    ["uuid?= through lookups, in the given order, skipping unknown uuids", "uuid?=c,zz,a,c", ["c", "a"]],
    ["a timestamp range", "createDate>1", ["a", "c"]],
  ])("selects with %s", (_name, cond, expected) => {
    expect(run(["q", cond]).uuids).toEqual(expected);
  });

  it("ANDs repeated conditions, also after a uuid lookup", () => {
    expect(run(["q", "name~=web%"], ["q", "memorySize>1024"]).uuids).toEqual(["b"]);
    expect(run(["q", "uuid?=a,b,c"], ["q", "memorySize>1024"]).uuids).toEqual(["b", "c"]);
  });

  it("pages after filtering and reports the total before paging", () => {
    expect(run(["limit", "1"], ["start", "1"])).toEqual({ uuids: ["b"], total: 3 });
    expect(run(["start", "5"])).toEqual({ uuids: [], total: 3 });
  });

  it("sorts ascending and descending, stable for ties", () => {
    expect(run(["sort", "-memorySize"]).uuids).toEqual(["c", "b", "a"]);
    expect(run(["sort", "+createDate"]).uuids).toEqual(["b", "c", "a"]);
    expect(run(["sort", "description"]).uuids).toEqual(["a", "c", "b"]);
  });
});

describe("valuesAt and matches", () => {
  it("descends through lists and drops nulls", () => {
    expect(valuesAt({ a: [{ b: 1 }, { b: null }, { b: [2, 3] }] }, ["a", "b"])).toEqual([1, 2, 3]);
  });

  it("never matches a comparison against a missing value", () => {
    expect(matches({ uuid: "x" }, { path: ["name"], op: "!=", value: "y" })).toBe(false);
    expect(matches({ uuid: "x" }, { path: ["name"], op: ">", value: "y" })).toBe(false);
  });
});

describe("runQuery budget", () => {
  it("stops a query that runs past its budget instead of holding the event loop", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ uuid: String(i), name: `n${i}` }));
    let t = 0;
    const clock = { ms: 10, now: () => (t += 1) };
    const parsed = parseQuery(new URLSearchParams([["q", "name~=%n%"]]), schema);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(() => runQuery(parsed.query, { all: () => many, byUuid: () => undefined }, (d) => d, clock)).toThrow(QueryBudgetError);
  });
});

describe("prototype names", () => {
  it.each(["__proto__", "toString", "constructor", "valueOf", "hasOwnProperty"])("'%s' as a field is an unknown field, named in the message", (field) => {
    const parsed = parseQuery(new URLSearchParams([["q", `${field}=1`]]), schema);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(`'${field}'`);
  });

  it("a nested prototype name matches nothing", () => {
    expect(run(["q", "vmNics.__proto__ not null"]).uuids).toEqual([]);
    expect(run(["q", "vmNics.constructor not null"]).uuids).toEqual([]);
  });
});
