import { describe, expect, it } from "vitest";
import { globMatches, literalPrefix, parseS3StateUrl } from "./s3-glob.js";

describe("s3 state URLs for drift", () => {
  it("parses bucket, pattern and the server query", () => {
    expect(parseS3StateUrl("s3://tfstate/stacks/**/*.tfstate")).toEqual({ bucket: "tfstate", pattern: "stacks/**/*.tfstate", usePathStyle: false });
    expect(parseS3StateUrl("s3://b/k.tfstate?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true")).toEqual({
      bucket: "b",
      pattern: "k.tfstate",
      endpoint: "http://127.0.0.1:9000",
      region: "us-east-1",
      usePathStyle: true,
    });
    expect(parseS3StateUrl("s3://b/env%3A/dev/k").pattern).toBe("env:/dev/k");
  });

  it.each(["s3://bucket", "s3://bucket/", "https://x/y", "s3:///k"])("refuses %s", (url) => {
    expect(() => parseS3StateUrl(url)).toThrow(/must look like s3:\/\/BUCKET/);
  });
  it("refuses an unknown query parameter", () => {
    expect(() => parseS3StateUrl("s3://b/k?profile=x")).toThrow(/unknown query parameter "profile"/);
  });

  const cases: [string, string, boolean][] = [
    ["stacks/**/*.tfstate", "stacks/a/b/c.tfstate", true],
    ["stacks/**/*.tfstate", "stacks/x.tfstate", true],
    ["stacks/**/*.tfstate", "stacks/a/x.tfstate.tflock", false],
    ["stacks/**/*.tfstate", "other/x.tfstate", false],
    ["stacks/*.tfstate", "stacks/a/x.tfstate", false],
    ["stacks/*.tfstate", "stacks/x.tfstate", true],
    ["env:/?ev/app.tfstate", "env:/dev/app.tfstate", true],
    ["a.b", "axb", false],
    ["**", "any/thing", true],
  ];
  it.each(cases)("%s matches %s: %s", (pattern, key, want) => {
    expect(globMatches(pattern, key)).toBe(want);
  });

  it("lists by the literal prefix before the first wildcard", () => {
    expect(literalPrefix("stacks/**/*.tfstate")).toBe("stacks/");
    expect(literalPrefix("team/app.tfstate")).toBe("team/app.tfstate");
    expect(literalPrefix("*")).toBe("");
  });
});
