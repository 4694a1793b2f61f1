/**
 * What functions may learn about the world, passed in by the caller so the functions themselves stay pure:
 * the directory relative paths start from, whether this is a plan (when `timestamp()` and `uuid()` are not yet
 * known), the clock, a UUID source and file access.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Value, ValueObject } from "../value.js";

export interface FileAccess {
  /** The bytes of the file at an absolute path; throws when it cannot be read. */
  readFile(absPath: string): Buffer;
  /** Whether a regular file exists at an absolute path (throws when the path exists but is not a file). */
  fileExists(absPath: string): boolean;
  /** Paths of every regular file under a directory, relative to it with "/" separators ([] when absent). */
  listFiles(absDir: string): string[];
}

export interface FunctionContext {
  /** Directory that relative paths in `file()`, `templatefile()`, `abspath()`... start from (`path.module`). */
  baseDir: string;
  /** During plan, `timestamp()` and `uuid()` are unknown (they are decided at apply). */
  planning: boolean;
  now(): Date;
  randomUUID(): string;
  files: FileAccess;
  /**
   * Renders a template file's text with the given variables (set by the evaluator, which owns template
   * parsing and evaluation). Absent: `templatefile()` reports that templates are not available here.
   */
  renderTemplate?(source: string, filename: string, vars: ValueObject): { value: Value; error?: string };
}

/** Reads from the real filesystem; the default `FileAccess`. */
export const nodeFiles: FileAccess = {
  readFile: (p) => readFileSync(p),
  fileExists: (p) => {
    if (!existsSync(p)) return false;
    if (!statSync(p).isFile()) throw new Error(`${p} is not a regular file`);
    return true;
  },
  listFiles: (dir) => {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(dir, path.join(d.parentPath ?? d.path, d.name)).split(path.sep).join("/"));
  },
};

/** A context with real clock, UUIDs and files; override what a caller needs to fix. */
export function functionContext(overrides: Partial<FunctionContext> = {}): FunctionContext {
  return {
    baseDir: process.cwd(),
    planning: false,
    now: () => new Date(),
    randomUUID: () => randomUUID(),
    files: nodeFiles,
    ...overrides,
  };
}
