import { StorageError } from "./errors.js";

/**
 * Where an engine keeps chunks in an S3-compatible object store, parsed from
 * `s3://BUCKET/PREFIX?endpoint=URL&region=R&path_style=true&access_key=K&secret_key=S`.
 *
 * `endpoint` is the store's base URL (default: AWS's for `region`); `region` defaults to AWS_REGION, then
 * AWS_DEFAULT_REGION, then `us-east-1`; `path_style` (`true`/`false`, default false) addresses the bucket in the
 * path rather than the host name, as Swift, Ceph RGW and MinIO on an IP address need. Credentials are taken
 * from `access_key`/`secret_key` (and `session_token`) when given, else from the AWS SDK's usual chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and the shared files, ...).
 */
export interface ObjectStoreTarget {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const SETTINGS = ["endpoint", "region", "path_style", "access_key", "secret_key", "session_token"] as const;

/**
 * Parses a `--chunks` URL. Throws `invalid_argument` (field `chunks`) naming what is wrong: another scheme, no
 * bucket, an unknown or repeated setting, a malformed endpoint, half a key pair.
 */
export function parseObjectStoreUrl(text: string, env: NodeJS.ProcessEnv = process.env): ObjectStoreTarget {
  const bad = (why: string) => new StorageError("invalid_argument", `chunk store URL ${JSON.stringify(redactUrl(text))}: ${why}`, "chunks");
  if (!text.startsWith("s3://")) throw bad("must start with s3:// (s3://BUCKET/PREFIX?endpoint=...)");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad("is not a URL");
  }
  const bucket = url.hostname;
  // S3's bucket naming rules (3-63 of lowercase letters, digits, dots and hyphens), which Swift's s3api also applies.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(`bucket "${bucket}" is not a valid bucket name (3-63 of a-z 0-9 . -)`);
  if (url.port !== "" || url.username !== "" || url.password !== "") throw bad("put the endpoint in ?endpoint= and credentials in the environment, not in the host part");
  // Checked on the text as written: URL parsing resolves `a/../b` to `b` silently.
  const rawPath = text.slice("s3://".length).split(/[?#]/, 1)[0]!.split("/").slice(1);
  if (rawPath.some((s) => s.replace(/%2e/gi, ".") === "." || s.replace(/%2e/gi, ".") === "..")) throw bad("the prefix may not contain . or .. segments");
  const segments = decodeURIComponent(url.pathname).split("/").filter((s) => s !== "");
  const prefix = segments.length ? `${segments.join("/")}/` : "";
  const seen = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (!(SETTINGS as readonly string[]).includes(k)) throw bad(`unknown setting "${k}" (known: ${SETTINGS.join(", ")})`);
    if (seen.has(k)) throw bad(`setting "${k}" is given twice`);
    seen.set(k, v);
  }
  const endpoint = seen.get("endpoint");
  if (endpoint !== undefined) {
    let e: URL | undefined;
    try {
      e = new URL(endpoint);
    } catch {
      e = undefined;
    }
    if (!e || (e.protocol !== "http:" && e.protocol !== "https:")) throw bad(`endpoint "${endpoint}" must be an http:// or https:// URL`);
  }
  const pathStyleText = seen.get("path_style") ?? "false";
  if (pathStyleText !== "true" && pathStyleText !== "false") throw bad(`path_style must be true or false, got "${pathStyleText}"`);
  const accessKeyId = seen.get("access_key");
  const secretAccessKey = seen.get("secret_key");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) throw bad("access_key and secret_key go together");
  const sessionToken = seen.get("session_token");
  const region = seen.get("region") ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1";
  return {
    bucket,
    prefix,
    ...(endpoint !== undefined ? { endpoint } : {}),
    region,
    pathStyle: pathStyleText === "true",
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) } }
      : {}),
  };
}

/** `s3://bucket/prefix/` — where the chunks are, without endpoint or credentials (what a storage records). */
export function targetName(t: Pick<ObjectStoreTarget, "bucket" | "prefix">): string {
  return `s3://${t.bucket}/${t.prefix}`;
}

/** The URL with `secret_key` and `session_token` values replaced, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/([?&](?:secret_key|session_token)=)[^&]*/g, "$1***");
}
