/**
 * A throwaway PostgreSQL 15 cluster for tests: `startPostgres()` runs initdb in a fresh temporary directory as
 * an unprivileged user (initdb refuses root), starts it on a free 127.0.0.1 port with trust authentication, and
 * returns how to reach it. `stop()` stops that server by its own pid and removes the directory. The binaries come
 * from Debian's postgresql-15 (scripts/test-deps.sh installs it).
 *
 *   const pgsrv = await startPostgres();          // beforeAll
 *   const url = await pgsrv.createDatabase("t1"); // postgres://postgres@127.0.0.1:PORT/t1?sslmode=disable
 *   await pgsrv.stop();                           // afterAll
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface Postgres {
  /** Connection string of the `postgres` database as superuser `postgres`. */
  readonly connString: string;
  readonly port: number;
  /** Connection string of a new, empty database `name`. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (by its pid) and removes its directory. */
  stop(): Promise<void>;
}

/** uid/gid to run the cluster as: ourselves when not root, else `nobody` (or a `backplan-test` user we add). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (user: string) => {
    const r = spawnSync("id", ["-u", user], { encoding: "utf8" });
    if (r.status !== 0) return undefined;
    return { uid: Number(r.stdout.trim()), gid: Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim()) };
  };
  const nobody = id("nobody");
  if (nobody) return nobody;
  execFileSync("useradd", ["--system", "--no-create-home", "backplan-test"]);
  return id("backplan-test");
}

export async function startPostgres(): Promise<Postgres> {
  if (!existsSync(join(PG_BIN, "initdb"))) throw new Error(`${PG_BIN}/initdb is missing: install postgresql-15 (bash scripts/test-deps.sh)`);
  const dir = mkdtempSync(join(tmpdir(), "backplan-pg-"));
  const data = join(dir, "data");
  const who = runAs();
  if (who) chownSync(dir, who.uid, who.gid);
  const opts = { ...(who ? { uid: who.uid, gid: who.gid } : {}), encoding: "utf8" as const, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C" } };
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(PG_BIN, cmd), args, { ...opts, cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}) as ${who ? `uid ${who.uid}` : userInfo().username}:\n${r.stdout}\n${r.stderr}`);
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "-o", `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off`, "start"]);
  const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}?sslmode=disable`;
  return {
    connString: url("postgres"),
    port,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url("postgres") });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      try {
        process.kill(pid, "SIGINT"); // fast shutdown
      } catch {
        // already gone
      }
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on the database of `url` (own connection) and returns its rows. */
export async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}
