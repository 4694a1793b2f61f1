import { createReadStream } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layout } from "../../storage/layout.js";
import { ChunkStore } from "../../storage/chunk-store.js";
import { decodeManifest } from "../../storage/manifest.js";
import { StorageError } from "../../storage/errors.js";
import { createHash } from "node:crypto";
import { z, ZodError } from "zod";
import type { EngineContext } from "../../context.js";
import type { Principal } from "../../domain/accounts.js";
import { DomainError, type DomainErrorKind } from "../../domain/errors.js";
import { engineServices } from "../../domain/services.js";
import { csbsServices } from "../../domain/csbs/services.js";
import { recordedOn, verifyBackupStorage } from "../../domain/storage-verify.js";
import { BodyError, readBody, readJsonObject } from "../body.js";
import type { HttpRequest, HttpResponse, Router } from "../router.js";
import { authenticate } from "../zstack/auth.js";
import { MAX_CLOCK_SKEW_MS } from "../zstack/access-key-signature.js";
import { ReplayGuard } from "./replay-guard.js";
import { describeZodError, RequestError } from "../zstack/errors.js";
import { accessKeyView, vmView, volumeView } from "../zstack/views.js";
import { toWire } from "../zstack/wire.js";
import { assertNever } from "../../domain/never.js";
import { NotJournalOwner } from "../../domain/cdp-ownership.js";
import { checkForwarded, FORWARD_WINDOW_MS, FORWARDED_WRITE_ROUTE, NOT_OWNER } from "../../cluster/write-forwarding.js";
import { nodeZoneOf } from "../zstack/request-date.js";

export const ADMIN = "/engine/v1";

const DAMAGE = new Set<string>(["corrupt_chunk", "missing_chunk", "corrupt_metadata"]);

/** The most bytes one data write or read moves (larger ranges are split by the caller). */
export const MAX_DATA_TRANSFER = 64 * 1024 * 1024;

const STATUS: Record<DomainErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  conflict: 409,
  permission_denied: 403,
  unauthenticated: 401,
  timeout: 504,
  internal: 500,
};

const uuid = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex uuid");
const size = z.number().int("must be an integer").positive("must be positive").refine(Number.isSafeInteger, "is too large");

const createVm = z.strictObject({
  name: z.string().min(1, "must not be empty").max(255),
  description: z.string().max(2048).optional(),
  instanceOfferingUuid: uuid.optional(),
  l3NetworkUuids: z.array(uuid).min(1).optional(),
  volumes: z.array(z.strictObject({ size, name: z.string().max(255).optional() })).min(1, "needs at least the root volume"),
  state: z.enum(["Running", "Stopped"]).optional(),
  resourceUuid: uuid.optional(),
});
const addVolume = z.strictObject({ size, name: z.string().max(255).optional(), resourceUuid: uuid.optional() });
const createAccessKey = z.strictObject({ description: z.string().max(2048).optional() });

/**
 * The engine's own admin API under /engine/v1, for tests, demos and benchmarks: create VMs and volumes of any
 * size, write and read volume bytes, hash volumes, manage AccessKeys. Authenticated like the ZStack API (an
 * `OAuth` session or a signed `ZStack` AccessKey, the path signed as it is) and only for SystemAdmin accounts.
 * Errors are JSON `{"error": {code, description, details}}` with an HTTP status for the kind of failure.
 */
