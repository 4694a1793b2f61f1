import { describe, expect, it } from "vitest";
import { BackendConfigError } from "./backend.js";
import { s3BackendConfig, s3StatePath, s3WorkspaceOf } from "./s3.js";

const base = { bucket: "tfstate", key: "team/app.tfstate", region: "eu-west-1" };

describe("s3 backend settings, as Terraform 1.11 resolves them", () => {
  it("defaults: prefix env:, no lockfile, checksums on, path style off, 5 retries", () => {
    const c = s3BackendConfig(base, {});
    expect(c).toMatchObject({ workspaceKeyPrefix: "env:", useLockfile: false, skipS3Checksum: false, usePathStyle: false, encrypt: false, maxRetries: 5 });
    expect(c.credentials).toBeUndefined();
    expect(c.endpoint).toBeUndefined();
  });

  it("takes credentials, region and endpoint from AWS_* variables; arguments win", () => {
    const env = {
      AWS_ACCESS_KEY_ID: "AKID",
      AWS_SECRET_ACCESS_KEY: "SECRET",
      AWS_SESSION_TOKEN: "TOKEN",
      AWS_DEFAULT_REGION: "us-east-2",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
    };
    const c = s3BackendConfig({ bucket: "b", key: "k" }, env);
    expect(c.credentials).toEqual({ accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN" });
    expect(c.region).toBe("us-east-2");
    expect(c.endpoint).toBe("http://127.0.0.1:9000");
    const over = s3BackendConfig({ ...base, access_key: "A2", secret_key: "S2", endpoints: { s3: "http://s3.local" } }, { ...env, AWS_REGION: "ap-south-1" });
    expect(over.credentials).toEqual({ accessKeyId: "A2", secretAccessKey: "S2", sessionToken: "TOKEN" });
    expect(over.region).toBe("eu-west-1");
    expect(over.endpoint).toBe("http://s3.local");
  });

  it("accepts the deprecated endpoint and force_path_style, the endpoints block as a one-element list, and string bools", () => {
    const c = s3BackendConfig({ ...base, endpoint: "http://old", force_path_style: "true", skip_s3_checksum: "true" }, {});
    expect(c).toMatchObject({ endpoint: "http://old", usePathStyle: true, skipS3Checksum: true });
    expect(s3BackendConfig({ ...base, endpoints: [{ s3: "http://listed" }] }, {}).endpoint).toBe("http://listed");
    expect(s3BackendConfig({ ...base, workspace_key_prefix: "" }, {}).workspaceKeyPrefix).toBe("");
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["no bucket", { key: "k", region: "r" }, "bucket", /needs "bucket"/],
    ["no key", { bucket: "b", region: "r" }, "key", /needs "key"/],
    ["no region", { bucket: "b", key: "k" }, "region", /needs "region"/],
    ["a key starting with /", { ...base, key: "/a" }, "key", /must not start or end with "\/"/],
    ["a prefix ending with /", { ...base, workspace_key_prefix: "envs/" }, "workspace_key_prefix", /must not start or end/],
    ["dynamodb_table", { ...base, dynamodb_table: "locks" }, "dynamodb_table", /use use_lockfile = true/],
    ["assume_role", { ...base, assume_role: { role_arn: "x" } }, "assume_role", /not implemented/],
    ["an unknown endpoint", { ...base, endpoints: { ec2: "http://x" } }, "endpoints.ec2", /has no "ec2"/],
    ["an endpoint that is not a URL", { ...base, endpoints: { s3: "nope" } }, "endpoints.s3", /not a URL/],
    ["an access key without its secret", { ...base, access_key: "A" }, "secret_key", /go together/],
    ["an unknown argument", { ...base, lock_table: "x" }, "lock_table", /has no argument "lock_table"/],
    ["a skip flag that is not a bool", { ...base, skip_region_validation: "maybe" }, "skip_region_validation", /true or false/],
  ];
  it.each(bad)("refuses %s, naming the argument", (_, settings, attribute, message) => {
    let err: unknown;
    try {
      s3BackendConfig(settings, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackendConfigError);
    expect((err as BackendConfigError).attribute).toBe(attribute);
    expect((err as Error).message).toMatch(message);
  });
});

describe("s3 workspace layout", () => {
  const c = { key: "team/app.tfstate", workspaceKeyPrefix: "env:" };
  it("puts default at key and workspace W at <prefix>/W/<key>", () => {
    expect(s3StatePath(c, "default")).toBe("team/app.tfstate");
    expect(s3StatePath(c, "dev")).toBe("env:/dev/team/app.tfstate");
    expect(s3StatePath({ ...c, workspaceKeyPrefix: "" }, "dev")).toBe("dev/team/app.tfstate");
  });
  it("recognises only objects of this key under the prefix as workspaces", () => {
    expect(s3WorkspaceOf(c, "env:/dev/team/app.tfstate")).toBe("dev");
    expect(s3WorkspaceOf(c, "env:/dev/other.tfstate")).toBeUndefined();
    expect(s3WorkspaceOf(c, "env:/team/app.tfstate")).toBeUndefined();
    expect(s3WorkspaceOf(c, "team/app.tfstate")).toBeUndefined();
    expect(s3WorkspaceOf(c, "env:/dev/team/app.tfstate.tflock")).toBeUndefined();
    expect(s3WorkspaceOf({ ...c, workspaceKeyPrefix: "" }, "qa/team/app.tfstate")).toBe("qa");
  });
});
