import { describe, expect, it } from "vitest";
import { installLayout, installPlatforms, terraformPlatform } from "./install.js";

describe("installLayout", () => {
  const layout = installLayout({
    dir: "/opt/tf",
    providers: [
      { name: "zstack", source: "backplan/zstack", version: "0.1.0" },
      { name: "csbs", source: "backplan/csbs", version: "0.1.0" },
    ],
    nodePath: "/usr/bin/node",
    entry: "/app/it's/provider.mjs",
    platforms: installPlatforms("darwin_arm64"),
  });

  it("puts each provider in Terraform's filesystem-mirror layout and under bin/ for dev_overrides", () => {
    const paths = layout.files.map((f) => f.path);
    expect(paths).toContain("/opt/tf/mirror/registry.terraform.io/backplan/zstack/0.1.0/linux_amd64/terraform-provider-zstack_v0.1.0");
    expect(paths).toContain("/opt/tf/mirror/registry.terraform.io/backplan/csbs/0.1.0/linux_amd64/terraform-provider-csbs_v0.1.0");
    expect(paths).toContain("/opt/tf/bin/terraform-provider-zstack");
    // cdktf locks for linux_amd64 whatever the machine, so that platform is always in the mirror too.
    const darwin = layout.files.find((f) => f.path.endsWith("darwin_arm64/terraform-provider-zstack_v0.1.0"))!;
    const linux = layout.files.find((f) => f.path.endsWith("/zstack/0.1.0/linux_amd64/terraform-provider-zstack_v0.1.0"))!;
    expect(darwin.content).toBe(linux.content);
    const exe = layout.files.find((f) => f.path.endsWith("terraform-provider-zstack"))!;
    expect(exe.mode).toBe(0o755);
    expect(exe.content).toBe("#!/bin/sh\nexec '/usr/bin/node' '/app/it'\\''s/provider.mjs' 'zstack' \"$@\"\n");
  });

  it("writes a CLI config that mirrors exactly these sources and leaves the rest to the registry", () => {
    const rc = layout.files.find((f) => f.path === layout.cliConfigPath)!.content;
    expect(layout.cliConfigPath).toBe("/opt/tf/terraformrc");
    expect(rc).toContain('path    = "/opt/tf/mirror"');
    expect(rc).toContain('include = ["registry.terraform.io/backplan/zstack", "registry.terraform.io/backplan/csbs"]');
    expect(rc).toMatch(/direct \{\n\s+exclude = \["registry.terraform.io\/backplan\/zstack", "registry.terraform.io\/backplan\/csbs"\]/);
  });

  it("writes an env file that also points `terraform providers lock` at the mirror", () => {
    const env = layout.files.find((f) => f.path === layout.envPath)!.content;
    expect(env).toContain("export TF_CLI_CONFIG_FILE='/opt/tf/terraformrc'\n");
    expect(env).toContain("export TF_CLI_ARGS_providers_lock='-fs-mirror=/opt/tf/mirror'\n");
  });

  it("names platforms as Terraform does", () => {
    expect(terraformPlatform("linux", "x64")).toBe("linux_amd64");
    expect(terraformPlatform("darwin", "arm64")).toBe("darwin_arm64");
    expect(terraformPlatform("win32", "x64")).toBe("windows_amd64");
  });
});
