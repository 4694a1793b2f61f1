import { createHash, createHmac } from "node:crypto";
import type { NodeTimeZone } from "./node-time.js";

/** How the ZStack client authenticates. */
export type ZStackAuth =
  | { kind: "session"; accountName: string; password: string }
  | { kind: "access_key"; accessKeyId: string; accessKeySecret: string; timeZone: NodeTimeZone };

/** ZStack stores and compares passwords as lowercase hex SHA-512; login sends that digest. */
export function sha512Hex(password: string): string {
  return createHash("sha512").update(password, "utf8").digest("hex");
}

/**
 * The AccessKey signature: Base64(HMAC-SHA1(secret, METHOD "\n" Date "\n" "/v1" + path)), where `apiPath` is
 * the path below `/zstack/v1` without query string (e.g. `/cdp-task`).
 */
export function accessKeySignature(secret: string, method: string, date: string, apiPath: string): string {
  return createHmac("sha1", secret).update(`${method}\n${date}\n/v1${apiPath}`, "utf8").digest("base64");
}

/** The `Authorization` header value for AccessKey auth. */
export function accessKeyAuthorization(id: string, secret: string, method: string, date: string, apiPath: string): string {
  return `ZStack ${id}:${accessKeySignature(secret, method, date, apiPath)}`;
}
