/** Hash functions over a string's UTF-8 bytes: `md5`, `sha1`, `sha256`, `sha512` and their base64 forms. */
import { createHash } from "node:crypto";
import { STRING, type Type } from "../types.js";
import type { FunctionDef, Param } from "./signature.js";

const p = (name: string, type: Type): Param => ({ name, type });

function hash(algorithm: string, encoding: "hex" | "base64"): FunctionDef {
  return {
    params: [p("str", STRING)],
    returns: STRING,
    impl: ([s]) => createHash(algorithm).update(s as string, "utf8").digest(encoding),
  };
}

export const hashFunctions: Record<string, FunctionDef> = {
  md5: hash("md5", "hex"),
  sha1: hash("sha1", "hex"),
  sha256: hash("sha256", "hex"),
  sha512: hash("sha512", "hex"),
  base64sha256: hash("sha256", "base64"),
  base64sha512: hash("sha512", "base64"),
};
