import { describe, expect, it } from "vitest";
import { catalogUrl, tokenRequest, type CatalogEntry } from "./keystone.js";

describe("tokenRequest", () => {
  it("builds a password auth scoped to a project by name", () => {
    expect(tokenRequest({ kind: "password", username: "u", password: "p", userDomainName: "D" }, { kind: "name", name: "proj", domainName: "PD" })).toEqual({
      auth: {
        identity: { methods: ["password"], password: { user: { name: "u", password: "p", domain: { name: "D" } } } },
        scope: { project: { name: "proj", domain: { name: "PD" } } },
      },
    });
  });

  it("builds a token auth scoped by project id", () => {
    expect(tokenRequest({ kind: "token", token: "t" }, { kind: "id", id: "p" })).toEqual({
      auth: { identity: { methods: ["token"], token: { id: "t" } }, scope: { project: { id: "p" } } },
    });
  });
});

describe("catalogUrl", () => {
  const catalog: CatalogEntry[] = [
    { type: "identity", endpoints: [{ interface: "public", region: "r1", url: "http://k/v3" }] },
    {
      type: "data-protect",
      endpoints: [
        { interface: "internal", region: "r1", url: "http://internal/v1/p" },
        { interface: "public", region: "r1", url: "http://r1/v1/p" },
        { interface: "public", region: "r2", url: "http://r2/v1/p" },
      ],
    },
  ];
  it("picks the public endpoint of the region", () => expect(catalogUrl(catalog, "data-protect", "r2")).toBe("http://r2/v1/p"));
  it("picks the first public endpoint without a region", () => expect(catalogUrl(catalog, "data-protect", null)).toBe("http://r1/v1/p"));
  it("returns null for an absent service or region", () => {
    expect(catalogUrl(catalog, "compute", null)).toBeNull();
    expect(catalogUrl(catalog, "data-protect", "r9")).toBeNull();
  });
});
