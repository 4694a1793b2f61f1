import { describe, expect, it } from "vitest";
import { ProviderConfigError } from "../http/config-error.js";
import { cloudDomainOf, normalizeAuthUrl, projectBase, regionEndpoint, resolveCsbsConfig, type CsbsProviderConfig } from "./config.js";

const none: CsbsProviderConfig = {
  auth_url: null,
  region: null,
  project_id: null,
  project_name: null,
  user_domain_name: null,
  project_domain_name: null,
  domain_name: null,
  username: null,
  password: null,
  token: null,
  endpoint: null,
  max_concurrency: null,
  max_retries: null,
};

describe("resolveCsbsConfig", () => {
  it("reads the OS_* variables OpenStack tools use", () => {
    const r = resolveCsbsConfig(none, {
      OS_AUTH_URL: "https://iam.example.com:5000",
      OS_USERNAME: "u",
      OS_PASSWORD: "p",
      OS_PROJECT_NAME: "proj",
      OS_USER_DOMAIN_NAME: "UD",
      OS_PROJECT_DOMAIN_NAME: "PD",
      OS_REGION_NAME: "eu-de",
    });
    expect(r.authUrl).toBe("https://iam.example.com:5000/v3");
    expect(r.credentials).toEqual({ kind: "password", username: "u", password: "p", userDomainName: "UD" });
    expect(r.scope).toEqual({ kind: "name", name: "proj", domainName: "PD" });
    expect(r.region).toBe("eu-de");
  });

  it("lets the block override the environment and defaults domains to Default", () => {
    const r = resolveCsbsConfig({ ...none, auth_url: "http://k/v3/", username: "a", password: "b", project_id: "p1" }, { OS_USERNAME: "env" });
    expect(r.credentials).toEqual({ kind: "password", username: "a", password: "b", userDomainName: "Default" });
    expect(r.scope).toEqual({ kind: "id", id: "p1" });
    expect(r.authUrl).toBe("http://k/v3");
  });

  it("needs no Keystone with a token, a project id and an endpoint", () => {
    const r = resolveCsbsConfig({ ...none, token: "t", project_id: "p", endpoint: "http://csbs:8799" }, {});
    expect(r.authUrl).toBeNull();
    expect(r.credentials).toEqual({ kind: "token", token: "t" });
  });

  it.each([
    [{ ...none }, "username"],
    [{ ...none, username: "u" }, "password"],
    [{ ...none, username: "u", password: "p", project_id: "x" }, "auth_url"],
    [{ ...none, auth_url: "http://k", username: "u", password: "p" }, "project_id"],
    [{ ...none, auth_url: "ftp://k", username: "u", password: "p", project_id: "x" }, "auth_url"],
  ] as const)("names the attribute that is missing or wrong (%#)", (config, attribute) => {
    try {
      resolveCsbsConfig(config, {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      expect((e as ProviderConfigError).attribute).toBe(attribute);
    }
  });
});

describe("endpoint helpers", () => {
  it.each([
    ["http://h:8799/v1/$(project_id)s", "http://h:8799/v1/p1"],
    ["http://h:8799/v1/%(tenant_id)s/", "http://h:8799/v1/p1"],
    ["https://csbs.example.com/v1/p1", "https://csbs.example.com/v1/p1"],
    ["https://csbs.example.com/v1", "https://csbs.example.com/v1/p1"],
    ["https://csbs.example.com", "https://csbs.example.com/v1/p1"],
  ])("projectBase(%s) = %s", (endpoint, out) => expect(projectBase(endpoint, "p1")).toBe(out));

  it("adds /v3 to an auth URL without a version", () => {
    expect(normalizeAuthUrl("http://k:5000/")).toBe("http://k:5000/v3");
    expect(normalizeAuthUrl("http://k:5000/identity/v3")).toBe("http://k:5000/identity/v3");
  });
});

describe("real clouds' identity and endpoint settings", () => {
  it("OTC: the user's OTC-EU domain scopes a region-named project when no project is given", () => {
    const r = resolveCsbsConfig({ ...none, auth_url: "https://iam.eu-de.otc.t-systems.com/v3", region: "eu-de", domain_name: "OTC-EU-DE-00000000001000012345", username: "u", password: "p" }, {});
    expect(r.credentials).toMatchObject({ userDomainName: "OTC-EU-DE-00000000001000012345" });
    expect(r.scope).toEqual({ kind: "name", name: "eu-de", domainName: "OTC-EU-DE-00000000001000012345" });
    expect(r.apiFlavor).toBe("csbs");
    expect(r.cloudDomain).toBe("otc.t-systems.com");
  });

  it("a sub-project keeps its own name, in the user's domain", () => {
    const r = resolveCsbsConfig({ ...none, auth_url: "https://iam.eu-de.otc.t-systems.com/v3", region: "eu-de", user_domain_name: "OTC-EU-DE-1", project_name: "eu-de_backup", username: "u", password: "p" }, {});
    expect(r.scope).toEqual({ kind: "name", name: "eu-de_backup", domainName: "OTC-EU-DE-1" });
  });

  it("Huawei: the CSBS endpoint is built from region and the IAM URL's domain", () => {
    expect(cloudDomainOf(null, "https://iam.myhuaweicloud.com/v3", "ap-southeast-1")).toBe("myhuaweicloud.com");
    expect(cloudDomainOf(null, "https://iam.ap-southeast-1.myhuaweicloud.com/v3", "ap-southeast-1")).toBe("myhuaweicloud.com");
    expect(cloudDomainOf("example.cloud.", "https://keystone.local/v3", "r1")).toBe("example.cloud");
    expect(cloudDomainOf(null, "http://127.0.0.1:5000/v3", "r1")).toBeNull();
    expect(regionEndpoint("ap-southeast-1", "myhuaweicloud.com")).toBe("https://csbs.ap-southeast-1.myhuaweicloud.com");
    expect(projectBase(regionEndpoint("cn-north-4", "myhuaweicloud.com"), "p1")).toBe("https://csbs.cn-north-4.myhuaweicloud.com/v1/p1");
  });

  it("names api_flavor when it is neither csbs nor karbor", () => {
    expect(() => resolveCsbsConfig({ ...none, auth_url: "http://k/v3", username: "u", password: "p", project_id: "x", api_flavor: "cbr" }, {})).toThrow(/api_flavor.*csbs or karbor/);
  });
});
