import { existsSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, boolFlag, stringFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import type { EngineContext } from "../../engine/context.js";

const SERVE_FLAGS = {
  data: { type: "string" },
  listen: { type: "string" },
  demo: { type: "boolean" },
  "time-zone": { type: "string" },
  "session-timeout": { type: "string" },
  chunks: { type: "string" },
  "primary-storage": { type: "string" },
  "node-name": { type: "string" },
  "advertise-url": { type: "string" },
  metadata: { type: "string" },
} as const;

/** The environment variable `--chunks` falls back to (a flag given on the command line wins). */
export const CHUNKS_ENV = "BACKPLAN_ENGINE_CHUNKS";
/** The environment variable `--primary-storage` falls back to (a flag given on the command line wins). */
export const PRIMARY_STORAGE_ENV = "BACKPLAN_ENGINE_PRIMARY_STORAGE";
/** The environment variables `--node-name` and `--advertise-url` fall back to. */
export const NODE_NAME_ENV = "BACKPLAN_ENGINE_NODE_NAME";
export const ADVERTISE_URL_ENV = "BACKPLAN_ENGINE_ADVERTISE_URL";

/** `--FLAG`, else the environment variable (when set and not empty), else undefined. */
function flagOrEnv(args: ReturnType<typeof parseArgs>, flag: string, env: string): string | undefined {
  return stringFlag(args, flag) ?? (process.env[env] || undefined);
}

/** The environment variable `--metadata` falls back to (a flag given on the command line wins). */
export const METADATA_ENV = "BACKPLAN_ENGINE_METADATA";

/** `--chunks`, else BACKPLAN_ENGINE_CHUNKS (when set and not empty), else undefined: local chunk directories. */
function chunksSetting(args: ReturnType<typeof parseArgs>): string | undefined {
  return flagOrEnv(args, "chunks", CHUNKS_ENV);
}

/**
 * `--primary-storage`, else BACKPLAN_ENGINE_PRIMARY_STORAGE (when set and not empty), else undefined: volumes and
 * backup storages in the data dir. The directory must exist: a shared mount that is missing must fail the start,
 * not fill the local disk under an empty mount point.
 */
function primaryStorageSetting(args: ReturnType<typeof parseArgs>): string | undefined {
  const dir = flagOrEnv(args, "primary-storage", PRIMARY_STORAGE_ENV);
  if (dir === undefined) return undefined;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--primary-storage ${dir} is not a directory (create it, or mount the shared storage there, first)`);
  }
  return resolve(dir);
}

/** `--metadata`, else BACKPLAN_ENGINE_METADATA (when set and not empty), else undefined: `engine.db` in the data dir. */
function metadataSetting(args: ReturnType<typeof parseArgs>): string | undefined {
  return stringFlag(args, "metadata") ?? (process.env[METADATA_ENV] || undefined);
}

/** The metadata database URL, checked: a UsageError naming the option when it is malformed. */
async function checkedMetadataUrl(url: string | undefined, option = "--metadata"): Promise<string | undefined> {
  if (url === undefined) return undefined;
  const { checkMetadataUrl } = await import("../../engine/store/pg-url.js");
  await asUsage(async () => checkMetadataUrl(url, option));
  return url;
}

/** The chunk store URL, checked: a UsageError naming the setting when it is malformed. */
async function checkedChunksUrl(url: string | undefined): Promise<string | undefined> {
  if (url === undefined) return undefined;
  const { parseObjectStoreUrl } = await import("../../engine/storage/object-store-url.js");
  await asUsage(async () => parseObjectStoreUrl(url));
  return url;
}

/**
 * Runs `fn`, turning the storage layer's errors about where chunks live (a bad URL, an unreachable bucket, a
 * storage bound elsewhere, a damaged location record), the metadata store's (a bad `--metadata` URL, an
 * unreachable database, a data dir migrated elsewhere) and the cluster's about this node's identity (a bad or
 * taken node name, a bad advertise URL) into a UsageError: the user reads the message, which names the setting
 * and the fix, not a stack trace.
 */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && ["StorageError", "MetadataError", "NodeIdentityError"].includes(e.name)) throw new UsageError(e.message);
    throw e;
  }
}

/** Splits `HOST:PORT` (IPv6 as `[::1]:8080`); throws a UsageError naming the flag on bad input. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`-listen must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Where the demo AccessKey's secret is kept (mode 0600), so it is printed once, when first created, not at every start. */
export const DEMO_KEY_FILE = "demo-access-key.json";

/** How long a stop (SIGTERM, SIGINT) may take before the engine exits anyway; storage is crash-safe either way. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * How to log in: the ZStack admin account always, the demo lab's AccessKey and CSBS user with --demo. The
 * AccessKey secret is shown only the first time (when its 0600 file is written); later starts name the file.
 */
async function loginText(context: EngineContext, url: string): Promise<string> {
  const { engineServices } = await import("../../engine/domain/services.js");
  const { demoAccessKey } = await import("../../engine/domain/demo.js");
  const { accounts } = engineServices(context);
  const lines = [
    "",
    "Logins:",
    "  ZStack account:   admin / password",
    `                    curl -X PUT ${url}/zstack/v1/accounts/login -H 'Content-Type: application/json' \\`,
    `                      -d '{"logInByAccount":{"accountName":"admin","password":"'$(printf password | sha512sum | cut -d' ' -f1)'"}}'`,
    "                    then send 'Authorization: OAuth <inventory.uuid>' on every call",
  ];
  const key = context.options.demo ? demoAccessKey(accounts) : undefined;
  if (key) {
    const file = join(context.dataDir, DEMO_KEY_FILE);
    if (!existsSync(file)) {
      writeFileSync(file, `${JSON.stringify({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret })}\n`, { mode: 0o600 });
      lines.push(`  ZStack AccessKey: ${key.accessKeyId} / ${key.accessKeySecret}`);
      lines.push(`                    (shown once; kept in ${file}, mode 0600)`);
    } else {
      lines.push(`  ZStack AccessKey: ${key.accessKeyId} (secret in ${file})`);
    }
    lines.push("  CSBS / Keystone:  user demo / password");
  }
  return `${lines.join("\n")}\n`;
}

async function serve(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SERVE_FLAGS);
  const { startEngine, DEFAULT_LISTEN } = await import("../../engine/server.js");
  const listen = parseListen(stringFlag(args, "listen") ?? `${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}`);
  const timeout = stringFlag(args, "session-timeout");
  const sessionTimeoutSeconds = timeout === undefined ? 7200 : Number(timeout);
  if (!Number.isInteger(sessionTimeoutSeconds) || sessionTimeoutSeconds <= 0) {
    throw new UsageError(`-session-timeout must be a positive number of seconds, got "${timeout}"`);
  }
  const timeZone = stringFlag(args, "time-zone");
  const chunks = await checkedChunksUrl(chunksSetting(args));
  const primaryStorage = primaryStorageSetting(args);
  const nodeName = flagOrEnv(args, "node-name", NODE_NAME_ENV);
  const advertiseUrl = flagOrEnv(args, "advertise-url", ADVERTISE_URL_ENV);
  const metadata = await checkedMetadataUrl(metadataSetting(args));
  const engine = await asUsage(() =>
    startEngine({
      dataDir: stringFlag(args, "data") ?? ".backplan/engine",
      host: listen.host,
      port: listen.port,
      demo: boolFlag(args, "demo"),
      sessionTimeoutSeconds,
      ...(timeZone !== undefined ? { timeZone } : {}),
      ...(chunks !== undefined ? { chunks } : {}),
      ...(primaryStorage !== undefined ? { primaryStorage } : {}),
      ...(nodeName !== undefined ? { nodeName } : {}),
      ...(advertiseUrl !== undefined ? { advertiseUrl } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    }),
  );
  process.stdout.write(`backplan engine listening on ${engine.url}\n`);
  process.stdout.write(`  ZStack API: ${engine.url}/zstack/v1\n  CSBS API:   ${engine.url}/v1/{project_id}\n  Keystone:   ${engine.url}/v3\n`);
  process.stdout.write(`  Admin API:  ${engine.url}/engine/v1 (ZStack admin session or AccessKey)\n`);
  process.stdout.write(`  Terraform state: ${engine.url}/engine/v1/states/NAME (backend "http", basic auth with an engine account)\n`);
  process.stdout.write(`  data dir:   ${engine.context.dataDir}\n`);
  if (primaryStorage !== undefined) process.stdout.write(`  primary storage: ${primaryStorage}\n`);
  if (metadata !== undefined) process.stdout.write(`  metadata:   ${engine.context.store.location}\n`);
  if (chunks !== undefined) {
    const { redactUrl } = await import("../../engine/storage/object-store-url.js");
    process.stdout.write(`  chunks:     ${redactUrl(chunks)}\n`);
  }
  const { cluster } = engine.context;
  if (cluster.shared) process.stdout.write(`  node:       ${cluster.self.id} (other nodes reach it at ${cluster.self.url ?? engine.url})\n`);
  process.stdout.write(await loginText(engine.context, engine.url));
  // A stop aborts running jobs (recorded as failed) and closes; if that takes longer than SHUTDOWN_TIMEOUT_MS,
  // or a second signal arrives, the process exits anyway: every store is crash-safe, the next start recovers.
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`backplan engine: ${signal} again, exiting now\n`);
        process.exit(1); // something still holds the event loop: returning would not end the process
      }
      stopping = true;
      process.stderr.write(`backplan engine: ${signal}, stopping (running jobs are aborted and recorded as failed)\n`);
      const timer = setTimeout(() => {
        process.stderr.write(`backplan engine: shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s, exiting now\n`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      engine.close().then(
        () => {
          clearTimeout(timer);
          done(0);
        },
        (e: unknown) => {
          clearTimeout(timer);
          process.stderr.write(`backplan engine: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
          done(1);
        },
      );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}

const VERIFY_FLAGS = { data: { type: "string" }, json: { type: "boolean" }, chunks: { type: "string" }, "primary-storage": { type: "string" }, metadata: { type: "string" } } as const;

/**
 * Offline check of the backup storages of a data dir (the engine should not be running on it: opening a CDP
 * journal truncates a torn tail). Exit 0 when every storage is intact, 1 when anything is missing or corrupt.
 */
async function verify(argv: string[]): Promise<number> {
  const args = parseArgs(argv, VERIFY_FLAGS);
  if (args.positionals.length > 1) throw new UsageError(`engine verify takes at most one BACKUP_STORAGE_UUID, got ${args.positionals.length}`);
  const dataDir = stringFlag(args, "data") ?? ".backplan/engine";
  const metadata = await checkedMetadataUrl(metadataSetting(args));
  if (metadata === undefined && !existsSync(join(dataDir, "engine.db"))) throw new UsageError(`--data ${dataDir} is not an engine data dir (no engine.db)`);
  const { openMetadataStore } = await import("../../engine/store/open-store.js");
  const { Inventory } = await import("../../engine/domain/inventory.js");
  const { ChunkBackupStore } = await import("../../engine/storage/chunk-backup-store.js");
  const { VmBackups } = await import("../../engine/domain/vm-backups.js");
  const { Cdp } = await import("../../engine/domain/cdp.js");
  const { systemClock } = await import("../../engine/domain/clock.js");
  const { formatVerifyReport, recordedOn, verifyBackupStorage } = await import("../../engine/domain/storage-verify.js");
  const { openStorageSite } = await import("../../engine/storage/storage-site.js");
  // Chunks are read where the engine keeps them: the storages must agree with --chunks (or its absence).
  const chunksUrl = await checkedChunksUrl(chunksSetting(args));
  const primaryStorage = primaryStorageSetting(args);
  const site = await asUsage(async () =>
    openStorageSite({
      dataDir: resolve(dataDir),
      ...(chunksUrl !== undefined ? { chunks: chunksUrl } : {}),
      ...(primaryStorage !== undefined ? { primaryStorage } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    }),
  );
  const db = await asUsage(async () => openMetadataStore(resolve(dataDir), metadata)).catch(async (e: unknown) => {
    await site.release();
    throw e;
  });
  const inventory = new Inventory(db, resolve(dataDir), systemClock, site.roots);
  const store = new ChunkBackupStore();
  const vmBackups = new VmBackups(db, systemClock, inventory, store);
  const cdp = new Cdp({ store: db, clock: systemClock, inventory, backupStore: store });
  try {
    const wanted = args.positionals[0];
    const storages = inventory.backupStorages.all().filter((bs) => wanted === undefined || bs.uuid === wanted);
    if (wanted !== undefined && storages.length === 0) throw new UsageError(`backup storage ${wanted} is not in ${dataDir}`);
    let ok = true;
    const reports = [];
    for (const bs of storages) {
      const report = await verifyBackupStorage({ storage: bs, store, ...recordedOn(db, { vmBackups, cdp }, bs) });
      ok &&= report.ok;
      reports.push(report);
      if (!boolFlag(args, "json")) process.stdout.write(`${formatVerifyReport(report).join("\n")}\n`);
    }
    if (boolFlag(args, "json")) process.stdout.write(`${JSON.stringify({ ok, reports }, null, 2)}\n`);
    return ok ? 0 : 1;
  } finally {
    await cdp.close();
    db.close();
    await site.release();
  }
}

const MIGRATE_FLAGS = { from: { type: "string" }, "to-chunks": { type: "string" }, "to-metadata": { type: "string" }, json: { type: "boolean" } } as const;

/**
 * Moves a stopped embedded engine's data into the scale-out stores: its metadata (`engine.db`) into PostgreSQL
 * (`--to-metadata`), its chunks into an object store (`--to-chunks`), or both in one run. Each part is
 * idempotent, so an interrupted run is finished by running it again. Exit 0 when everything moved, 1 when a
 * damaged chunk kept a storage from switching.
 */
async function migrate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, MIGRATE_FLAGS);
  if (args.positionals.length > 0) throw new UsageError(`engine migrate takes no arguments, got ${args.positionals.join(" ")}`);
  const from = stringFlag(args, "from");
  if (from === undefined) throw new UsageError("engine migrate needs --from DATA_DIR (the embedded engine's data dir)");
  if (!existsSync(join(from, "engine.db"))) throw new UsageError(`--from ${from} is not an engine data dir (no engine.db)`);
  const chunksUrl = await checkedChunksUrl(stringFlag(args, "to-chunks"));
  const metadataUrl = await checkedMetadataUrl(stringFlag(args, "to-metadata"), "--to-metadata");
  if (chunksUrl === undefined && metadataUrl === undefined) {
    throw new UsageError("engine migrate needs --to-metadata postgres://USER:PASSWORD@HOST:PORT/DATABASE and/or --to-chunks s3://BUCKET/PREFIX?endpoint=...");
  }
  const dataDir = resolve(from);
  const json = boolFlag(args, "json");
  const out: Record<string, unknown> = {};
  let ok = true;
  const next: string[] = [];
  if (metadataUrl !== undefined) {
    const { migrateMetadata } = await import("../../engine/store/migrate-metadata.js");
    const m = await asUsage(() => migrateMetadata({ dataDir, url: metadataUrl }));
    out["metadata"] = m;
    if (!json) {
      const what = `${m.documents} documents, ${m.teamStateVersions} team state versions, ${m.teamStateLocks} locks`;
      process.stdout.write(`metadata: ${what} — ${m.copied ? "copied to" : "already in"} ${m.to}\n`);
    }
    next.push(`--metadata ${m.to}`);
  }
  if (chunksUrl !== undefined) {
    const chunks = await migrateChunksTo(dataDir, chunksUrl, json);
    Object.assign(out, { to: chunks.to, storages: chunks.storages });
    ok &&= chunks.ok;
    next.push(`--chunks ${chunks.to}`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ ok, ...out }, null, 2)}\n`);
  else if (ok) {
    process.stdout.write(`Done. Start the engine with --data ${from} ${next.join(" ")} (the real URLs) and check it with backplan engine verify.\n`);
    if (chunksUrl !== undefined) process.stdout.write(`Once verify passes, the local chunk directories (${join(from, "backup", "*", "chunks")}) may be removed.\n`);
  }
  return ok ? 0 : 1;
}

/** Copies the chunks of every backup storage of `dataDir` into the object store of `url` and switches them. */
async function migrateChunksTo(dataDir: string, url: string, json: boolean) {
  const { parseObjectStoreUrl, redactUrl } = await import("../../engine/storage/object-store-url.js");
  const { openObjectStore } = await import("../../engine/storage/object-store-binding.js");
  const { migrateChunks } = await import("../../engine/storage/migrate-chunks.js");
  const target = parseObjectStoreUrl(url);
  const binding = await asUsage(() => openObjectStore(join(dataDir, "backup"), target, url));
  try {
    const MiB = 1024 * 1024;
    const storages = await asUsage(() =>
      migrateChunks({
        dataDir,
        target,
        client: binding.client,
        onStorage: (m) => {
          if (json) return;
          const state = m.switched ? "switched" : "NOT switched";
          process.stdout.write(
            `${m.storageDir}: ${m.localChunks} chunks, ${m.copied} copied (${(m.bytesCopied / MiB).toFixed(1)} MiB), ${m.alreadyThere} already there — ${state}\n`,
          );
          for (const p of m.problems) process.stdout.write(`  damaged ${p.hash}: ${p.detail}\n`);
        },
      }),
    );
    return { ok: storages.every((m) => m.switched), to: redactUrl(url), storages };
  } finally {
    binding.release();
  }
}

export const engineCommand: Command = {
  name: "engine",
  summary: "Run and operate the built-in backup engine",
  usage:
    "backplan engine serve [--data DIR] [--listen 127.0.0.1:8080] [--demo] [--session-timeout SECONDS] [--time-zone ZONE] [--chunks s3://BUCKET/PREFIX?endpoint=URL]\n" +
    "         [--metadata postgres://USER:PASSWORD@HOST:PORT/DB] [--primary-storage DIR] [--node-name NAME] [--advertise-url URL]   (docs/engine-scale-out.md)\n" +
    "       backplan engine verify [--data DIR] [--chunks s3://...] [--metadata postgres://...] [--primary-storage DIR] [--json] [BACKUP_STORAGE_UUID]\n" +
    "       backplan engine migrate --from DIR [--to-metadata postgres://...] [--to-chunks s3://BUCKET/PREFIX?endpoint=URL] [--json]",
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "serve":
        return serve(rest);
      case "verify":
        return verify(rest);
      case "migrate":
        return migrate(rest);
      default:
        throw new UsageError(sub ? `unknown engine subcommand: ${sub}` : "engine needs a subcommand: serve, verify or migrate");
    }
  },
};
