import { describe, expect, it } from "vitest";
import { advertiseUrlOf, defaultAdvertiseUrl, nodeIdOf, NodeIdentityError } from "./node-identity.js";

describe("node identity", () => {
  it("takes a node name as given when it is a plain name, and makes a random one otherwise", () => {
    expect(nodeIdOf("engine-1.eu_west")).toBe("engine-1.eu_west");
    expect(nodeIdOf(undefined)).toMatch(/^node-[0-9a-f]{12}$/);
    expect(nodeIdOf(undefined)).not.toBe(nodeIdOf(undefined));
  });

  it.each([["", "empty"], ["-x", "a leading dash"], ["a b", "a space"], ["a/b", "a slash"], ["x".repeat(64), "64 characters"]])("refuses %j (%s), naming the flag", (name) => {
    expect(() => nodeIdOf(name)).toThrow(NodeIdentityError);
    expect(() => nodeIdOf(name)).toThrow(/^--node-name must be/);
  });

  it("takes an http(s) base URL to advertise, without a trailing slash", () => {
    expect(advertiseUrlOf("http://10.0.0.5:8080/")).toBe("http://10.0.0.5:8080");
    expect(advertiseUrlOf("https://engine-2.lab.example/backplan")).toBe("https://engine-2.lab.example/backplan");
    for (const bad of ["10.0.0.5:8080", "ftp://x", "http://u:p@x", "http://x/?a=1", "http://x/#f"]) expect(() => advertiseUrlOf(bad), bad).toThrow(/^--advertise-url must be/);
  });

  it("advertises the listen URL by default, but not a wildcard address no other node can reach", () => {
    expect(defaultAdvertiseUrl("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(defaultAdvertiseUrl("http://[::1]:8080")).toBe("http://[::1]:8080");
    expect(() => defaultAdvertiseUrl("http://0.0.0.0:8080")).toThrow(/give --advertise-url/);
    expect(() => defaultAdvertiseUrl("http://[::]:8080")).toThrow(/give --advertise-url/);
  });
});
