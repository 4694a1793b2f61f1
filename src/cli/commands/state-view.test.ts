import { describe, expect, it } from "vitest";
import { State } from "../../state/state.js";
import { defaultRegistry } from "../workspace.js";
import { renderStateText, renderValue, viewStateJson } from "./state-view.js";

const TD = 'provider["terraform.io/builtin/terraform"]';

function sample(): State {
  const s = new State({ lineage: "l", serial: 1 });
  s.setInstance(
    "terraform_data.a",
    { schemaVersion: 0, attributes: { id: "i1", input: { value: { k: "v", n: null }, type: ["object", { k: "string", n: "string" }] }, output: null, triggers_replace: null }, sensitiveAttributes: [], dependencies: [] },
    { provider: TD },
  );
  s.setInstance(
    'terraform_data.c["k"]',
    { schemaVersion: 0, attributes: { id: "i2", input: { value: "secret", type: "string" }, output: null, triggers_replace: null }, sensitiveAttributes: [[{ type: "get_attr", value: "input" }]], dependencies: [], status: "tainted" },
    { provider: TD },
  );
  s.setInstance("module.m.terraform_data.x", { schemaVersion: 0, attributes: { id: "i3", input: null, output: null, triggers_replace: null }, sensitiveAttributes: [], dependencies: [] }, { provider: TD });
  s.setOutput("o", { value: [1, 2], type: ["tuple", ["number", "number"]], sensitive: false });
  s.setOutput("p", { value: "pw", type: "string", sensitive: true });
  return s;
}

describe("viewStateJson", () => {
  it("unwraps dynamic attributes from their {value, type} storage form", () => {
    const view = viewStateJson(sample(), defaultRegistry());
    expect(view.resources![0]!.instances[0]!.attributes!["input"]).toEqual({ k: "v", n: null });
  });

  it("leaves resources of unknown providers as stored", () => {
    const s = new State();
    s.setInstance("x_y.z", { schemaVersion: 0, attributes: { input: { value: 1, type: "number" } }, sensitiveAttributes: [], dependencies: [] }, { provider: 'provider["example.com/x/x"]' });
    expect(viewStateJson(s, defaultRegistry()).resources![0]!.instances[0]!.attributes!["input"]).toEqual({ value: 1, type: "number" });
  });
});

describe("renderStateText", () => {
  it("prints blocks, notes, masked values, module spacing and outputs as terraform show does", () => {
    expect(renderStateText(viewStateJson(sample(), defaultRegistry()))).toBe(
      [
        "# terraform_data.a:",
        'resource "terraform_data" "a" {',
        '    id    = "i1"',
        "    input = {",
        '        k = "v"',
        "    }",
        "}",
        "",
        '# terraform_data.c["k"]: (tainted)',
        'resource "terraform_data" "c" {',
        '    id    = "i2"',
        "    input = (sensitive value)",
        "}",
        "",
        "",
        "# module.m.terraform_data.x:",
        'resource "terraform_data" "x" {',
        '    id = "i3"',
        "}",
        "",
        "",
        "Outputs:",
        "",
        "o = [",
        "    1,",
        "    2,",
        "]",
        "p = (sensitive value)",
        "",
      ].join("\n"),
    );
  });

  it('says "No state." for an empty state', () => {
    expect(renderStateText({ version: 4 })).toBe("No state.\n");
  });
});

describe("renderValue", () => {
  it("renders multi-line strings as indented heredocs and empty collections inline", () => {
    expect(renderValue({ s: "a\nb\n", l: [], o: {} }, 1)).toBe('{\n        l = []\n        o = {}\n        s = <<-EOT\n            a\n            b\n        EOT\n    }');
  });

  it("quotes keys that are not identifiers", () => {
    expect(renderValue({ "a b": 1 }, 0)).toBe('{\n    "a b" = 1\n}');
  });
});