export async function registerAdmin(router: Router, ctx: EngineContext): Promise<void> {
  const services = engineServices(ctx);
  const inv = ctx.inventory;

  const replays = new ReplayGuard(MAX_CLOCK_SKEW_MS);
  const route = (method: string, pattern: string, run: (req: HttpRequest, who: Principal) => Promise<HttpResponse> | HttpResponse) =>
    router.add(method, ADMIN + pattern, async (req) => {
      const auth = authenticate(req, services.accounts, ctx.clock, nodeZoneOf(ctx.options.timeZone));
      if (auth.kind === "rejected") return auth.response;
      if (auth.kind === "invalid") return errorResponse(auth.error);
      // The AccessKey signature covers neither body nor query: a data-changing call may use it once (replay-guard.ts).
      if (auth.principal.via.kind === "accessKey" && method !== "GET" && !replays.accept(req.headers.authorization!, Date.parse(String(req.headers.date)), ctx.clock.now())) {
        return errorResponse(new DomainError("unauthenticated", "this AccessKey signature was already used: sign every request that changes data afresh (a new Date header)"));
      }
      if (auth.principal.account.type !== "SystemAdmin") return errorResponse(new DomainError("permission_denied", "the admin API needs a SystemAdmin account"));
      try {
        return await run(req, auth.principal);
      } catch (e) {
        return errorResponse(e);
      }
    });

  route("GET", "/vms", () => ({ status: 200, json: { inventories: inv.vms.all().map((vm) => toWire(vmView(vm, inv))) } }));

  route("POST", "/vms", async (req) => {
    const p = createVm.parse(await readJsonObject(req.raw));
    const offering = p.instanceOfferingUuid ?? inv.instanceOfferings.all()[0]?.uuid;
    const l3s = p.l3NetworkUuids ?? (inv.l3Networks.all()[0] ? [inv.l3Networks.all()[0]!.uuid] : []);
    if (!offering) throw new DomainError("invalid_argument", "instanceOfferingUuid is required: the engine has no instance offering", "instanceOfferingUuid");
    const vm = await inv.createVm({
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      instanceOfferingUuid: offering,
      l3NetworkUuids: l3s,
      volumes: p.volumes.map((v) => ({ size: v.size, ...(v.name ? { name: v.name } : {}) })),
      ...(p.state ? { state: p.state } : {}),
      ...(p.resourceUuid ? { uuid: p.resourceUuid } : {}),
    });
    return { status: 200, json: { inventory: toWire(vmView(vm, inv)) } };
  });

  route("POST", "/vms/:uuid/volumes", async (req) => {
    const p = addVolume.parse(await readJsonObject(req.raw));
    const vol = await inv.addDataVolume(req.params.uuid!, { size: p.size, ...(p.name ? { name: p.name } : {}), ...(p.resourceUuid ? { uuid: p.resourceUuid } : {}) });
    return { status: 200, json: { inventory: toWire(volumeView(vol)) } };
  });

  route("PUT", "/volumes/:uuid/data", async (req) => {
    const offset = intQuery(req.query, "offset", true)!;
    const data = await readBody(req.raw, MAX_DATA_TRANSFER);
    await inv.writeVolume(req.params.uuid!, offset, data);
    return { status: 200, json: { volumeUuid: req.params.uuid, offset, length: data.length } };
  });

  // A write another engine node forwards to this one because it owns the volume's CDP journal
  // (cdp-ownership.ts). Signed with the cluster's key instead of an account; only where nodes share metadata.
  if (ctx.cluster.shared) {
    const forwarded = new ReplayGuard(FORWARD_WINDOW_MS);
    router.add("PUT", FORWARDED_WRITE_ROUTE, async (req) => {
      try {
        const data = await readBody(req.raw, MAX_DATA_TRANSFER);
        const now = Date.now();
        const check = checkForwarded(ctx.cluster.forwardingKey(), { method: req.method, path: req.path, query: req.query.toString(), headers: req.headers }, data, now);
        if (!check.ok) return errorResponse(new DomainError("unauthenticated", check.reason));
        if (!forwarded.accept(check.signature, check.date, now)) return errorResponse(new DomainError("unauthenticated", "this forwarded write was already received"));
        const offset = intQuery(req.query, "offset", true)!;
        await services.cdp.writeForwarded(req.params.uuid!, offset, data);
        return { status: 200, json: { volumeUuid: req.params.uuid, offset, length: data.length } };
      } catch (e) {
        if (e instanceof NotJournalOwner) return { status: 409, json: { error: { code: NOT_OWNER, description: "not the journal owner", details: e.message } } };
        return errorResponse(e);
      }
    });
  }

  route("GET", "/volumes/:uuid/data", async (req) => {
    const vol = inv.require(inv.volumes, "Volume", req.params.uuid!);
    const offset = intQuery(req.query, "offset", false) ?? 0;
    const length = intQuery(req.query, "length", false) ?? Math.min(vol.size - offset, MAX_DATA_TRANSFER);
    if (length > MAX_DATA_TRANSFER) throw new DomainError("invalid_argument", `length must be at most ${MAX_DATA_TRANSFER} bytes`, "length");
    return { status: 200, bytes: await inv.readVolume(vol.uuid, offset, length) };
  });

  route("GET", "/volumes/:uuid/sha256", async (req) => {
    const vol = inv.require(inv.volumes, "Volume", req.params.uuid!);
    return { status: 200, json: { volumeUuid: vol.uuid, size: vol.size, sha256: await sha256File(vol.installPath) } };
  });

  // Re-hashes every chunk of the storage and checks every backup and CDP recovery point the engine lists is
  // really there. 200 with the report either way; `ok` says whether anything is missing or corrupt.
  route("POST", "/backup-storages/:uuid/verify", async (req) => {
    const bs = inv.require(inv.backupStorages, "BackupStorage", req.params.uuid!);
    const report = await verifyBackupStorage({ storage: bs, store: ctx.backupStore, ...recordedOn(ctx.store, services, bs) });
    return { status: 200, json: report };
  });

  // The SHA-256 of each volume as a recovery point holds it (materialized into a temp file, hashed, removed), so a
  // restore test can prove a restored VM holds exactly the point's bytes. Damaged data answers with the store's error.
  const pointSums = async (volumes: { volumeUuid: string; deviceId: number; size: number; materialize(dest: string): Promise<void> }[]) => {
    const dir = await mkdtemp(join(tmpdir(), "backplan-point-"));
    try {
      const out = [];
      for (const v of volumes) {
        const file = join(dir, v.volumeUuid);
        await v.materialize(file);
        out.push({ volumeUuid: v.volumeUuid, deviceId: v.deviceId, size: v.size, sha256: await sha256File(file) });
        await rm(file, { force: true });
      }
      return { status: 200, json: { volumes: out } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  route("GET", "/cdp-tasks/:uuid/recovery-points/:groupId/sha256", async (req) => {
    const groupId = Number(req.params.groupId);
    if (!Number.isSafeInteger(groupId) || groupId < 1) throw new DomainError("invalid_argument", "groupId must be a positive integer", "groupId");
    return pointSums(services.cdp.pointVolumes(req.params.uuid!, groupId));
  });
  route("GET", "/vm-backups/:groupUuid/sha256", async (req) => pointSums(services.vmBackups.groupVolumes(req.params.groupUuid!)));
  route("GET", "/volume-backups/:uuid/sha256", async (req) => pointSums([services.vmBackups.backupVolume(req.params.uuid!)]));

  // Damages one stored chunk of a volume backup in place (its first byte flipped), so restore tests and
  // verification can be shown to catch corruption. Only the chunk store keeps chunks; other backends answer 409.
  route("POST", "/volume-backups/:uuid/corrupt", async (req) => {
    const backup = services.vmBackups.backups.get(req.params.uuid!);
    if (!backup) throw new DomainError("not_found", `VolumeBackup ${req.params.uuid} not found`, "uuid");
    const bs = inv.require(inv.backupStorages, "BackupStorage", backup.backupStorageUuid);
    return { status: 200, json: { volumeBackupUuid: backup.uuid, chunk: await corruptFirstChunk(bs.url, backup.uuid, `volume backup ${backup.uuid}`) } };
  });

  // The same two for a CSBS backup (checkpoint item), by the item's id in any project: its volumes' SHA-256 as the
  // backup holds them (root first), and damaging its first volume's first stored chunk.
  const csbsItem = (id: string) => {
    const item = csbsServices(ctx).checkpoints.items.get(id);
    if (!item || item.status === "deleted") throw new DomainError("not_found", `checkpoint item ${id} not found`, "id");
    if (item.volumeBackups.length === 0) throw new DomainError("conflict", `checkpoint item ${id} is ${item.status} and holds no volume backups`);
    return item;
  };
  route("GET", "/csbs/checkpoint-items/:id/sha256", async (req) =>
    pointSums(
      [...csbsItem(req.params.id!).volumeBackups]
        .sort((a, b) => Number(b.bootable) - Number(a.bootable) || a.deviceId - b.deviceId)
        .map((b) => ({ volumeUuid: b.volumeUuid, deviceId: b.deviceId, size: b.sourceSize, materialize: (dest: string) => ctx.backupStore.restore(b.storageDir, b.backupId, dest) })),
    ),
  );
  route("POST", "/csbs/checkpoint-items/:id/corrupt", async (req) => {
    const item = csbsItem(req.params.id!);
    const b = item.volumeBackups.find((v) => v.bootable) ?? item.volumeBackups[0]!;
    return { status: 200, json: { checkpointItemId: item.uuid, backupId: b.backupId, chunk: await corruptFirstChunk(b.storageDir, b.backupId, `disk backup ${b.backupId}`) } };
  });

  route("GET", "/access-keys", () => ({ status: 200, json: { inventories: services.accounts.accessKeys().map((k) => toWire(accessKeyView(k, false))) } }));

  route("POST", "/access-keys", async (req, who) => {
    const p = createAccessKey.parse(await readJsonObject(req.raw));
    const key = services.accounts.createAccessKey(who.account.uuid, p.description ?? "");
    return { status: 200, json: { inventory: toWire(accessKeyView(key, true)) } };
  });

  route("DELETE", "/access-keys/:id", (req) => {
    services.accounts.deleteAccessKey(req.params.id!);
    return { status: 200, json: {} };
  });

  router.fallback("/engine", (req, allowed) =>
    errorResponse(
      allowed.length
        ? new RequestError(405, `the method ${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(", ")}`)
        : new RequestError(404, `no admin route ${req.method} ${req.path}`),
    ),
  );
}

/**
 * Damages one stored chunk of backup `backupId` in place (its first byte flipped) and returns the chunk's hash, so
 * restore tests and verification can be shown to catch corruption. Only the chunk store keeps chunks; a backup
 * without a manifest (another backend) or with only zero chunks is a conflict.
 */
async function corruptFirstChunk(storageDir: string, backupId: string, what: string): Promise<string> {
  const where = layout.manifest(storageDir, backupId);
  let text: string;
  try {
    text = await readFile(where, "utf8");
  } catch {
    throw new DomainError("conflict", `${what} has no chunk manifest: the storage backend keeps no chunks to corrupt`);
  }
  const chunk = decodeManifest(text, where).chunks.find((c): c is string => c !== null);
  if (!chunk) throw new DomainError("conflict", `${what} holds only zero chunks: nothing to corrupt`);
  const fh = await open(new ChunkStore(layout.chunks(storageDir)).path(chunk), "r+");
  try {
    const first = Buffer.alloc(1);
    await fh.read(first, 0, 1, 0);
    await fh.write(Buffer.from([first[0]! ^ 0xff]), 0, 1, 0);
  } finally {
    await fh.close();
  }
  return chunk;
}

function intQuery(q: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = q.get(name);
  if (raw === null) {
    if (required) throw new DomainError("invalid_argument", `query parameter '${name}' is required`, name);
    return undefined;
  }
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new DomainError("invalid_argument", `query parameter '${name}' must be a non-negative integer, got '${raw}'`, name);
  return Number(raw);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function errorResponse(e: unknown): HttpResponse {
  const body = (status: number, code: string, details: string) => ({ status, json: { error: { code, description: describe(status), details } } });
  if (e instanceof ZodError) return body(400, "SYS.1007", describeZodError(e));
  if (e instanceof BodyError) return body(e.reason === "too_large" ? 413 : 400, "SYS.1007", e.message);
  if (e instanceof RequestError) return body(e.status, e.status === 404 ? "SYS.1009" : "SYS.1007", e.message);
  if (e instanceof DomainError) return body(STATUS[e.kind], codeOf(e.kind), e.message);
  // Damaged backup data is an answer about the data, not a server fault.
  if (e instanceof StorageError && DAMAGE.has(e.kind)) return body(409, "SYS.1006", e.message);
  console.error("backplan engine admin API: unexpected error", e);
  return body(500, "SYS.1000", e instanceof Error ? e.message : String(e));
}

function codeOf(kind: DomainErrorKind): string {
  switch (kind) {
    case "invalid_argument":
      return "SYS.1007";
    case "not_found":
      return "SYS.1003";
    case "conflict":
      return "SYS.1006";
    case "permission_denied":
      return "ID.1002";
    case "unauthenticated":
      return "ID.1001";
    case "timeout":
      return "SYS.1001";
    case "internal":
      return "SYS.1000";
    default:
      return assertNever(kind);
  }
}

function describe(status: number): string {
  return status === 401 ? "authentication required" : status === 403 ? "permission denied" : status < 500 ? "bad request" : "internal error";
}
