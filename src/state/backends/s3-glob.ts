import { LazyS3Client } from "./s3.js";

/**
 * Reading many states at once from an S3 URL such as `s3://bucket/stacks/**\/*.tfstate`, the way driftctl's
 * `tfstate+s3://` does, so one drift job can check every stack a team keeps in a bucket. Where the server is comes
 * from the usual AWS variables (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `AWS_REGION` / `AWS_DEFAULT_REGION`,
 * credentials) or from the URL's query: `?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true`.
 */

export interface S3StateUrl {
  bucket: string;
  /** The key pattern: `*` and `?` stay within one path segment, `**` spans any number of segments. */
  pattern: string;
  endpoint?: string;
  region?: string;
  usePathStyle: boolean;
}

/** Parses `s3://bucket/pattern[?endpoint=...&region=...&use_path_style=true]`; throws a message naming the URL. */
export function parseS3StateUrl(url: string): S3StateUrl {
  const m = /^s3:\/\/([^/?]+)\/([^?]*)(?:\?(.*))?$/.exec(url);
  if (!m || m[2] === "") throw new Error(`state URL ${JSON.stringify(url)} must look like s3://BUCKET/KEY-OR-PATTERN (e.g. s3://tfstate/stacks/**/*.tfstate)`);
  const q = new URLSearchParams(m[3] ?? "");
  for (const k of q.keys()) {
    if (!["endpoint", "region", "use_path_style"].includes(k)) throw new Error(`state URL ${JSON.stringify(url)}: unknown query parameter "${k}" (endpoint, region, use_path_style)`);
  }
  const endpoint = q.get("endpoint") ?? undefined;
  const region = q.get("region") ?? undefined;
  return {
    bucket: m[1]!,
    pattern: decodeURIComponent(m[2]!),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    usePathStyle: q.get("use_path_style") === "true",
  };
}

/** The literal part of `pattern` before its first wildcard: what to list by. */
export function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/** Whether `key` matches `pattern` (`**` any segments, `*` and `?` within a segment). */
export function globMatches(pattern: string, key: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      // `**/` also matches no directory at all, so `a/**/*.tfstate` finds `a/x.tfstate`
      if (pattern[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`).test(key);
}

/** Every object matching the URL's pattern, with its bytes, sorted by key. An empty match is an empty list. */
export async function readS3States(url: string, env: NodeJS.ProcessEnv): Promise<{ key: string; data: Uint8Array }[]> {
  const u = parseS3StateUrl(url);
  const endpoint = u.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const region = u.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1");
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const client = new LazyS3Client({
    region,
    forcePathStyle: u.usePathStyle || endpoint !== undefined,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    // Reading only: S3-compatible servers that send no checksums must not fail the read.
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.list({ Bucket: u.bucket, Prefix: literalPrefix(u.pattern), ...(token ? { ContinuationToken: token } : {}) });
      for (const o of page.Contents ?? []) if (o.Key && globMatches(u.pattern, o.Key)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    keys.sort();
    const out: { key: string; data: Uint8Array }[] = [];
    for (const key of keys) {
      const r = await client.get({ Bucket: u.bucket, Key: key });
      out.push({ key, data: r.Body ? await r.Body.transformToByteArray() : new Uint8Array() });
    }
    return out;
  } catch (e) {
    throw new Error(`failed to read states from ${url}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  } finally {
    await client.destroy();
  }
}
