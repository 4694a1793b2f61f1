import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";

const run = promisify(execFile);
// test/support in the sources, dist/test/support when compiled (benchmarks run from dist).
const SCRIPT = [resolve(import.meta.dirname, "../../scripts/s3-server.sh"), resolve(import.meta.dirname, "../../../scripts/s3-server.sh")].find((p) => existsSync(p))!;

/** A running Swift all-in-one with the s3api middleware, started by `scripts/s3-server.sh` for one test file. */
export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** An S3 client for the test's own checks (path style, flexible checksums off as Swift 2.30 needs). */
  client: S3Client;
  /** Creates a bucket and returns its name. */
  bucket(name: string): Promise<string>;
  /** Stops the server's processes (by their pids) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a real S3-compatible server (OpenStack Swift from Debian) on free loopback ports in a temp dir. Slow on a
 * loaded machine (up to a minute of Python start-up): call it once per file, in `beforeAll` with a long timeout.
 */
export async function startTestS3(): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-s3-"));
  let out: string;
  try {
    out = (await run("bash", [SCRIPT, "start", join(dir, "swift")], { timeout: 240_000 })).stdout;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const vars = Object.fromEntries(out.trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const s3 = {
    endpoint: vars.S3_ENDPOINT!,
    accessKey: vars.S3_ACCESS_KEY!,
    secretKey: vars.S3_SECRET_KEY!,
    region: vars.S3_REGION!,
  };
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    ...s3,
    client,
    async bucket(name) {
      // The proxy answers before Swift's account and container servers do; until they are up, writes get 503
      // ("Please reduce your request rate"), so the first bucket is retried for a while.
      for (let waited = 0; ; waited += 500) {
        try {
          await client.send(new CreateBucketCommand({ Bucket: name }));
          return name;
        } catch (e) {
          if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 503 || waited >= 60_000) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    async stop() {
      client.destroy();
      await run("bash", [SCRIPT, "stop", join(dir, "swift")], { timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
