import type { z } from "zod";
import { readIfExists } from "./durable-file.js";
import { StorageError } from "./errors.js";

/**
 * Reads a small JSON record a storage keeps about itself (where its chunks live, how it is coordinated):
 * undefined when the file is absent, the parsed record when it matches `schema`, and `corrupt_metadata` naming
 * the file and `expected` (what a good record looks like) otherwise.
 */
export async function readRecordFile<S extends z.ZodType>(path: string, schema: S, expected: string): Promise<z.infer<S> | undefined> {
  const data = await readIfExists(path);
  if (data === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString("utf8"));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new StorageError("corrupt_metadata", `${path}: not a ${expected}`);
  return parsed.data as z.infer<S>;
}
