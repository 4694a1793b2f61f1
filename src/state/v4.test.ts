import { describe, expect, it } from "vitest";
import { State, StateError } from "./state.js";
import { CachedV4Encoder, decodeStateV4, encodeStateV4, v4Checks } from "./v4.js";

const P = 'provider["registry.terraform.io/backplan/zstack"].west';

describe("state format v4", () => {
  it("writes Terraform's layout: key order, omitted empties, sorted attributes, trailing newline", () => {
    const s = new State({ lineage: "2ef6924b-2859-7d79-c6a0-811db4b82311", serial: 7 });
    s.setInstance(
      'module.a.zstack_cdp_task.t["k"]',
      {
        schemaVersion: 1,
        attributes: { uuid: "u", name: "n" },
        sensitiveAttributes: [[{ type: "get_attr", value: "password" }]],
        private: "eyJhIjoxfQ==",
        dependencies: ["zstack_cdp_policy.p"],
        status: "tainted",
        createBeforeDestroy: true,
      },
      { provider: P },
    );
    s.setOutput("o", { value: "v", type: "string", sensitive: true });
    expect(encodeStateV4(s)).toBe(`{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 7,
  "lineage": "2ef6924b-2859-7d79-c6a0-811db4b82311",
  "outputs": {
    "o": {
      "value": "v",
      "type": "string",
      "sensitive": true
    }
  },
  "resources": [
    {
      "module": "module.a",
      "mode": "managed",
      "type": "zstack_cdp_task",
      "name": "t",
      "provider": "provider[\\"registry.terraform.io/backplan/zstack\\"].west",
      "instances": [
        {
          "index_key": "k",
          "status": "tainted",
          "schema_version": 1,
          "attributes": {
            "name": "n",
            "uuid": "u"
          },
          "sensitive_attributes": [
            [
              {
                "type": "get_attr",
                "value": "password"
              }
            ]
          ],
          "private": "eyJhIjoxfQ==",
          "dependencies": [
            "zstack_cdp_policy.p"
          ],
          "create_before_destroy": true
        }
      ]
    }
  ],
  "check_results": null
}
`);
  });

  it("round-trips deposed objects, identity and check results", () => {
    const s = new State();
    const o = { schemaVersion: 0, attributes: { id: "1" }, sensitiveAttributes: [], dependencies: [] };
    s.setInstance("x.y[0]", o, { provider: P });
    s.setInstance("x.y[0]", { ...o, attributes: { id: "0" }, identitySchemaVersion: 2, identity: { id: "0" } }, { deposed: "00000001" });
    s.setCheckResults([{ objectKind: "resource", configAddr: "x.y", status: "fail", objects: [{ objectAddr: "x.y[0]", status: "fail", failureMessages: ["bad"] }] }]);
    const text = encodeStateV4(s);
    const back = decodeStateV4(text);
    expect(back.getInstance("x.y[0]", { deposed: "00000001" })).toMatchObject({ identitySchemaVersion: 2, identity: { id: "0" } });
    expect(back.checkResults()).toEqual(s.checkResults());
    expect(encodeStateV4(back)).toBe(text);
  });

  it.each([
    ["not json", "{", "terraform.tfstate: not valid JSON"],
    ["an old format", '{"version":3,"serial":1}', "state format version 3 is not supported"],
    [
      "a bad schema_version",
      '{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","outputs":{},"resources":[{"mode":"managed","type":"t","name":"n","provider":"p","instances":[{"schema_version":"x"}]}]}',
      "terraform.tfstate: invalid state: resources[0].instances[0].schema_version",
    ],
    [
      "an output without a value",
      '{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","outputs":{"o":{"type":"string"}}}',
      "terraform.tfstate: invalid state: outputs.o.value",
    ],
    [
      "a bad mode",
      '{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","resources":[{"mode":"weird","type":"t","name":"n","provider":"p","instances":[]}]}',
      "resources[0].mode",
    ],
    [
      "a duplicate instance",
      '{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","resources":[{"mode":"managed","type":"t","name":"n","provider":"p","instances":[{"index_key":1,"schema_version":0,"attributes":{}},{"index_key":1,"schema_version":0,"attributes":{}}]}]}',
      "resources[0].instances[1]: instance 1 appears more than once",
    ],
  ])("rejects %s with a message naming the place", (_, text, message) => {
    expect(() => decodeStateV4(text, "terraform.tfstate")).toThrow(StateError);
    expect(() => decodeStateV4(text, "terraform.tfstate")).toThrow(message);
  });

  it("the cached encoder writes encodeStateV4's bytes through every kind of change (a stale cached resource would differ)", () => {
    const s = new State({ lineage: "2ef6924b-2859-7d79-c6a0-811db4b82311", serial: 1 });
    const enc = new CachedV4Encoder();
    const same = () => expect(enc.encode(s).toString("utf8")).toBe(encodeStateV4(s));
    same(); // empty state: "resources": []
    const obj = (n: number) => ({ schemaVersion: 0, attributes: { id: `i${n}`, html: "<&>\u2028", n }, sensitiveAttributes: [], dependencies: [] });
    for (let i = 0; i < 5; i++) s.setInstance(`zstack_cdp_task.t${i}`, obj(i), { provider: P });
    s.setInstance("module.m.zstack_cdp_task.c[0]", obj(10), { provider: P });
    s.setInstance("module.m.zstack_cdp_task.c[1]", obj(11), { provider: P });
    same();
    s.setInstance("zstack_cdp_task.t2", obj(22)); // changed resource
    s.setInstance("zstack_cdp_task.t0", obj(0), { deposed: "0a0b0c0d" }); // deposed object
    s.removeInstance("module.m.zstack_cdp_task.c[0]"); // instance removed, resource stays
    s.removeInstance("zstack_cdp_task.t4"); // resource gone
    s.setEachMode({ module: [{ name: "m" }], mode: "managed", type: "zstack_cdp_task", name: "c" }, "list");
    s.setOutput("o", { value: { a: [1, 2] }, type: ["object", { a: ["list", "number"] }], sensitive: false });
    s.setCheckResults([{ objectKind: "resource", configAddr: "zstack_cdp_task.t1", status: "pass", objects: [] }]);
    s.serial = 2;
    same();
    // A state replaced wholesale (a refresh written by `replaceState`) shares no cached resource.
    const other = s.clone();
    other.setInstance("zstack_cdp_task.t1", obj(99));
    s.assign(other);
    same();
  });

  // The decoder reads a document in place when a quick check says the schema would take it unchanged. The check
  // must never pass what the schema refuses: every field of a rich document, set to each kind of wrong value.
  it("reads in place only what the schema accepts (every field, every kind of wrong value)", () => {
    const rich = JSON.parse(encodeStateV4(richState())) as Record<string, unknown>;
    expect(v4Checks.isPlain(rich)).toBe(true);
    const wrong: unknown[] = [undefined, null, "", "x", -1, 1.5, 0, true, [], {}, [{}], ["x"], "eyJhIjoxfQ", "0000000g"];
    let checked = 0;
    for (const path of leafAndBranchPaths(rich)) {
      for (const w of wrong) {
        const doc = structuredClone(rich);
        setPath(doc, path, w);
        if (v4Checks.isPlain(doc)) {
          expect(v4Checks.schemaAccepts(doc), `${path.join(".")} = ${JSON.stringify(w)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("decodes what the quick check leaves to the schema as before (extra keys dropped)", () => {
    const doc = JSON.parse(encodeStateV4(richState())) as { resources: { instances: { sensitive_attributes: Record<string, unknown>[][] }[] }[] };
    doc.resources[0]!.instances[0]!.sensitive_attributes[0]![0]!["note"] = "not Terraform's";
    expect(v4Checks.isPlain(doc)).toBe(false);
    expect(encodeStateV4(decodeStateV4(JSON.stringify(doc)))).toBe(encodeStateV4(richState()));
  });
});

function richState(): State {
  const s = new State({ lineage: "2ef6924b-2859-7d79-c6a0-811db4b82311", serial: 3 });
  const base = { schemaVersion: 1, attributes: { id: "1", n: 2, list: [1, "a"], nested: { a: null } }, sensitiveAttributes: [[{ type: "get_attr" as const, value: "n" }], [{ type: "get_attr" as const, value: "list" }, { type: "index" as const, value: { value: 0, type: "number" } }]], dependencies: ["x.z"] };
  s.setInstance('module.m["k"].x.y[0]', { ...base, private: "eyJhIjoxfQ==", status: "tainted", createBeforeDestroy: true, identitySchemaVersion: 1, identity: { id: "1" } }, { provider: P });
  s.setInstance('module.m["k"].x.y[0]', base, { deposed: "0a0b0c0d" });
  s.setInstance('x.y["s"]', base, { provider: P });
  s.setInstance("data.x.d", { ...base, dependencies: [] }, { provider: P });
  s.setEachMode({ module: [], mode: "managed", type: "x", name: "y" }, "map");
  s.setOutput("o", { value: { a: [1] }, type: ["object", { a: ["list", "number"] }], sensitive: true });
  s.setCheckResults([{ objectKind: "resource", configAddr: "x.y", status: "fail", objects: [{ objectAddr: 'x.y["s"]', status: "fail", failureMessages: ["bad"] }] }]);
  return s;
}

/** Every path to a value in `v` (objects and arrays included), as keys and indexes. */
function leafAndBranchPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...leafAndBranchPaths(x, [...at, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...leafAndBranchPaths(x, [...at, k]));
  return out;
}

function setPath(doc: unknown, path: readonly (string | number)[], value: unknown): void {
  let cur = doc as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) cur = cur[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined && !Array.isArray(cur)) delete cur[last];
  else cur[last] = value;
}
