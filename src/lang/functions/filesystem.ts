/**
 * Filesystem functions. Relative paths start from the context's `baseDir` (the module directory); reading goes
 * through the context's `FileAccess`, so callers decide what "the filesystem" is.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { BOOL, DYNAMIC, setOf, STRING, type Type } from "../types.js";
import { isObject, type Value } from "../value.js";
import type { FunctionContext } from "./context.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type, opts: Partial<Param> = {}): Param => ({ name, type, ...opts });

function resolve(ctx: FunctionContext, file: string): string {
  return path.resolve(ctx.baseDir, file);
}

function readText(ctx: FunctionContext, file: string, argIndex: number): string {
  let bytes: Buffer;
  try {
    bytes = ctx.files.readFile(resolve(ctx, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no file exists at" : code === "EISDIR" ? "a directory, not a file, is at" : "cannot read";
    throw new FunctionError(`${why} ${JSON.stringify(file)}; this function works only with files that are distributed as part of the configuration source code`, argIndex);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FunctionError(`contents of ${JSON.stringify(file)} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents`, argIndex);
  }
}

function readBytes(ctx: FunctionContext, file: string, argIndex: number): Buffer {
  try {
    return ctx.files.readFile(resolve(ctx, file));
  } catch {
    throw new FunctionError(`no file exists at ${JSON.stringify(file)}`, argIndex);
  }
}

function fileHash(algorithm: string, encoding: "hex" | "base64"): FunctionDef {
  return {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f], ctx) => createHash(algorithm).update(readBytes(ctx, f as string, 0)).digest(encoding),
  };
}

/**
 * A glob as Terraform's `fileset` understands it: `*` (within one path segment), `**` (any number of
 * segments), `?`, `[...]` classes and `{a,b}` alternatives.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const slash = pattern[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) throw new FunctionError(`invalid pattern ${JSON.stringify(pattern)}: unterminated [`, 1);
      re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "{") {
      depth++;
      re += "(?:";
    } else if (c === "}" && depth > 0) {
      depth--;
      re += ")";
    } else if (c === "," && depth > 0) re += "|";
    else re += c.replace(/[.+^$()|\\]/g, "\\$&");
  }
  if (depth > 0) throw new FunctionError(`invalid pattern ${JSON.stringify(pattern)}: unterminated {`, 1);
  return new RegExp(`^${re}$`);
}

export const filesystemFunctions: Record<string, FunctionDef> = {
  filemd5: fileHash("md5", "hex"),
  filesha1: fileHash("sha1", "hex"),
  filesha256: fileHash("sha256", "hex"),
  filesha512: fileHash("sha512", "hex"),
  filebase64sha256: fileHash("sha256", "base64"),
  filebase64sha512: fileHash("sha512", "base64"),
  fileset: {
    params: [p("path", STRING), p("pattern", STRING)],
    returns: setOf(STRING),
    impl: ([dir, pattern], ctx) => {
      const re = globToRegExp(pattern as string);
      return ctx.files
        .listFiles(resolve(ctx, dir as string))
        .filter((f) => re.test(f))
        .sort();
    },
  },
  file: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f], ctx) => readText(ctx, f as string, 0),
  },
  filebase64: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f], ctx) => readBytes(ctx, f as string, 0).toString("base64"),
  },
  fileexists: {
    params: [p("path", STRING)],
    returns: BOOL,
    impl: ([f], ctx) => {
      try {
        return ctx.files.fileExists(resolve(ctx, f as string));
      } catch (e) {
        throw new FunctionError((e as Error).message, 0);
      }
    },
  },
  templatefile: {
    params: [p("path", STRING), p("vars", DYNAMIC)],
    returns: DYNAMIC,
    impl: ([f, vars], ctx) => {
      if (!isObject(vars as Value)) throw new FunctionError("vars must be a map or an object", 1);
      const source = readText(ctx, f as string, 0);
      if (!ctx.renderTemplate) throw new FunctionError("templates cannot be rendered in this context");
      for (const k of Object.keys(vars as object)) {
        if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k)) throw new FunctionError(`invalid template variable name ${JSON.stringify(k)}: must start with a letter or underscore`, 1);
      }
      const r = ctx.renderTemplate(source, resolve(ctx, f as string), vars as Record<string, Value>);
      if (r.error !== undefined) throw new FunctionError(r.error);
      return r.value;
    },
  },
  templatestring: {
    params: [p("template", STRING), p("vars", DYNAMIC)],
    returns: DYNAMIC,
    impl: ([source, vars], ctx) => {
      if (!isObject(vars as Value)) throw new FunctionError("vars must be a map or an object", 1);
      if (!ctx.renderTemplate) throw new FunctionError("templates cannot be rendered in this context");
      const r = ctx.renderTemplate(source as string, "<templatestring>", vars as Record<string, Value>);
      if (r.error !== undefined) throw new FunctionError(r.error);
      return r.value;
    },
  },
  abspath: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f], ctx) => resolve(ctx, f as string),
  },
  basename: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f]) => {
      const s = f as string;
      if (s === "") return ".";
      const trimmed = s.replace(/\/+$/, "");
      return trimmed === "" ? "/" : path.posix.basename(trimmed);
    },
  },
  dirname: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f]) => path.posix.dirname(f as string),
  },
  pathexpand: {
    params: [p("path", STRING)],
    returns: STRING,
    impl: ([f]) => {
      const s = f as string;
      const home = process.env["HOME"] ?? "";
      return s === "~" ? home : s.startsWith("~/") ? path.join(home, s.slice(2)) : s;
    },
  },
};
