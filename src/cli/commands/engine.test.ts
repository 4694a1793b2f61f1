import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../args.js";
import { CHUNKS_ENV, PRIMARY_STORAGE_ENV, engineCommand } from "./engine.js";

// Only the refusals: each is decided before an engine, a database or a bucket is touched.
describe("engine --chunks and engine migrate arguments", () => {
  let dir: string;
  const saved = { chunks: process.env[CHUNKS_ENV], primary: process.env[PRIMARY_STORAGE_ENV] };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-engine-cli-"));
    delete process.env[CHUNKS_ENV];
    delete process.env[PRIMARY_STORAGE_ENV];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of [[CHUNKS_ENV, saved.chunks], [PRIMARY_STORAGE_ENV, saved.primary]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
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

  it("migrate needs --from an engine data dir and --to-chunks", async () => {
    expect(await usageError(["migrate", "--to-chunks", "s3://ok-bucket"])).toContain("needs --from");
    expect(await usageError(["migrate", "--from", dir, "--to-chunks", "s3://ok-bucket"])).toContain("not an engine data dir");
    writeFileSync(join(dir, "engine.db"), "");
    expect(await usageError(["migrate", "--from", dir])).toContain("needs --to-chunks");
    expect(await usageError(["migrate", "--from", dir, "--to-chunks", "s3://ok-bucket?endpoint=ftp://x"])).toContain("http:// or https://");
    expect(await usageError(["migrate", "--from", dir, "--to-metadata", "postgres://x"])).toContain("unknown flag: -to-metadata");
  });
});
