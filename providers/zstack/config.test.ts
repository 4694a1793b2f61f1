import { describe, expect, it } from "vitest";
import { ProviderConfigError } from "../http/config-error.js";
import { normalizeEndpoint, resolveZStackConfig, type ZStackProviderConfig } from "./config.js";

const none: ZStackProviderConfig = {
  endpoint: null,
  host: null,
  port: null,
  account_name: null,
  account_password: null,
  access_key_id: null,
  access_key_secret: null,
  max_concurrency: null,
  max_retries: null,
};

describe("resolveZStackConfig", () => {
  it("builds the base URL from host and the default port 8080", () => {
    const r = resolveZStackConfig({ ...none, host: "10.0.0.5", account_name: "admin", account_password: "pw" }, {});
    expect(r.baseUrl).toBe("http://10.0.0.5:8080/zstack/v1");
    expect(r.auth).toEqual({ kind: "session", accountName: "admin", password: "pw" });
  });

  it("takes everything from ZSTACK_* variables when the block is empty", () => {
    const r = resolveZStackConfig(none, {
      ZSTACK_HOST: "zs.local",
      ZSTACK_PORT: "9090",
      ZSTACK_ACCESS_KEY_ID: "id",
      ZSTACK_ACCESS_KEY_SECRET: "sec",
      ZSTACK_TIME_ZONE: "Asia/Shanghai",
    });
    expect(r.baseUrl).toBe("http://zs.local:9090/zstack/v1");
    expect(r.auth).toEqual({ kind: "access_key", accessKeyId: "id", accessKeySecret: "sec", timeZone: { kind: "iana", id: "Asia/Shanghai" } });
  });

  it("signs in the local zone by default and names time_zone when it is not a zone", () => {
    const r = resolveZStackConfig({ ...none, host: "h", access_key_id: "i", access_key_secret: "s" }, {});
    expect(r.auth).toMatchObject({ timeZone: { kind: "iana", id: Intl.DateTimeFormat().resolvedOptions().timeZone } });
    expect(() => resolveZStackConfig({ ...none, host: "h", access_key_id: "i", access_key_secret: "s", time_zone: "CST6" }, {})).toThrow(/time_zone.*IANA id/);
  });

  it("prefers the block over the environment and endpoint over host", () => {
    const r = resolveZStackConfig(
      { ...none, endpoint: "http://127.0.0.1:4000", account_name: "admin", account_password: "pw" },
      { ZSTACK_HOST: "elsewhere", ZSTACK_ENDPOINT: "http://nope:1" },
    );
    expect(r.baseUrl).toBe("http://127.0.0.1:4000/zstack/v1");
  });

  it("uses ZSTACK_ENDPOINT when nothing in the block names the server", () => {
    const r = resolveZStackConfig({ ...none, account_name: "a", account_password: "b" }, { ZSTACK_ENDPOINT: "https://zs:443/zstack" });
    expect(r.baseUrl).toBe("https://zs/zstack/v1");
  });

  it.each([
    [{ ...none }, "endpoint"],
    [{ ...none, host: "h" }, "account_name"],
    [{ ...none, host: "h", account_name: "admin" }, "account_password"],
    [{ ...none, host: "h", access_key_secret: "s" }, "access_key_id"],
    [{ ...none, endpoint: "not a url", account_name: "a", account_password: "b" }, "endpoint"],
  ] as const)("names the attribute that is missing or wrong (%#)", (config, attribute) => {
    try {
      resolveZStackConfig(config, {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      expect((e as ProviderConfigError).attribute).toBe(attribute);
    }
  });

  it("rejects a ZSTACK_PORT that is not a port", () => {
    expect(() => resolveZStackConfig({ ...none, host: "h", account_name: "a", account_password: "b" }, { ZSTACK_PORT: "http" })).toThrow(/port/);
  });
});

describe("normalizeEndpoint", () => {
  it.each([
    ["http://h:8080", "http://h:8080/zstack/v1"],
    ["http://h:8080/", "http://h:8080/zstack/v1"],
    ["http://h:8080/zstack", "http://h:8080/zstack/v1"],
    ["http://h:8080/zstack/v1/", "http://h:8080/zstack/v1"],
    ["https://proxy/api/zstack/v1", "https://proxy/api/zstack/v1"],
  ])("%s → %s", (input, out) => expect(normalizeEndpoint(input)).toBe(out));
});

describe("resolveZStackConfig with attributes left out entirely", () => {
  it("treats a missing key like null", () => {
    const partial = { host: "h", account_name: "a", account_password: "b" } as unknown as ZStackProviderConfig;
    expect(resolveZStackConfig(partial, {}).baseUrl).toBe("http://h:8080/zstack/v1");
  });
});
