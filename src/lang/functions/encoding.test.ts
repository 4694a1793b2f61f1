import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";

const fixedClock = functionContext({
  now: () => new Date("2026-11-25T16:30:00.123Z"),
  randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
});

function value(src: string, scope: Scope = { functions: fixedClock }): Shown {
  const r = evalHcl(src, scope);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("encoding functions", () => {
  it.each<[string, string, Shown]>([
    ["jsonencode sorts keys and writes integers plainly", `jsonencode({b = [1, true, null], a = "x", n = 10000000000})`, '{"a":"x","b":[1,true,null],"n":10000000000}'],
    ["jsonencode escapes HTML-significant characters like Terraform", `jsonencode("<a&b>")`, '"\\u003ca\\u0026b\\u003e"'],
    ["jsondecode builds values", `jsondecode("{\\"a\\": [1, \\"x\\", null]}")`, { a: [1, "x", null] }],
    ["jsondecode round-trips jsonencode", `jsondecode(jsonencode({a = {b = [1]}})).a.b[0]`, 1],
    ["base64encode", `base64encode("hello")`, "aGVsbG8="],
    ["base64decode", `base64decode("aGVsbG8=")`, "hello"],
    ["urlencode escapes like a query string", `urlencode("a b&c/d~")`, "a+b%26c%2Fd~"],
    ["csvdecode turns rows into objects keyed by the header", `csvdecode("name,size\\nvm1,10\\n\\"vm,2\\",\\"2\\"\\"\\"\\n")`, [{ name: "vm1", size: "10" }, { name: "vm,2", size: '2"' }]],
    ["textencodebase64 in UTF-16LE", `textencodebase64("hi", "UTF-16LE")`, "aABpAA=="],
    ["yamlencode writes block YAML", `yamlencode({b = ["x", 1], a = {c = true}})`, '"a":\n  "c": true\n"b":\n- "x"\n- 1\n'],
    ["yamlencode of a list of objects", `yamlencode([{a = 1, b = 2}])`, '- "a": 1\n  "b": 2\n'],
    ["yamlencode of nested lists", `yamlencode([[1, 2], [3]])`, "- - 1\n  - 2\n- - 3\n"],
    ["yamlencode writes multi-line strings as literal blocks", `yamlencode({s = "multi\\nline\\n", t = "a\\nb"})`, '"s": |\n  multi\n  line\n"t": |-\n  a\n  b\n'],
    ["yamlencode of empty collections", `yamlencode({a = [], b = {}})`, '"a": []\n"b": {}\n'],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it.each<[string, string, RegExp]>([
    ["jsondecode of bad JSON", `jsondecode("{")`, /invalid JSON/],
    ["csvdecode with a short record", `csvdecode("a,b\\n1")`, /record on line 2: wrong number of fields \(expected 2, got 1\)/],
    ["base64decode of bad input", `base64decode("a?")`, /not valid base64/],
    ["base64decode of non-UTF-8 bytes", `base64decode("/w==")`, /not valid UTF-8/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
