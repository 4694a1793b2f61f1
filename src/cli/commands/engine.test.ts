import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../args.js";
import { ADVERTISE_URL_ENV, CHUNKS_ENV, engineCommand, METADATA_ENV, NODE_NAME_ENV, PRIMARY_STORAGE_ENV } from "./engine.js";

// Only the refusals: each is decided before an engine, a database or a bucket is touched.
describe("engine --chunks, --metadata and engine migrate arguments", () => {
  let dir: string;
  const ENVS = [CHUNKS_ENV, PRIMARY_STORAGE_ENV, NODE_NAME_ENV, ADVERTISE_URL_ENV, METADATA_ENV];
  const saved = ENVS.map((name) => process.env[name]);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-engine-cli-"));
    for (const name of ENVS) delete process.env[name];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    ENVS.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
  });

  async function usageError(argv: string[]): Promise<string> {
    const e = await engineCommand.run(argv).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }

  it("serve refuses a malformed --chunks URL, naming what is wrong and never the secret", async () => {
    const msg = await usageError(["serve", "--data", dir, "--chunks", "s3://Bad_Bucket/x?secret_key=HUSH&access_key=a"]);
    expect(msg).toContain("not a valid bucket name");
    expect(msg).not.toContain("HUSH");
  });

  it("serve reads BACKPLAN_ENGINE_CHUNKS when no --chunks is given, and the flag wins over it", async () => {
    process.env[CHUNKS_ENV] = "s3://ok-bucket?path_style=maybe";
    expect(await usageError(["serve", "--data", dir])).toContain("path_style must be true or false");
    expect(await usageError(["serve", "--data", dir, "--chunks", "https://not-s3"])).toContain("must start with s3://");
  });

  it("serve and verify refuse a --primary-storage (or BACKPLAN_ENGINE_PRIMARY_STORAGE) that is not a directory; the flag wins", async () => {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    expect(await usageError(["serve", "--data", dir, "--primary-storage", join(dir, "missing")])).toContain(`--primary-storage ${join(dir, "missing")} is not a directory`);
    process.env[PRIMARY_STORAGE_ENV] = file;
    expect(await usageError(["serve", "--data", dir])).toContain(`--primary-storage ${file} is not a directory`);
    expect(await usageError(["serve", "--data", dir, "--primary-storage", join(dir, "gone")])).toContain(`${join(dir, "gone")} is not a directory`);
    writeFileSync(join(dir, "engine.db"), "");
    expect(await usageError(["verify", "--data", dir, "--primary-storage", file])).toContain("is not a directory");
  });

  it("serve checks --node-name and --advertise-url (or their variables) and refuses them without shared metadata", async () => {
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0", "--node-name", "no spaces"])).toContain("--node-name must be 1–63 letters");
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0", "--advertise-url", "ftp://x"])).toContain("--advertise-url must be an http:// or https:// URL");
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0", "--node-name", "n1"])).toContain("without --metadata the engine is one node");
    process.env[ADVERTISE_URL_ENV] = "http://10.0.0.5:8080/?x=1";
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0"])).toContain("without credentials, query or fragment");
    process.env[ADVERTISE_URL_ENV] = "http://10.0.0.5:8080";
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0"])).toContain("without --metadata there are none");
    process.env[NODE_NAME_ENV] = "-dash-first";
    expect(await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0", "--node-name", "n1"])).toContain("without --metadata the engine is one node");
    expect(existsSync(join(dir, "engine.db"))).toBe(false);
  });

  it("serve and verify refuse a malformed --metadata URL, naming the option and masking the password", async () => {
    const msg = await usageError(["serve", "--data", dir, "--metadata", "mysql://bob:HUSH@db/engine"]);
    expect(msg).toContain("--metadata mysql://bob:***@db/engine: the scheme must be postgres:// or postgresql://");
    expect(msg).not.toContain("HUSH");
    expect(await usageError(["verify", "--data", dir, "--metadata", "postgres://bob:HUSH@db"])).toBe(
      "--metadata postgres://bob:***@db: must name one database as its path (/DATABASE) (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)",
    );
  });

  it("serve fails to start on an unreachable metadata server, naming --metadata and masking the password", async () => {
    const msg = await usageError(["serve", "--data", dir, "--listen", "127.0.0.1:0", "--metadata", "postgres://bob:HUSH@127.0.0.1:1/engine"]);
    expect(msg).toMatch(/^--metadata postgres:\/\/bob:\*\*\*@127\.0\.0\.1:1\/engine: cannot open the metadata database: .*ECONNREFUSED/);
    expect(msg).not.toContain("HUSH");
  });

  it("serve reads BACKPLAN_ENGINE_METADATA when no --metadata is given, and the flag wins over it", async () => {
    process.env[METADATA_ENV] = "postgres://from-env";
    expect(await usageError(["serve", "--data", dir])).toContain("--metadata postgres://from-env: must name one database");
    expect(await usageError(["serve", "--data", dir, "--metadata", "not a url"])).toContain("--metadata not a url: is not a URL");
  });

  it("migrate needs --from an engine data dir and --to-metadata or --to-chunks", async () => {
    expect(await usageError(["migrate", "--to-chunks", "s3://ok-bucket"])).toContain("needs --from");
    expect(await usageError(["migrate", "--from", dir, "--to-chunks", "s3://ok-bucket"])).toContain("not an engine data dir");
    writeFileSync(join(dir, "engine.db"), "");
    expect(await usageError(["migrate", "--from", dir])).toContain("needs --to-metadata postgres://USER:PASSWORD@HOST:PORT/DATABASE and/or --to-chunks");
    expect(await usageError(["migrate", "--from", dir, "--to-chunks", "s3://ok-bucket?endpoint=ftp://x"])).toContain("http:// or https://");
    expect(await usageError(["migrate", "--from", dir, "--to-metadata", "postgres://u:HUSH@x", "--to-chunks", "s3://ok-bucket"])).toContain(
      "--to-metadata postgres://u:***@x: must name one database",
    );
  });
});
