import { describe, expect, it } from "vitest";
import { LikePattern } from "./like.js";

/** The reference semantics: a regular expression (correct, but exponential on adversarial patterns). */
function byRegExp(like: string, text: string): boolean {
  let src = "";
  for (const ch of like) src += ch === "%" ? "[\\s\\S]*" : ch === "_" ? "[\\s\\S]" : ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${src}$`, "iu").test(text);
}

describe("LikePattern", () => {
  it.each([
    ["%", "anything", true],
    ["%", "", true],
    ["", "", true],
    ["", "x", false],
    ["web%", "web-1", true],
    ["web%", "my-web", false],
    ["%web", "my-web", true],
    ["w_b", "wab", true],
    ["w_b", "waab", false],
    ["a.c", "abc", false],
    ["100%", "100% sure", true],
    ["WEB%", "web-1", true],
    ["a%b%c", "abc", true],
    ["a%b%c", "acb", false],
    ["ab%ba", "aba", false],
    ["%a_c%", "xxabcxx", true],
    ["__", "é€", true],
  ])("'%s' against '%s' is %s", (like, text, expected) => {
    expect(new LikePattern(like).test(text)).toBe(expected);
  });

  it("agrees with the regular-expression reading on many small patterns", () => {
    const alphabet = ["a", "b", "%", "_"];
    const texts = ["", "a", "b", "ab", "ba", "aab", "abab", "bbaa", "abba", "aaaa"];
    for (let n = 0; n <= 4; n++) {
      for (let code = 0; code < alphabet.length ** n; code++) {
        let like = "";
        for (let k = 0, c = code; k < n; k++, c = Math.floor(c / alphabet.length)) like += alphabet[c % alphabet.length];
        for (const text of texts) expect([like, text, new LikePattern(like).test(text)]).toEqual([like, text, byRegExp(like, text)]);
      }
    }
  });

  it("matches an adversarial pattern over a 255-character name in milliseconds", () => {
    const name = "a".repeat(255);
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(new LikePattern("%a%a%a%a%a%a%a%a%a%a%ab").test(name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
