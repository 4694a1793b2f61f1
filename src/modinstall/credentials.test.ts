import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialsFromEnvironment, hostFromTokenVariable, tokensFromCliConfig } from "./credentials.js";

describe("registry credentials, found where Terraform finds them", () => {
  it("TF_TOKEN_ variable names: dots as _, hyphens as __", () => {
    expect(hostFromTokenVariable("TF_TOKEN_app_terraform_io")).toBe("app.terraform.io");
    expect(hostFromTokenVariable("TF_TOKEN_my__registry_example_com")).toBe("my-registry.example.com");
    expect(hostFromTokenVariable("TF_TOKENS")).toBeUndefined();
    expect(hostFromTokenVariable("TF_TOKEN_")).toBeUndefined();
  });

  it("credentials blocks of a CLI configuration, and credentials.tfrc.json", () => {
    const hcl = tokensFromCliConfig('plugin_cache_dir = "/x"\ncredentials "Registry.Example.com" {\n  token = "abc"\n}\n', ".terraformrc");
    expect(hcl.get("registry.example.com")).toBe("abc");
    const json = tokensFromCliConfig('{"credentials":{"app.terraform.io":{"token":"j"}}}', "credentials.tfrc.json");
    expect(json.get("app.terraform.io")).toBe("j");
  });

  it("environment variables win over the CLI configuration, which wins over credentials.tfrc.json", () => {
    const home = mkdtempSync(join(tmpdir(), "backplan-creds-"));
    try {
      mkdirSync(join(home, ".terraform.d"));
      writeFileSync(join(home, ".terraform.d", "credentials.tfrc.json"), JSON.stringify({ credentials: { "a.example.com": { token: "from-json" }, "b.example.com": { token: "json-b" }, "c.example.com": { token: "json-c" } } }));
      writeFileSync(join(home, "rc"), 'credentials "b.example.com" {\n  token = "from-rc"\n}\ncredentials "c.example.com" {\n  token = "rc-c"\n}\n');
      const creds = credentialsFromEnvironment({ HOME: home, TF_CLI_CONFIG_FILE: join(home, "rc"), TF_TOKEN_c_example_com: "from-env" });
      expect(creds.tokenFor("a.example.com")).toBe("from-json");
      expect(creds.tokenFor("B.example.com")).toBe("from-rc");
      expect(creds.tokenFor("c.example.com")).toBe("from-env");
      expect(creds.tokenFor("d.example.com")).toBeUndefined();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
