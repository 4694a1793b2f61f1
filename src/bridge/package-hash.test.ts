import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageHashV1, readPackageDir } from "./package-hash.js";

describe("packageHashV1 (Terraform's h1: hash)", () => {
  it("matches the hash Terraform 1.11 recorded for a mirror package", () => {
    // The package `backplan terraform install` wrote at /tmp/mir on the test machine; Terraform's lock file
    // recorded h1:6gAy1LGgFVVFRvbwtU2+h/Vh0cfCJMp+6Wu4M+EhFRw= for it.
    const script = "#!/bin/sh\nexec '/usr/bin/node' '/work/wt-config/src/bridge/serve-main.js' 'zstack' \"$@\"\n";
    expect(packageHashV1([{ name: "terraform-provider-zstack_v0.1.0", content: script }])).toBe("h1:6gAy1LGgFVVFRvbwtU2+h/Vh0cfCJMp+6Wu4M+EhFRw=");
  });

  it("hashes a directory tree by sorted relative names, the same as its file list", () => {
    const dir = mkdtempSync(join(tmpdir(), "backplan-hash-"));
    try {
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "b"), "2");
      writeFileSync(join(dir, "sub", "a"), "1");
      writeFileSync(join(dir, "a"), "0");
      const files = readPackageDir(dir);
      expect(files.map((f) => f.name).sort()).toEqual(["a", "b", "sub/a"]);
      expect(packageHashV1(files)).toBe(packageHashV1([...files].reverse()));
      expect(packageHashV1(files)).not.toBe(packageHashV1(files.filter((f) => f.name !== "b")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
