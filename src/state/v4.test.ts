import { describe, expect, it } from "vitest";
import { State, StateError } from "./state.js";
import { decodeStateV4, encodeStateV4 } from "./v4.js";

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
});
