import { describe, expect, it } from "vitest";
import { parseModuleSource, sourceString } from "./source.js";

describe("parseModuleSource: normalized as terraform init 1.11 records and prints it", () => {
  // Each expected string is what Terraform 1.11.4 printed ("Downloading X for m...") or wrote into modules.json.
  const cases: [string, string, string][] = [
    ["github.com/foo/bar", "git", "git::https://github.com/foo/bar.git"],
    ["github.com/foo/bar.git", "git", "git::https://github.com/foo/bar.git"],
    ["github.com/foo/bar//sub?ref=v1", "git", "git::https://github.com/foo/bar.git//sub?ref=v1"],
    ["bitbucket.org/foo/bar", "git", "git::https://bitbucket.org/foo/bar.git"],
    ["bitbucket.org/foo/bar//x?ref=1", "git", "git::https://bitbucket.org/foo/bar.git//x?ref=1"],
    ["git@github.com:foo/bar.git", "git", "git::ssh://git@github.com/foo/bar.git"],
    ["git::ssh://git@example.com/foo/bar.git?ref=x", "git", "git::ssh://git@example.com/foo/bar.git?ref=x"],
    ["git::https://example.com/foo.git//a/b?ref=x&depth=1", "git", "git::https://example.com/foo.git//a/b?ref=x&depth=1"],
    ["git::file:///tmp/mx/repo//sub?ref=v1", "git", "git::file:///tmp/mx/repo//sub?ref=v1"],
    ["git::/tmp/mx/repo", "git", "git::file:///tmp/mx/repo"],
    ["/tmp/mx/repo//sub", "file", "file:///tmp/mx/repo//sub"],
    ["https://example.com/a.zip", "http", "https://example.com/a.zip"],
    ["https://example.com/a.tar.gz//sub", "http", "https://example.com/a.tar.gz//sub"],
    ["https://example.com/a?archive=zip", "http", "https://example.com/a?archive=zip"],
    ["s3::https://s3.amazonaws.com/b/k.zip", "s3", "s3::https://s3.amazonaws.com/b/k.zip"],
    ["hg::http://example.com/x", "hg", "hg::http://example.com/x"],
  ];
  for (const [raw, getter, normalized] of cases) {
    it(`${raw} → ${normalized}`, () => {
      const p = parseModuleSource(raw);
      expect(p.ok).toBe(true);
      if (!p.ok || p.source.kind !== "remote") throw new Error("expected a remote source");
      expect(p.source.getter).toBe(getter);
      expect(sourceString(p.source)).toBe(normalized);
    });
  }

  it("a ?ref=...//sub keeps the // inside the query, as Terraform does (and then fails to check out that ref)", () => {
    const p = parseModuleSource("git::file:///tmp/mx/repo?ref=v1//sub");
    expect(p.ok && p.source.kind === "remote" && p.source.subdir).toBe("");
  });

  it("registry addresses: default host, explicit host, subdirectory; recorded with the host", () => {
    const a = parseModuleSource("hashicorp/consul/aws//modules/x");
    expect(a).toEqual({ ok: true, source: { kind: "registry", host: "registry.terraform.io", namespace: "hashicorp", name: "consul", system: "aws", subdir: "modules/x" } });
    expect(sourceString((a as { source: Parameters<typeof sourceString>[0] }).source)).toBe("registry.terraform.io/hashicorp/consul/aws//modules/x");
    const b = parseModuleSource("App.Terraform.io/org/name/aws");
    expect(b.ok && b.source.kind === "registry" && b.source.host).toBe("app.terraform.io");
    const c = parseModuleSource("localhost:8443/ns/n/sys");
    expect(c.ok && c.source.kind === "registry" && c.source.host).toBe("localhost:8443");
  });

  it("local paths", () => {
    expect(parseModuleSource("./a")).toEqual({ ok: true, source: { kind: "local", path: "./a" } });
    expect(parseModuleSource("../b")).toEqual({ ok: true, source: { kind: "local", path: "../b" } });
  });

  const invalid: [string, RegExp][] = [
    ["HashiCorp/Consul/AWS", /write "\.\/HashiCorp\/Consul\/AWS"/],
    ["x/y", /neither a registry address/],
    ["github.com/foo", /needs an owner and a repository/],
    ["ftp://example.com/a.zip", /scheme "ftp"/],
    ["svn::https://example.com/x", /unknown installation method/],
    ["git::https://example.com/r.git//../x", /may not contain "\.\."/],
    ["", /must not be empty/],
  ];
  for (const [raw, err] of invalid) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      const p = parseModuleSource(raw);
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.error).toMatch(err);
    });
  }
});
