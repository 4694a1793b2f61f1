import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accessKeyAuthorization, signature, stringToSign } from "./access-key-signature.js";

describe("AccessKey signatures", () => {
  it("signs METHOD, Date and the /v1 path without the /zstack context", () => {
    expect(stringToSign("get", "Wed, 25 Nov 2026 16:30:43 GMT", "/zstack/v1/cdp-task")).toBe("GET\nWed, 25 Nov 2026 16:30:43 GMT\n/v1/cdp-task");
  });

  it("signs admin paths as they are", () => {
    expect(stringToSign("PUT", "d", "/engine/v1/volumes/x/data")).toBe("PUT\nd\n/engine/v1/volumes/x/data");
  });

  it("is base64 HMAC-SHA1 of that text with the secret", () => {
    const expected = createHmac("sha1", "s3cret").update("GET\nd\n/v1/zones").digest("base64");
    expect(signature("s3cret", "GET\nd\n/v1/zones")).toBe(expected);
    expect(accessKeyAuthorization("KEY", "s3cret", "GET", "d", "/zstack/v1/zones")).toBe(`ZStack KEY:${expected}`);
  });
});
