import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";

function value(src: string): Shown {
  const r = evalHcl(src);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("format", () => {
  it.each<[string, string, Shown]>([
    ["%s inserts text", `format("%s-%s", "a", 1)`, "a-1"],
    ["%d with zero padding", `format("%s-bs-%02d", "prod", 3)`, "prod-bs-03"],
    ["%d of a large integer has no exponent", `format("%d", 12345678901234567)`, "12345678901234568"],
    ["%f defaults to 6 decimals", `format("%f", 3.5)`, "3.500000"],
    ["%.2f rounds", `format("%.2f", 3.14159)`, "3.14"],
    ["%8.3f pads to the width", `format("[%8.3f]", 3.14159)`, "[   3.142]"],
    ["%-5s pads on the right", `format("[%-5s]", "ab")`, "[ab   ]"],
    ["%5s pads on the left", `format("[%5s]", "ab")`, "[   ab]"],
    ["%.2s truncates", `format("%.2s", "abcdef")`, "ab"],
    ["%q quotes", `format("%q", "a\\"b")`, '"a\\"b"'],
    ["%v of a number prints it plainly", `format("%v", 1.5)`, "1.5"],
    ["%v of a list is JSON", `format("%v", ["a", 1])`, '["a",1]'],
    ["%#v is JSON, even for strings", `format("%#v", "a")`, '"a"'],
    ["%t prints a bool", `format("%t", true)`, "true"],
    ["%+d shows the sign", `format("%+d", 5)`, "+5"],
    ["%05d pads after the sign", `format("%05d", -42)`, "-0042"],
    ["%x %X %o %b", `format("%x %X %o %b", 255, 255, 8, 5)`, "ff FF 10 101"],
    ["%e uses a two-digit exponent", `format("%e", 1234.5678)`, "1.234568e+03"],
    ["%g picks the shorter form", `format("%g %g %g", 100000, 1000000, 0.00001)`, "100000 1e+06 1e-05"],
    ["%g switches to an exponent from 7 digits on, like Go", `format("%g %.3g", 123456789, 3.14159)`, "1.23456789e+08 3.14"],
    ["%% is a literal percent", `format("100%%")`, "100%"],
    ["%[2]s picks an argument by position", `format("%[2]s %[1]s", "a", "b")`, "b a"],
    ["a string argument to %d converts", `format("%d", "7")`, "7"],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["too few arguments", `format("%s %s", "a")`, /not enough arguments for "%s" at 3: need index 2 but have 1 total/],
    ["too many arguments", `format("%s", "a", "b")`, /too many arguments; only 1 used by format string/],
    ["%d of a fraction", `format("%d", 1.5)`, /unsupported value for "%d" at 0: an integer is required/],
    ["%d of a word", `format("%d", "x")`, /unsupported value for "%d" at 0: number required/],
    ["%s of a list", `format("%s", ["a"])`, /unsupported value for "%s" at 0: string required/],
    ["an unknown verb", `format("%z", 1)`, /unrecognized format verb "z"/],
    ["a width too large to build, without crashing", `format("%999999999999s", "x")`, /Call to function "format" failed: Invalid string length/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });

  it("formatlist formats element-wise, repeating non-list arguments", () => {
    expect(value(`formatlist("%s=%s", ["a", "b"], "x")`)).toEqual(["a=x", "b=x"]);
    expect(value(`formatlist("%s-%s", ["a", "b"], [1, 2])`)).toEqual(["a-1", "b-2"]);
  });
  it("formatlist refuses lists of different lengths", () => {
    expect(error(`formatlist("%s%s", ["a", "b"], [1])`)).toMatch(/argument 2 has length 1, which is inconsistent with argument 1 of length 2/);
  });
});

describe("string functions", () => {
  it.each<[string, string, Shown]>([
    ["join concatenates lists with a separator", `join("-", ["a", "b"], ["c"])`, "a-b-c"],
    ["join converts numbers", `join(",", [1, 2])`, "1,2"],
    ["split splits", `split(",", "a,b,,c")`, ["a", "b", "", "c"]],
    ["split of an empty string is one empty element", `split(",", "")`, [""]],
    ["lower", `lower("HeLLo")`, "hello"],
    ["upper", `upper("héllo")`, "HÉLLO"],
    ["title capitalizes words", `title("hello world-wide web")`, "Hello World-Wide Web"],
    ["title follows Go's separators: underscores join, apostrophes split", `title("snake_case it's")`, "Snake_case It'S"],
    ["replace replaces every occurrence", `replace("a.b.c", ".", "/")`, "a/b/c"],
    ["replace with a /regex/ and groups", `replace("vm-123-disk", "/vm-(\\\\d+)/", "id$1")`, "id123-disk"],
    ["replace with named groups (RE2 syntax)", `replace("2026-11", "/(?P<y>\\\\d+)-(?P<m>\\\\d+)/", "$m/$y")`, "11/2026"],
    ["trim removes a cutset from both ends", `trim("?!hello?!", "!?")`, "hello"],
    ["trimprefix", `trimprefix("zstack_vm", "zstack_")`, "vm"],
    ["trimsuffix", `trimsuffix("file.tf", ".tf")`, "file"],
    ["trimspace", `trimspace("  \\n x y \\t")`, "x y"],
    ["substr takes code points", `substr("héllo", 1, 3)`, "éll"],
    ["substr with length -1 takes the rest", `substr("hello", 2, -1)`, "llo"],
    ["substr with a negative offset counts from the end", `substr("hello", -3, 2)`, "ll"],
    ["substr past the end is empty", `substr("abc", 5, 1)`, ""],
    ["regex returns the match", `regex("[a-z]+", "123abc456")`, "abc"],
    ["regex returns the groups as a list", `regex("(\\\\d+)-(\\\\d+)", "10-20")`, ["10", "20"]],
    ["regex returns named groups as an object", `regex("(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)", "v1.17")`, { major: "1", minor: "17" }],
    ["regex with an inline (?i) flag", `regex("(?i)ZSTACK", "my-zstack")`, "zstack"],
    ["regexall returns every match", `regexall("\\\\d+", "a1b22c333")`, ["1", "22", "333"]],
    ["regexall with no match is empty", `regexall("x", "abc")`, []],
    ["startswith", `[startswith("zstack_vm", "zstack"), startswith("a", "b")]`, [true, false]],
    ["endswith", `[endswith("main.tf", ".tf"), endswith("a", "b")]`, [true, false]],
    ["strcontains", `strcontains("hello", "ell")`, true],
    ["strrev", `strrev("abc")`, "cba"],
    ["chomp removes trailing newlines only", `chomp("a\\nb \\r\\n\\n")`, "a\nb "],
    ["indent indents every line but the first", `indent(2, "a\\nb\\nc")`, "a\n  b\n  c"],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["regex without a match", `regex("x", "abc")`, /pattern did not match any part of the given string/],
    ["an invalid pattern", `regex("(", "abc")`, /Invalid value for "pattern" parameter in call to regex\(\): invalid regular expression "\("/],
    ["join with a null element", `join(",", ["a", null])`, /element is null/],
    ["a list where a string is needed", `lower(["a"])`, /Invalid value for "str" parameter in call to lower\(\): string required/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
