import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** An open metadata database. `close()` must be called before the data dir is removed. */
export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE objects (
     kind TEXT NOT NULL,
     uuid TEXT NOT NULL,
     doc  TEXT NOT NULL,
     PRIMARY KEY (kind, uuid)
   )`,
];

/**
 * Opens (creating when absent) the engine's metadata database `engine.db` in `dataDir` and brings its schema
 * up to date. WAL mode with synchronous=NORMAL: a committed transaction survives a process crash, which is what
 * "a restarted engine serves exactly what it served before" needs; power loss may lose the last commits.
 */
export function openDb(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "engine.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const version = db.pragma("user_version", { simple: true }) as number;
  const migrate = db.transaction(() => {
    for (let i = version; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  migrate();
  return db;
}
