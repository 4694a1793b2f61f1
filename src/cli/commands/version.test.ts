import { describe, expect, it } from "vitest";
import { platformName, versionJson } from "./version.js";

describe("version", () => {
  it("spells platforms as Go does", () => {
    expect(platformName("linux", "x64")).toBe("linux_amd64");
    expect(platformName("darwin", "arm64")).toBe("darwin_arm64");
    expect(platformName("win32", "ia32")).toBe("windows_386");
  });

  it("-json names backplan's version, the state format's Terraform version and the built-in providers", () => {
    const j = versionJson();
    expect(Object.keys(j)).toEqual(["backplan_version", "terraform_version", "platform", "provider_selections"]);
    expect(Object.keys(j["provider_selections"] as object).sort()).toEqual(["registry.terraform.io/backplan/csbs", "registry.terraform.io/backplan/zstack", "terraform.io/builtin/terraform"]);
  });
});
