import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MetadataError, type MetadataStore } from "./metadata-store.js";
import { PgMetadataStore } from "./pg-store.js";
import { redactMetadataUrl } from "./pg-url.js";
import { SqliteMetadataStore } from "./sqlite-store.js";

/** Written into a data dir whose `engine.db` was copied to PostgreSQL: that file is history from then on. */
export const METADATA_LOCATION_FILE = "metadata-location.json";

interface MetadataLocation {
  format: "backplan-metadata-location/1";
  /** The target database, host:port/database (no user, no password). */
  database: string;
}

/** host:port/database of a `--metadata` URL. */
export function databaseOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
}

/** Records (atomically) that `dataDir`'s metadata now lives in the database of `url`. */
export function recordMetadataLocation(dataDir: string, url: string): void {
  const body: MetadataLocation = { format: "backplan-metadata-location/1", database: databaseOf(url) };
  const file = join(dataDir, METADATA_LOCATION_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Opens the engine's metadata: `engine.db` in `dataDir` when `metadata` is undefined (the embedded engine, as
 * always), else the PostgreSQL database of that URL. Refuses the two mix-ups that would serve the wrong data:
 * the embedded engine on a data dir whose metadata was migrated to PostgreSQL (its `engine.db` is stale), and a
 * PostgreSQL engine on a data dir that still holds an embedded engine's `engine.db` that was never migrated.
 */
export function openMetadataStore(dataDir: string, metadata: string | undefined): MetadataStore {
  const located = readLocation(dataDir);
  if (metadata === undefined) {
    if (located) {
      throw new MetadataError(
        `${dataDir}: its metadata was moved to PostgreSQL (${located.database}) by backplan engine migrate; start the engine with --metadata postgres://...@${located.database}`,
      );
    }
    return new SqliteMetadataStore(dataDir);
  }
  if (!located && existsSync(join(dataDir, "engine.db"))) {
    throw new MetadataError(
      `${dataDir} holds an embedded engine's metadata (engine.db) that is not in ${redactMetadataUrl(metadata)}: copy it with ` +
        `backplan engine migrate --from ${dataDir} --to-metadata URL, or give this node a data dir of its own`,
    );
  }
  mkdirSync(dataDir, { recursive: true }); // as the embedded store does: the volumes and backups still live there
  return PgMetadataStore.open(metadata);
}

function readLocation(dataDir: string): MetadataLocation | undefined {
  const file = join(dataDir, METADATA_LOCATION_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const body = JSON.parse(readFileSync(file, "utf8")) as Partial<MetadataLocation>;
    if (body.format === "backplan-metadata-location/1" && typeof body.database === "string") return body as MetadataLocation;
  } catch {
    // reported below
  }
  throw new MetadataError(`${file} is damaged: expected {"format":"backplan-metadata-location/1","database":"HOST:PORT/DB"}`);
}
