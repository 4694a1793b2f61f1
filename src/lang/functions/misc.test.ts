import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";
import { markSensitive, UNKNOWN } from "../value.js";

const fixedClock = functionContext({
  now: () => new Date("2026-11-25T16:30:00.123Z"),
  randomUUID: () => "6f1c2f4e-0000-4000-8000-000000000001",
});

function value(src: string, scope: Scope = { functions: fixedClock }): Shown {
  const r = evalHcl(src, { variables: { var: { secret: markSensitive("pw"), pending: UNKNOWN } }, ...scope });
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("type conversion functions", () => {
  it.each<[string, string, Shown]>([
    ["tostring of a number", `tostring(12)`, "12"],
    ["tostring of a large integer has no exponent", `tostring(100000000000000000000000)`, "100000000000000000000000"],
    ["tostring of null is null", `tostring(null)`, null],
    ["tonumber of numeric text", `tonumber("3.25")`, 3.25],
    ["tobool of text", `tobool("true")`, true],
    ["tostring of an unknown is an unknown string", `tostring(var.pending)`, { $unknown: "string" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it.each<[string, string, RegExp]>([
    ["tostring of a list", `tostring(["a"])`, /cannot convert tuple to string/],
    ["tonumber of a word", `tonumber("ten")`, /a number is required/],
    ["tobool of a number", `tobool(1)`, /cannot convert number to bool/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});

describe("numeric functions", () => {
  it.each<[string, string, Shown]>([
    ["abs", `abs(-3.5)`, 3.5],
    ["ceil", `ceil(1.2)`, 2],
    ["floor", `floor(-1.2)`, -2],
    ["max", `max(3, 7, 1)`, 7],
    ["min", `min(3, 7, 1)`, 1],
    ["pow", `pow(2, 10)`, 1024],
    ["signum", `[signum(-4), signum(0), signum(9)]`, [-1, 0, 1]],
    ["parseint in base 16", `parseint("ff", 16)`, 255],
    ["parseint of a negative binary number", `parseint("-101", 2)`, -5],
    ["log", `log(8, 2)`, 3],
    ["numbers convert from numeric strings", `max("3", 2)`, 3],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it.each<[string, string, RegExp]>([
    ["max of nothing", `max()`, /must pass at least one number/],
    ["parseint with a digit outside the base", `parseint("12", 2)`, /cannot parse "12" as a base 2 integer/],
    ["parseint with a bad base", `parseint("1", 1)`, /base must be a whole number between 2 and 62/],
    ["abs of a word", `abs("x")`, /Invalid value for "num" parameter in call to abs\(\): a number is required/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});

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

describe("hash functions", () => {
  it.each<[string, string, Shown]>([
    ["md5", `md5("hello")`, "5d41402abc4b2a76b9719d911017c592"],
    ["sha1", `sha1("hello")`, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"],
    ["sha256", `sha256("hello")`, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"],
    [
      "sha512",
      `sha512("hello")`,
      "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    ],
    ["base64sha256", `base64sha256("hello")`, "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="],
    ["base64sha512", `base64sha512("hello")`, "m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
});

describe("time, uuid and sensitivity", () => {
  it("timestamp is the clock's time in RFC 3339 UTC during apply", () => {
    expect(value(`timestamp()`)).toBe("2026-11-25T16:30:00Z");
  });
  it("timestamp and uuid are unknown during plan", () => {
    expect(value(`[timestamp(), uuid()]`, { functions: { ...fixedClock, planning: true } })).toEqual([
      { $unknown: "string" },
      { $unknown: "string" },
    ]);
  });
  it("uuid comes from the context during apply", () => {
    expect(value(`uuid()`)).toBe("6f1c2f4e-0000-4000-8000-000000000001");
  });
  it("a real uuid is a version-4 UUID", () => {
    expect(value(`uuid()`, {})).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it("hashing a sensitive value gives a sensitive hash", () => {
    expect(value(`sha256(var.secret)`)).toEqual({ $sensitive: "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4" });
  });
  it("jsonencode of an object holding a sensitive attribute is sensitive", () => {
    expect(value(`jsonencode({ password = var.secret })`)).toEqual({ $sensitive: '{"password":"pw"}' });
  });
});
