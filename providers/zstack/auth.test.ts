import { describe, expect, it } from "vitest";
import { accessKeyAuthorization, sha512Hex } from "./auth.js";

describe("ZStack auth helpers", () => {
  it("hashes the login password as lowercase hex SHA-512", () => {
    const h = sha512Hex("password");
    expect(h).toHaveLength(128);
    expect(h.startsWith("b109f3bbbc244eb82441")).toBe(true); // from `printf password | sha512sum`
  });

  it("signs METHOD\\nDate\\n/v1<path> with HMAC-SHA1 (vector from openssl dgst -sha1 -hmac)", () => {
    const date = "Wed, 25 Nov 2026 10:00:00 GMT";
    expect(accessKeyAuthorization("KEYID", "secret123", "GET", date, "/cdp-task")).toBe("ZStack KEYID:CjM+TwQndHyVtInjDmuhz/4GJuY=");
  });
});
