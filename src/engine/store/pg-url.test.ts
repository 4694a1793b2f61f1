import { describe, expect, it } from "vitest";
import { checkMetadataUrl, redactMetadataUrl } from "./pg-url.js";

describe("--metadata URLs", () => {
  it.each([
    ["postgres://bob:s3cret@db:5432/engine", "postgres://bob:***@db:5432/engine"],
    ["postgresql://bob@db/engine?sslmode=require&password=s3cret", "postgresql://bob@db/engine?sslmode=require&password=***"],
    ["postgres://db/engine", "postgres://db/engine"],
    ["pg//bob:s3cret@host/db", "pg//bob:***@host/db"],
  ])("masks the password of %s", (url, shown) => {
    expect(redactMetadataUrl(url)).toBe(shown);
  });

  it.each([
    ["postgres://bob:s3cret@db:5432/engine", undefined],
    ["postgresql://db/engine?sslmode=disable", undefined],
    ["http://db/engine", "the scheme must be postgres:// or postgresql://, not http://"],
    ["postgres:///engine", "names no host"],
    ["postgres://db", "must name one database"],
    ["postgres://db/a/b", "must name one database"],
    ["db:5432", "the scheme must be postgres://"],
  ])("checks %s", (url, problem) => {
    if (problem === undefined) expect(checkMetadataUrl(url)).toBe(url);
    else expect(() => checkMetadataUrl(url)).toThrow(problem);
  });
});
