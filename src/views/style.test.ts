import { describe, expect, it } from "vitest";
import { ANSI, colorWanted, PLAIN, stripAnsi, wordWrap } from "./style.js";

describe("colorWanted", () => {
  it.each([
    [{ noColorFlag: false, env: {}, isTTY: true }, true],
    [{ noColorFlag: true, env: {}, isTTY: true }, false],
    [{ noColorFlag: false, env: { NO_COLOR: "1" }, isTTY: true }, false],
    [{ noColorFlag: false, env: { NO_COLOR: "" }, isTTY: true }, true],
    [{ noColorFlag: false, env: { TERM: "dumb" }, isTTY: true }, false],
    [{ noColorFlag: false, env: {}, isTTY: false }, false],
  ])("%j → %s", (input, wanted) => expect(colorWanted(input)).toBe(wanted));
});

describe("styles", () => {
  it("plain leaves text alone; ANSI wraps and strips back to it", () => {
    expect(PLAIN.red("x")).toBe("x");
    expect(ANSI.red("x")).toBe("\u001b[31mx\u001b[0m");
    expect(stripAnsi(ANSI.bold(ANSI.green("ok")))).toBe("ok");
  });
});

describe("wordWrap", () => {
  it("wraps prose at the width and leaves indented lines alone", () => {
    expect(wordWrap("aaa bbb ccc ddd", 8)).toBe("aaa bbb\nccc ddd");
    expect(wordWrap("  backplan apply -refresh-only with a long tail", 10)).toBe("  backplan apply -refresh-only with a long tail");
  });
});
