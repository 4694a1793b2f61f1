import { describe, expect, it } from "vitest";
import { parseLockFile, renderLockFile } from "./lockfile.js";

// Written by `terraform init` 1.11.4 against the mirror of `backplan terraform install`, byte for byte.
const TERRAFORM_WROTE = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/backplan/csbs" {
  version = "0.1.0"
  hashes = [
    "h1:pnSQgMD9t0R2AaEzvSwzQvYoSR9RoeGx3waRHDZFI8k=",
  ]
}

provider "registry.terraform.io/backplan/zstack" {
  version     = "0.1.0"
  constraints = "~> 0.1"
  hashes = [
    "h1:6gAy1LGgFVVFRvbwtU2+h/Vh0cfCJMp+6Wu4M+EhFRw=",
  ]
}
`;

describe(".terraform.lock.hcl", () => {
  it("reads what terraform init writes and renders it back byte for byte", () => {
    const { lock, diagnostics } = parseLockFile(TERRAFORM_WROTE, ".terraform.lock.hcl");
    expect(diagnostics).toEqual([]);
    expect(lock.providers.get("registry.terraform.io/backplan/zstack")).toMatchObject({ version: "0.1.0", constraints: "~> 0.1", hashes: ["h1:6gAy1LGgFVVFRvbwtU2+h/Vh0cfCJMp+6Wu4M+EhFRw="] });
    expect(lock.providers.get("registry.terraform.io/backplan/csbs")?.constraints).toBeUndefined();
    expect(renderLockFile(lock)).toBe(TERRAFORM_WROTE);
  });

  it("sorts providers and hashes and drops repeated hashes", () => {
    const text = renderLockFile({
      providers: new Map([
        ["registry.terraform.io/z/z", { address: "registry.terraform.io/z/z", version: "1.0.0", hashes: ["h1:b", "h1:a", "h1:b"] }],
        ["registry.terraform.io/a/a", { address: "registry.terraform.io/a/a", version: "2.0.0", hashes: ["zh:1"] }],
      ]),
    });
    expect(text.indexOf("a/a")).toBeLessThan(text.indexOf("z/z"));
    expect(text).toContain('  hashes = [\n    "h1:a",\n    "h1:b",\n  ]\n');
  });

  it("names file and line of what it cannot read", () => {
    const bad = 'provider "backplan/zstack" {\n  version = "1"\n}\nprovider "registry.terraform.io/a/b" {\n  hashes = []\n  colour = "red"\n}\nthing {}\n';
    const { diagnostics } = parseLockFile(bad, ".terraform.lock.hcl");
    expect(diagnostics.map((d) => `${d.summary} @${d.subject?.start.line}`)).toEqual([
      "Invalid provider source address @1",
      "Unsupported argument @6",
      "Missing required argument @4",
      "Unsupported block type @8",
    ]);
  });
});
