import type {
  DeleteObjectCommandInput,
  GetObjectCommandInput,
  ListObjectsV2CommandInput,
  PutObjectCommandInput,
  S3Client,
  S3ClientConfig,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { formatLockError, LockError, type LockInfo } from "../lock.js";
import { BackendConfigError, DEFAULT_WORKSPACE, type Backend, type BackendFactory, type StateStorage } from "./backend.js";
import { BackendSettings } from "./settings.js";

/**
 * Terraform's `backend "s3"` (internal/backend/remote-state/s3, Terraform 1.11), storage and S3-native locking:
 *
 * - the `default` workspace's state is the object `key`; workspace W's is `<workspace_key_prefix>/W/<key>`
 *   (prefix `env:` by default), and the workspaces are found by listing `<prefix>/` for objects ending in `/<key>`;
 * - states are written with `Content-Type: application/json`, a SHA-256 checksum unless `skip_s3_checksum`, and
 *   server-side encryption when `encrypt` (AES256, or `kms_key_id`, or `sse_customer_key`);
 * - with `use_lockfile`, the lock is the object `<state path>.tflock`, created with a conditional PUT
 *   (`If-None-Match: *`) holding the holder's LockInfo JSON (`Path` = `<bucket>/<state path>`), and deleted on
 *   unlock after checking its ID. Without it there is no locking, as in Terraform.
 *
 * DynamoDB locking (`dynamodb_table`, deprecated in 1.11) and role assumption are not implemented: they are
 * errors naming the argument, never silently ignored.
 */

/**
 * Every argument of Terraform 1.11's s3 backend schema (read off the `.terraform/terraform.tfstate` that
 * `terraform init` writes): what init records, nulls included, and what the backend hash covers.
 */
export const S3_SETTINGS = [
  "access_key",
  "acl",
  "allowed_account_ids",
  "assume_role",
  "assume_role_with_web_identity",
  "bucket",
  "custom_ca_bundle",
  "dynamodb_endpoint",
  "dynamodb_table",
  "ec2_metadata_service_endpoint",
  "ec2_metadata_service_endpoint_mode",
  "encrypt",
  "endpoint",
  "endpoints",
  "forbidden_account_ids",
  "force_path_style",
  "http_proxy",
  "https_proxy",
  "iam_endpoint",
  "insecure",
  "key",
  "kms_key_id",
  "max_retries",
  "no_proxy",
  "profile",
  "region",
  "retry_mode",
  "secret_key",
  "shared_config_files",
  "shared_credentials_file",
  "shared_credentials_files",
  "skip_credentials_validation",
  "skip_metadata_api_check",
  "skip_region_validation",
  "skip_requesting_account_id",
  "skip_s3_checksum",
  "sse_customer_key",
  "sts_endpoint",
  "sts_region",
  "token",
  "use_dualstack_endpoint",
  "use_fips_endpoint",
  "use_lockfile",
  "use_path_style",
  "workspace_key_prefix",
] as const;

/** The attributes of the `endpoints` object, recorded and hashed with nulls as Terraform does. */
export const S3_ENDPOINTS = ["dynamodb", "iam", "s3", "sso", "sts"] as const;

/** The arguments backplan implements; the rest of S3_SETTINGS is an error naming the argument, never ignored. */
const ARGUMENTS = [
  "bucket",
  "key",
  "region",
  "endpoints",
  "endpoint",
  "use_path_style",
  "force_path_style",
  "workspace_key_prefix",
  "encrypt",
  "acl",
  "kms_key_id",
  "sse_customer_key",
  "access_key",
  "secret_key",
  "token",
  "profile",
  "skip_credentials_validation",
  "skip_region_validation",
  "skip_requesting_account_id",
  "skip_metadata_api_check",
  "skip_s3_checksum",
  "use_lockfile",
  "max_retries",
  "dynamodb_table",
  "dynamodb_endpoint",
  "assume_role",
  "role_arn",
] as const;

/** Arguments Terraform has that backplan refuses rather than ignores, with what to do instead. */
const NOT_IMPLEMENTED: Record<string, string> = {
  dynamodb_table: "DynamoDB locking is deprecated since Terraform 1.11 and not implemented by backplan; use use_lockfile = true",
  dynamodb_endpoint: "DynamoDB locking is not implemented by backplan; use use_lockfile = true",
  assume_role: "assuming a role is not implemented by backplan; provide credentials for the role (AWS_* variables or access_key/secret_key/token)",
  role_arn: "assuming a role is not implemented by backplan; provide credentials for the role (AWS_* variables or access_key/secret_key/token)",
};

export interface S3BackendConfig {
  bucket: string;
  key: string;
  region: string;
  endpoint?: string;
  usePathStyle: boolean;
  workspaceKeyPrefix: string;
  encrypt: boolean;
  acl?: string;
  kmsKeyId?: string;
  sseCustomerKey?: Buffer;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  skipS3Checksum: boolean;
  useLockfile: boolean;
  maxRetries: number;
}

/** Resolves the s3 backend's arguments and `AWS_*` variables as Terraform 1.11 does; errors name the argument. */
export function s3BackendConfig(settings: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): S3BackendConfig {
  const s = new BackendSettings(settings, env, [...S3_SETTINGS, ...ARGUMENTS], "s3");
  for (const name of S3_SETTINGS) {
    if (s.has(name) && !(ARGUMENTS as readonly string[]).includes(name)) {
      throw new BackendConfigError(name, `s3 backend argument "${name}" is not implemented by backplan; remove it or use Terraform for this backend`);
    }
  }
  for (const [name, why] of Object.entries(NOT_IMPLEMENTED)) if (s.has(name)) throw new BackendConfigError(name, `s3 backend argument "${name}": ${why}`);

  const bucket = s.string("bucket");
  if (!bucket) throw new BackendConfigError("bucket", 'the s3 backend needs "bucket"');
  const key = s.string("key");
  if (!key) throw new BackendConfigError("key", 'the s3 backend needs "key" (the state object\'s path in the bucket)');
  if (key.startsWith("/") || key.endsWith("/")) throw new BackendConfigError("key", `key must not start or end with "/", got ${JSON.stringify(key)}`);
  const region = s.string("region", "AWS_REGION") ?? s.string("region", "AWS_DEFAULT_REGION");
  if (!region) throw new BackendConfigError("region", 'the s3 backend needs "region" (or AWS_REGION / AWS_DEFAULT_REGION)');
  const prefix = s.has("workspace_key_prefix") ? s.string("workspace_key_prefix")! : "env:";
  if (prefix.startsWith("/") || prefix.endsWith("/")) {
    throw new BackendConfigError("workspace_key_prefix", `workspace_key_prefix must not start or end with "/", got ${JSON.stringify(prefix)}`);
  }

  const endpoints = s.object("endpoints");
  if (endpoints) {
    for (const k of Object.keys(endpoints)) {
      if (!(S3_ENDPOINTS as readonly string[]).includes(k)) throw new BackendConfigError(`endpoints.${k}`, `the s3 backend's endpoints block has no "${k}"; it has s3, dynamodb, iam, sts, sso`);
    }
  }
  const s3Endpoint = endpoints?.s3 ?? undefined;
  if (s3Endpoint !== undefined && typeof s3Endpoint !== "string") throw new BackendConfigError("endpoints.s3", "endpoints.s3 must be a URL string");
  const endpoint = s3Endpoint ?? s.string("endpoint") ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined) {
    try {
      new URL(endpoint);
    } catch {
      throw new BackendConfigError(s3Endpoint !== undefined ? "endpoints.s3" : "endpoint", `not a URL: ${JSON.stringify(endpoint)}`);
    }
  }

  const accessKey = s.string("access_key", "AWS_ACCESS_KEY_ID");
  const secretKey = s.string("secret_key", "AWS_SECRET_ACCESS_KEY");
  const token = s.string("token", "AWS_SESSION_TOKEN");
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new BackendConfigError(accessKey === undefined ? "access_key" : "secret_key", "access_key and secret_key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) go together");
  }
  const sse = s.string("sse_customer_key", "AWS_SSE_CUSTOMER_KEY");
  let sseCustomerKey: Buffer | undefined;
  if (sse !== undefined) {
    sseCustomerKey = Buffer.from(sse, "base64");
    if (sseCustomerKey.length !== 32) throw new BackendConfigError("sse_customer_key", "sse_customer_key must be 32 bytes, base64-encoded");
  }
  const kmsKeyId = s.string("kms_key_id", "AWS_KMS_KEY_ID");
  const acl = s.string("acl");
  const profile = s.string("profile", "AWS_PROFILE");
  // The skip_* checks guard AWS-only calls (STS, IMDS, region names) that backplan never makes; they are accepted
  // and type-checked so the same block works for both tools.
  for (const flag of ["skip_credentials_validation", "skip_region_validation", "skip_requesting_account_id", "skip_metadata_api_check"]) s.bool(flag, undefined, false);
  return {
    bucket,
    key,
    region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    usePathStyle: s.bool("use_path_style", undefined, s.bool("force_path_style", undefined, false)),
    workspaceKeyPrefix: prefix,
    encrypt: s.bool("encrypt", undefined, false),
    ...(acl !== undefined ? { acl } : {}),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(sseCustomerKey !== undefined ? { sseCustomerKey } : {}),
    ...(accessKey !== undefined && secretKey !== undefined
      ? { credentials: { accessKeyId: accessKey, secretAccessKey: secretKey, ...(token !== undefined ? { sessionToken: token } : {}) } }
      : {}),
    ...(profile !== undefined ? { profile } : {}),
    skipS3Checksum: s.bool("skip_s3_checksum", undefined, false),
    useLockfile: s.bool("use_lockfile", undefined, false),
    maxRetries: s.integer("max_retries", "AWS_MAX_ATTEMPTS", 5),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** The object key of a workspace's state, as Terraform lays it out. */
export function s3StatePath(config: Pick<S3BackendConfig, "key" | "workspaceKeyPrefix">, workspace: string): string {
  if (workspace === DEFAULT_WORKSPACE) return config.key;
  return [config.workspaceKeyPrefix, workspace, config.key].filter((p) => p !== "").join("/");
}

/** The workspace a listed object key belongs to, or undefined when it is not one of this backend's states. */
export function s3WorkspaceOf(config: Pick<S3BackendConfig, "key" | "workspaceKeyPrefix">, objectKey: string): string | undefined {
  let rest = objectKey;
  if (config.workspaceKeyPrefix !== "") {
    const prefix = `${config.workspaceKeyPrefix}/`;
    if (!objectKey.startsWith(prefix)) return undefined;
    rest = objectKey.slice(prefix.length);
  }
  const slash = rest.indexOf("/");
  if (slash <= 0) return undefined;
  return rest.slice(slash + 1) === config.key ? rest.slice(0, slash) : undefined;
}

export const createS3Backend: BackendFactory = (settings, env) => new S3Backend(s3BackendConfig(settings, env));

type S3Sdk = typeof import("@aws-sdk/client-s3");

/**
 * An S3 client whose SDK is loaded on the first request. Loading the AWS SDK takes tens of milliseconds, which
 * every plan and apply paid at start-up (the CLI selects its backend from a registry of them all) though only
 * s3 states use it. Shared by the s3 backend and the s3:// state reader.
 */
export class LazyS3Client {
  private loaded: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;

  constructor(private readonly options: S3ClientConfig) {}

  private load(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    return (this.loaded ??= import("@aws-sdk/client-s3").then((sdk) => ({ sdk, client: new sdk.S3Client(this.options) })));
  }

  private async run<T>(call: (sdk: S3Sdk, client: S3Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.load();
    return call(sdk, client);
  }

  list = (input: ListObjectsV2CommandInput) => this.run((sdk, client) => client.send(new sdk.ListObjectsV2Command(input)));
  get = (input: GetObjectCommandInput) => this.run((sdk, client) => client.send(new sdk.GetObjectCommand(input)));
  put = (input: PutObjectCommandInput) => this.run((sdk, client) => client.send(new sdk.PutObjectCommand(input)));
  delete = (input: DeleteObjectCommandInput) => this.run((sdk, client) => client.send(new sdk.DeleteObjectCommand(input)));

  /** Closes the client's connections (nothing to do when no request was made). */
  async destroy(): Promise<void> {
    if (this.loaded) (await this.loaded).client.destroy();
  }
}

class S3Backend implements Backend {
  readonly type = "s3";
  private readonly client: LazyS3Client;

  constructor(private readonly config: S3BackendConfig) {
    const options: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.usePathStyle,
      maxAttempts: config.maxRetries + 1,
      ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      ...(config.profile !== undefined ? { profile: config.profile } : {}),
      // skip_s3_checksum is for S3-compatible servers that reject the SDK's flexible checksums.
      ...(config.skipS3Checksum ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
    };
    this.client = new LazyS3Client(options);
  }

  async workspaces(): Promise<string[]> {
    const prefix = this.config.workspaceKeyPrefix === "" ? "" : `${this.config.workspaceKeyPrefix}/`;
    const found = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.call(
        () => this.client.list({ Bucket: this.config.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        `list workspaces under s3://${this.config.bucket}/${prefix}`,
      );
      for (const o of page.Contents ?? []) {
        const ws = o.Key ? s3WorkspaceOf(this.config, o.Key) : undefined;
        if (ws !== undefined && ws !== DEFAULT_WORKSPACE) found.add(ws);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [DEFAULT_WORKSPACE, ...[...found].sort()];
  }

  state(workspace: string): StateStorage {
    if (workspace === "") throw new Error("missing workspace name");
    return new S3StateStorage(this.config, this.client, s3StatePath(this.config, workspace));
  }

  async deleteWorkspace(workspace: string): Promise<void> {
    if (workspace === DEFAULT_WORKSPACE || workspace === "") throw new Error("can't delete default state");
    const path = s3StatePath(this.config, workspace);
    await this.call(() => this.client.delete({ Bucket: this.config.bucket, Key: path }), `delete s3://${this.config.bucket}/${path}`);
  }

  describe(workspace: string): string {
    return `s3://${this.config.bucket}/${s3StatePath(this.config, workspace)}`;
  }

  async close(): Promise<void> {
    await this.client.destroy();
  }

  private call<T>(run: () => Promise<T>, what: string): Promise<T> {
    return run().catch((e: unknown) => {
      throw s3Error(e, what, this.config.bucket);
    });
  }
}

class S3StateStorage implements StateStorage {
  private readonly lockKey: string;

  constructor(
    private readonly config: S3BackendConfig,
    private readonly client: LazyS3Client,
    private readonly path: string,
  ) {
    this.lockKey = `${path}.tflock`;
  }

  read(): Promise<Uint8Array | undefined> {
    return this.get(this.path, `read s3://${this.config.bucket}/${this.path}`);
  }

  async write(data: Uint8Array): Promise<void> {
    await this.put(this.path, data, false, `write s3://${this.config.bucket}/${this.path}`);
  }

  async lock(info: LockInfo): Promise<string> {
    if (!this.config.useLockfile) return info.ID; // Terraform's s3 backend takes no lock without use_lockfile
    const mine: LockInfo = { ...info, Path: `${this.config.bucket}/${this.path}` };
    const body = Buffer.from(JSON.stringify(mine));
    try {
      await this.client.put(this.putInput(this.lockKey, body, true));
    } catch (e) {
      const status = statusOf(e);
      if (status === 412 || status === 409) {
        const holder = await this.lockHolder().catch(() => undefined);
        throw new LockError("held", formatLockError(`s3://${this.config.bucket}/${this.lockKey} exists: ${messageOf(e)}`, holder), holder);
      }
      if (status === 501) throw this.noConditionalPut(`answered it with HTTP 501 ${messageOf(e)}`);
      throw s3Error(e, `lock s3://${this.config.bucket}/${this.path}`, this.config.bucket);
    }
    // A server that ignores If-None-Match writes over an existing lock as readily as it created this one: then
    // two runs would both "hold" it. Proof it honours the condition: the same conditional PUT again must fail.
    const again = await this.client.put(this.putInput(this.lockKey, body, true)).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (again === undefined) {
      await this.dropOwnLock(info.ID);
      throw this.noConditionalPut("ignored it: a second conditional PUT of the existing lock object succeeded");
    }
    const status = statusOf(again);
    if (status !== 412 && status !== 409) {
      await this.dropOwnLock(info.ID);
      throw s3Error(again, `check that s3://${this.config.bucket}/${this.lockKey} is exclusive`, this.config.bucket);
    }
    return info.ID;
  }

  /** Removes the lock object when it is still the one this run wrote (best effort: the run fails anyway). */
  private async dropOwnLock(id: string): Promise<void> {
    const holder = await this.lockHolder().catch(() => undefined);
    if (holder?.ID !== id) return;
    await this.client.delete({ Bucket: this.config.bucket, Key: this.lockKey }).catch(() => undefined);
  }

  /** use_lockfile cannot be honoured on this server: an error that says what the server did and what to do. */
  private noConditionalPut(answer: string): LockError {
    return new LockError(
      "unsupported",
      `use_lockfile creates s3://${this.config.bucket}/${this.lockKey} with a conditional PUT (If-None-Match: *), and the ` +
        `S3 server at ${this.config.endpoint ?? "AWS"} ${answer}. Without it the lock cannot exclude another run, and ` +
        "backplan does not run unlocked. Keep this state where locking works (Amazon S3, which honours the condition " +
        'since August 2024; the backup engine\'s state server, backend "http"; or backend "pg"), or set use_lockfile = false ' +
        "only where runs are serialised some other way (a CI concurrency group).",
    );
  }

  async unlock(id: string): Promise<void> {
    if (!this.config.useLockfile) return;
    const holder = await this.lockHolder();
    if (!holder) throw new LockError("not_locked", `Failed to unlock state: s3://${this.config.bucket}/${this.lockKey} does not exist (not locked)`);
    if (holder.ID !== id) {
      throw new LockError("id_mismatch", `Failed to unlock state: lock ID ${JSON.stringify(id)} does not match the existing lock ID ${JSON.stringify(holder.ID)}`, holder);
    }
    await this.client
      .delete({ Bucket: this.config.bucket, Key: this.lockKey })
      .catch((e: unknown) => {
        throw s3Error(e, `delete the lock file s3://${this.config.bucket}/${this.lockKey}`, this.config.bucket);
      });
  }

  async lockHolder(): Promise<LockInfo | undefined> {
    if (!this.config.useLockfile) return undefined;
    const body = await this.get(this.lockKey, `read the lock file s3://${this.config.bucket}/${this.lockKey}`);
    if (!body) return undefined;
    try {
      const v = JSON.parse(Buffer.from(body).toString("utf8")) as Record<string, unknown>;
      const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : "");
      return { ID: str("ID"), Operation: str("Operation"), Info: str("Info"), Who: str("Who"), Version: str("Version"), Created: str("Created"), Path: str("Path") };
    } catch {
      return undefined;
    }
  }

  private async get(key: string, what: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.client.get({ Bucket: this.config.bucket, Key: key, ...this.sseCustomer() });
      const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
      return bytes.length === 0 ? undefined : bytes;
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound" || (statusOf(e) === 404 && name !== "NoSuchBucket")) return undefined;
      throw s3Error(e, what, this.config.bucket);
    }
  }

  private async put(key: string, data: Uint8Array, ifNoneMatch: boolean, what: string): Promise<void> {
    try {
      await this.client.put(this.putInput(key, data, ifNoneMatch));
    } catch (e) {
      throw s3Error(e, what, this.config.bucket);
    }
  }

  private putInput(key: string, data: Uint8Array, ifNoneMatch: boolean): PutObjectCommandInput {
    const c = this.config;
    return {
      Bucket: c.bucket,
      Key: key,
      Body: data,
      ContentType: "application/json",
      ...(ifNoneMatch ? { IfNoneMatch: "*" } : {}),
      ...(c.skipS3Checksum ? {} : { ChecksumAlgorithm: "SHA256" as const }),
      ...(c.encrypt && c.kmsKeyId !== undefined ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: c.kmsKeyId } : {}),
      ...(c.encrypt && c.kmsKeyId === undefined && c.sseCustomerKey === undefined ? { ServerSideEncryption: "AES256" as const } : {}),
      ...this.sseCustomer(),
      ...(c.acl !== undefined ? { ACL: c.acl as PutObjectCommandInput["ACL"] } : {}),
    };
  }

  private sseCustomer(): { SSECustomerAlgorithm?: string; SSECustomerKey?: string; SSECustomerKeyMD5?: string } {
    const k = this.config.encrypt ? this.config.sseCustomerKey : undefined;
    if (!k) return {};
    return { SSECustomerAlgorithm: "AES256", SSECustomerKey: k.toString("base64"), SSECustomerKeyMD5: createHash("md5").update(k).digest("base64") };
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** An S3 failure as a message that says what was being done and, for the usual causes, what to check. */
function s3Error(e: unknown, what: string, bucket: string): Error {
  const name = (e as { name?: string }).name ?? "";
  if (name === "NoSuchBucket") return new Error(`S3 bucket "${bucket}" does not exist (${what}); create it first, Terraform does not create it either`);
  // `$fault` marks the SDK's service exceptions (S3ServiceException), tested without loading the SDK.
  if ((e as { $fault?: unknown }).$fault !== undefined || statusOf(e) !== undefined) return new Error(`failed to ${what}: ${messageOf(e)} (HTTP ${statusOf(e) ?? "?"})`);
  return new Error(`failed to ${what}: ${messageOf(e)}`);
}
