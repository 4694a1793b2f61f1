/**
 * Failures of the storage layer. The domain maps them onto its own errors: `invalid_argument` and `not_found`
 * are the caller's fault, the others mean the backup storage holds damaged or missing data.
 */
export type StorageErrorKind =
  | "invalid_argument" // a backup id, size, offset or option the caller passed is unusable; `field` names it
  | "not_found" // the backup, journal or recovery point does not exist (or no longer can be restored)
  | "missing_chunk" // a manifest references a chunk that is not in the chunk store
  | "corrupt_chunk" // a chunk's bytes no longer hash to its name
  | "corrupt_metadata" // a manifest, journal state or bitmap file cannot be read
  | "unavailable"; // the storage's coordination (a PostgreSQL lock or pin lease) was lost: the operation was abandoned

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "StorageError";
  }
}

/** Backup ids, task ids and volume uuids become file names: only a safe alphabet is accepted. */
export function checkName(field: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value) || value.includes("..")) {
    throw new StorageError("invalid_argument", `${field} must be 1-128 characters of [A-Za-z0-9_.-], got ${JSON.stringify(value)}`, field);
  }
  return value;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
