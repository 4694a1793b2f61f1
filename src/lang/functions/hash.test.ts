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
