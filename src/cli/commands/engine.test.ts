import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../args.js";
import { CHUNKS_ENV, engineCommand, METADATA_ENV } from "./engine.js";

// Only the refusals: each is decided before an engine, a database or a bucket is touched.
describe("engine --chunks, --metadata and engine migrate arguments", () => {
  let dir: string;
  const saved = { [CHUNKS_ENV]: process.env[CHUNKS_ENV], [METADATA_ENV]: process.env[METADATA_ENV] };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-engine-cli-"));
    for (const k of Object.keys(saved)) delete process.env[k];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
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
