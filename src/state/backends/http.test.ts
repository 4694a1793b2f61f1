import { describe, expect, it } from "vitest";
import { BackendConfigError } from "./backend.js";
import { httpBackendConfig } from "./http.js";
import { backoffMs, retryableStatus } from "./retry.js";

describe("http backend settings, as Terraform 1.11 resolves them", () => {
  it("applies Terraform's defaults", () => {
    const c = httpBackendConfig({ address: "https://gitlab.example/api/v4/projects/1/terraform/state/prod" }, {});
    expect(c).toMatchObject({ updateMethod: "POST", lockMethod: "LOCK", unlockMethod: "UNLOCK", username: "", password: "", skipCertVerification: false });
    expect(c.retry).toEqual({ retryMax: 2, waitMinMs: 1000, waitMaxMs: 30_000 });
    expect(c.lockAddress).toBeUndefined();
    expect(c.unlockAddress).toBeUndefined();
  });

  it("takes every TF_HTTP_* variable when the argument is not written, and the argument over the variable", () => {
    const env = {
      TF_HTTP_ADDRESS: "http://s/state",
      TF_HTTP_LOCK_ADDRESS: "http://s/state/lock",
      TF_HTTP_UNLOCK_ADDRESS: "http://s/state/lock",
      TF_HTTP_LOCK_METHOD: "POST",
      TF_HTTP_UNLOCK_METHOD: "DELETE",
      TF_HTTP_UPDATE_METHOD: "PUT",
      TF_HTTP_USERNAME: "gitlab-ci-token",
      TF_HTTP_PASSWORD: "s3cret",
      TF_HTTP_RETRY_MAX: "5",
      TF_HTTP_RETRY_WAIT_MIN: "2",
      TF_HTTP_RETRY_WAIT_MAX: "9",
    };
    const c = httpBackendConfig({}, env);
    expect(c.address.href).toBe("http://s/state");
    expect(c.lockAddress?.href).toBe("http://s/state/lock");
    expect(c).toMatchObject({ lockMethod: "POST", unlockMethod: "DELETE", updateMethod: "PUT", username: "gitlab-ci-token", password: "s3cret" });
    expect(c.retry).toEqual({ retryMax: 5, waitMinMs: 2000, waitMaxMs: 9000 });
    const over = httpBackendConfig({ address: "http://t/x", username: "me", retry_max: "0" }, env);
    expect(over.address.href).toBe("http://t/x");
    expect(over.username).toBe("me");
    expect(over.retry.retryMax).toBe(0);
  });

  it("an empty variable counts as unset", () => {
    expect(() => httpBackendConfig({}, { TF_HTTP_ADDRESS: "" })).toThrow(/address argument is required/);
  });

  const bad: [string, Record<string, unknown>, NodeJS.ProcessEnv, string, RegExp][] = [
    ["no address", {}, {}, "address", /address argument is required/],
    ["a non-http address", { address: "ftp://x/y" }, {}, "address", /address must be HTTP or HTTPS/],
    ["an unparsable lock_address", { address: "http://x/y", lock_address: "::" }, {}, "lock_address", /failed to parse lock_address URL/],
    ["an unknown argument", { address: "http://x/y", workspace: "dev" }, {}, "workspace", /has no argument "workspace"/],
    ["a retry_max that is not a number", { address: "http://x/y", retry_max: "many" }, {}, "retry_max", /whole number/],
    ["a bad TF_HTTP_RETRY_WAIT_MIN", { address: "http://x/y" }, { TF_HTTP_RETRY_WAIT_MIN: "1.5" }, "TF_HTTP_RETRY_WAIT_MIN", /whole number/],
    ["a method with a space", { address: "http://x/y", lock_method: "LO CK" }, {}, "lock_method", /HTTP method/],
    ["a client certificate without its key", { address: "https://x/y", client_certificate_pem: "pem" }, {}, "client_private_key_pem", /client_private_key_pem is not/],
    ["skip_cert_verification that is not a bool", { address: "https://x/y", skip_cert_verification: "yes" }, {}, "skip_cert_verification", /true or false/],
  ];
  it.each(bad)("refuses %s, naming the argument", (_, settings, env, attribute, message) => {
    let err: unknown;
    try {
      httpBackendConfig(settings, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackendConfigError);
    expect((err as BackendConfigError).attribute).toBe(attribute);
    expect((err as Error).message).toMatch(message);
  });
});

describe("go-retryablehttp's retry rule", () => {
  it("retries 429 and 5xx except 501, nothing else", () => {
    expect([429, 500, 502, 503, 504].every(retryableStatus)).toBe(true);
    expect([200, 204, 400, 401, 404, 409, 423, 501].some(retryableStatus)).toBe(false);
  });
  it("doubles from the minimum up to the maximum and honours Retry-After on 429/503", () => {
    const p = { retryMax: 5, waitMinMs: 1000, waitMaxMs: 5000 };
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(p, a))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(p, 0, 503, "7")).toBe(7000);
    expect(backoffMs(p, 0, 500, "7")).toBe(1000);
  });
});
