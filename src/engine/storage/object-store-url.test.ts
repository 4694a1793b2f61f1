import { describe, expect, it } from "vitest";
import { StorageError } from "./errors.js";
import { parseObjectStoreUrl, redactUrl, targetName } from "./object-store-url.js";

describe("parseObjectStoreUrl", () => {
  it("reads bucket, prefix, endpoint, region, path style and keys", () => {
    const t = parseObjectStoreUrl("s3://backups/lab/eng-1?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=true&access_key=AK&secret_key=SK", {});
    expect(t).toEqual({
      bucket: "backups",
      prefix: "lab/eng-1/",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
      pathStyle: true,
      credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
    });
    expect(targetName(t)).toBe("s3://backups/lab/eng-1/");
  });

  it("defaults: no prefix, the region from AWS_REGION, virtual-host style, the SDK's credential chain", () => {
    expect(parseObjectStoreUrl("s3://backups", { AWS_REGION: "ap-east-1" })).toEqual({ bucket: "backups", prefix: "", region: "ap-east-1", pathStyle: false });
    expect(parseObjectStoreUrl("s3://backups/", {}).region).toBe("us-east-1");
  });

  it.each([
    ["another scheme", "http://backups/x", "must start with s3://"],
    ["no bucket", "s3:///x", "not a valid bucket name"],
    ["an upper-case bucket", "s3://Backups/x", "not a valid bucket name"],
    ["an unknown setting", "s3://backups?endpint=http://x", 'unknown setting "endpint"'],
    ["a repeated setting", "s3://backups?region=a&region=b", 'setting "region" is given twice'],
    ["an endpoint that is not http(s)", "s3://backups?endpoint=ftp://x", "must be an http:// or https:// URL"],
    ["path_style that is not a boolean", "s3://backups?path_style=yes", "path_style must be true or false"],
    ["half a key pair", "s3://backups?access_key=AK", "access_key and secret_key go together"],
    ["a port in the host part", "s3://backups:9000/x", "endpoint in ?endpoint="],
    ["a .. segment", "s3://backups/a/../b", "may not contain . or .."],
  ])("rejects %s, naming the flag", (_name, url, fragment) => {
    let err: unknown;
    try {
      parseObjectStoreUrl(url, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).field).toBe("chunks");
    expect((err as StorageError).message).toContain(fragment);
  });

  it("never repeats a secret in an error or a redacted URL", () => {
    const url = "s3://backups?access_key=AK&secret_key=TOPSECRET&session_token=TOKEN&bogus=1";
    expect(() => parseObjectStoreUrl(url, {})).toThrow(/unknown setting "bogus"/);
    expect(() => parseObjectStoreUrl(url, {})).not.toThrow(/TOPSECRET|TOKEN/);
    expect(redactUrl(url)).toBe("s3://backups?access_key=AK&secret_key=***&session_token=***&bogus=1");
  });
});
