import { describe, expect, it } from "vitest";
import { TERRAFORM_LANGUAGE_VERSION } from "../../config/core-version.js";
import { DEFAULT_TERRAFORM_VERSION } from "../../state/state.js";
import { platformName, versionJson, versionText } from "./version.js";

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

  it("states the Terraform language version beside backplan's own", () => {
    expect(versionText()).toMatch(/^backplan v\d+\.\d+\.\d+\nTerraform language v1\.11\.x compatible \(required_version is checked against 1\.11\.4\)\non \w+_\w+$/);
    expect(versionJson()["terraform_version"]).toBe("1.11.4");
  });

  it("stamps new states with the same Terraform version required_version is checked against", () => {
    expect(DEFAULT_TERRAFORM_VERSION).toBe(TERRAFORM_LANGUAGE_VERSION);
  });
});
