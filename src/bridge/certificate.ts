import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import {
  bitString,
  booleanTrue,
  explicit,
  implicitPrimitive,
  octetString,
  oid,
  sequence,
  set,
  unsignedInteger,
  utcTime,
  utf8String,
} from "./der.js";

/** A server identity for go-plugin's automatic mutual TLS. */
export interface ServerCertificate {
  /** DER bytes; the handshake line carries them in unpadded base64. */
  der: Buffer;
  certPem: string;
  keyPem: string;
}

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(id), booleanTrue(), octetString(value)) : sequence(oid(id), octetString(value));
}

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * A fresh self-signed ECDSA P-256 certificate for `localhost` / 127.0.0.1, shaped like the one go-plugin makes
 * for itself: a CA (Terraform installs it as the only root it trusts) usable for server and client auth, valid
 * from a minute ago for one day. Built with node:crypto alone, so start-up pays for no X.509 library.
 */
export function selfSignedCertificate(now = new Date(), key?: KeyObject): ServerCertificate {
  const privateKey = key ?? generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  const publicKeyDer = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const name = sequence(
    set(sequence(oid("2.5.4.10"), utf8String("backplan"))),
    set(sequence(oid("2.5.4.3"), utf8String("localhost"))),
  );
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const extensions = sequence(
    extension("2.5.29.19", true, sequence(booleanTrue())),
    // digitalSignature | keyEncipherment | keyCertSign: bits 0, 2, 5 → 0b10100100, 2 unused bits.
    extension("2.5.29.15", true, bitString(Buffer.from([0xa4]), 2)),
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))),
    extension("2.5.29.17", false, sequence(implicitPrimitive(2, Buffer.from("localhost")), implicitPrimitive(7, Buffer.from([127, 0, 0, 1])))),
  );
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(utcTime(new Date(now.getTime() - 60_000)), utcTime(new Date(now.getTime() + 86_400_000))),
    name,
    publicKeyDer,
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    der,
    certPem: pem("CERTIFICATE", der),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
