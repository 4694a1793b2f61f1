import { describe, expect, it } from "vitest";
import { formatOutputValue, outputsJson } from "./output.js";

describe("formatOutputValue (Terraform's `output` layout)", () => {
  const cases: [string, Parameters<typeof formatOutputValue>[0], Parameters<typeof formatOutputValue>[1], string][] = [
    ["a string is quoted", "x", "string", '"x"'],
    ["a multi-line string is a heredoc", "a\nb\n", "string", "<<EOT\na\nb\n\nEOT"],
    ["numbers and bools as they are", 1.5, "number", "1.5"],
    ["null", null, "string", "null"],
    ["a tuple is a bracketed list with trailing commas", [1, "b"], ["tuple", ["number", "string"]], '[\n  1,\n  "b",\n]'],
    ["a list is wrapped in tolist", ["a"], ["list", "string"], 'tolist([\n  "a",\n])'],
    ["a set is wrapped in toset", ["a", "b"], ["set", "string"], 'toset([\n  "a",\n  "b",\n])'],
    ["a map is wrapped in tomap with quoted keys", { "a b": "c", d: "e" }, ["map", "string"], 'tomap({\n  "a b" = "c"\n  "d" = "e"\n})'],
    ["an object has quoted, sorted keys", { b: [], a: {} }, ["object", { a: ["object", {}], b: ["tuple", []] }], '{\n  "a" = {}\n  "b" = []\n}'],
    [
      "nested values indent two spaces per level and keep their own types",
      { l: [["x"]] },
      ["object", { l: ["list", ["set", "string"]] }],
      '{\n  "l" = tolist([\n    toset([\n      "x",\n    ]),\n  ])\n}',
    ],
  ];
  for (const [name, value, type, want] of cases) it(name, () => expect(formatOutputValue(value, type)).toBe(want));
});

describe("outputsJson", () => {
  it("writes sensitive, type, value per output, names sorted, sensitive values in clear", () => {
    const text = outputsJson({ z: { value: 1, type: "number", sensitive: false }, a: { value: "s", type: "string", sensitive: true } });
    expect(text).toBe('{\n  "a": {\n    "sensitive": true,\n    "type": "string",\n    "value": "s"\n  },\n  "z": {\n    "sensitive": false,\n    "type": "number",\n    "value": 1\n  }\n}');
  });
});
