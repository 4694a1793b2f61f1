import type { BackendFactory } from "./backend.js";
import { localBackendFactory } from "./local.js";
import { createHttpBackend, HTTP_SETTINGS } from "./http.js";
import type { NestedObjects } from "./init-state.js";
import { createPgBackend, PG_SETTINGS } from "./pg.js";
import { createS3Backend, S3_ENDPOINTS, S3_SETTINGS } from "./s3.js";

/**
 * The backend types backplan implements: type → factory, plus the argument names of each type's schema (what
 * `.terraform/terraform.tfstate` records, nulls included, and what Terraform's backend hash covers).
 */

export interface BackendType {
  /** `dir` is the configuration directory (local paths are relative to it). */
  factory(dir: string): BackendFactory;
  /** Every argument of the type's schema, as Terraform's schema names them. */
  attributes: readonly string[];
  /** Object-typed arguments and their attributes, recorded and hashed with nulls as Terraform does. */
  objects?: NestedObjects;
}

export const BACKEND_TYPES: ReadonlyMap<string, BackendType> = new Map<string, BackendType>([
  ["local", { factory: localBackendFactory, attributes: ["path", "workspace_dir"] }],
  ["pg", { factory: () => createPgBackend, attributes: PG_SETTINGS }],
  ["http", { factory: () => createHttpBackend, attributes: HTTP_SETTINGS }],
  ["s3", { factory: () => createS3Backend, attributes: S3_SETTINGS, objects: { endpoints: S3_ENDPOINTS } }],
]);

/** The supported types, sorted, for "what is supported" messages. */
export function supportedBackendTypes(): string[] {
  return [...BACKEND_TYPES.keys()].sort();
}

export function backendType(type: string): BackendType | undefined {
  return BACKEND_TYPES.get(type);
}
