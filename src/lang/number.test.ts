import { describe, expect, it } from "vitest";
import { formatNumber, parseNumber } from "./number.js";

describe("formatNumber", () => {
  it.each([
    [3, "3"],
    [-0, "0"],
    [1.5, "1.5"],
    [1e21, "1000000000000000000000"],
    [2 ** 60, "1152921504606847000"],
    [-1e25, "-10000000000000000000000000"],
    [0.1 + 0.2, "0.3"],
    [1e-7, "0.0000001"],
    [1.25e-10, "0.000000000125"],
    [123456.789, "123456.789"],
  ])("%s prints as %s (integers never with .0 or an exponent)", (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });
});

describe("parseNumber", () => {
  it.each([
    ["42", 42],
    ["-1.5", -1.5],
    ["1e3", 1000],
    [".5", 0.5],
  ])("reads %s", (text, n) => {
    expect(parseNumber(text)).toBe(n);
  });
  it.each(["", " 1", "0x10", "Infinity", "1,000", "abc"])("refuses %j", (text) => {
    expect(parseNumber(text)).toBeUndefined();
  });
});
