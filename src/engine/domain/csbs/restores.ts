import { rm } from "node:fs/promises";
import type { Clock } from "../clock.js";
import { newOpenStackId } from "../ids.js";
import type { Inventory, VmInstance } from "../inventory.js";
import { createVmFromImages, type VolumeImage } from "../vm-restore.js";
import type { VolumeBackupStore } from "../../storage/backup-store.js";
import type { MetadataStore } from "../../store/metadata-store.js";
import type { Collection } from "../../store/collection.js";
import type { CheckpointItem, Checkpoints } from "./checkpoints.js";
import { CsbsError, invalidParameter } from "./errors.js";
import { checkProvider, SERVER_TYPE } from "./policies.js";
import { vmUuidOf } from "./vm-ref.js";
import type { VolumeBackupRecord } from "./vm-volume-backup.js";
import type { Cluster } from "../../cluster/cluster.js";
import { EmbeddedCluster } from "../../cluster/embedded-cluster.js";
import type { OrphanableWork } from "../job-failover.js";

/** Karbor's restore statuses (`constants.py`: in_progress, success, fail). */
export type RestoreStatus = "in_progress" | "success" | "fail";

/** Per-resource status, keyed `OS::Nova::Server#<resource id>` as Karbor keys `resources_status`. */
export type ResourceRestoreStatus = "restoring" | "available" | "error";

/**
 * CSBS's documented form ("Creating a Restoration Task"): one backup (checkpoint item) written onto the disks of
 * an existing server, each disk backup onto the volume the mapping names.
 */
export interface InPlaceRestore {
  kind: "in_place";
  itemId: string;
  powerOn: boolean;
  serverId: string;
  volumes: { backupId: string; volumeId: string }[];
}

/**
 * Karbor's form (the OS Infra provider restores by creating resources): every available item of the checkpoint,
 * or those `servers` names, becomes a new server. Per server: `restore_name` (Karbor's server restore schema) and
 * the engine's additions `restore_description`, `instance_offering_uuid`, `l3_network_uuids`.
 */
export interface NewServerRestore {
  kind: "new_server";
  servers: Map<string, NewServerOptions>;
  defaults: NewServerOptions;
}

export interface NewServerOptions {
  name?: string;
  description?: string;
  instanceOfferingUuid?: string;
  l3NetworkUuids?: string[];
}

export interface RestoreInput {
  providerId: string;
  checkpointId: string;
  restoreTarget: string | null;
  /** The request's `parameters`, echoed back as given. */
  parameters: Record<string, unknown>;
  plan: InPlaceRestore | NewServerRestore;
}

export interface Restore {
  uuid: string;
  projectId: string;
  providerId: string;
  checkpointId: string;
  restoreTarget: string | null;
  parameters: Record<string, unknown>;
  status: RestoreStatus;
  resourcesStatus: Record<string, ResourceRestoreStatus>;
  resourcesReason: Record<string, string>;
  /** Original resource key → the server that now holds its data (the target, or the one created). */
  restoredServers: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  /** The engine node running it, when nodes share the metadata: failed by another node if it dies meanwhile. */
  node?: string;
}

const RESTART_REASON = "the engine stopped while this restore was running";

/** Why a restore failed whose node died while running it (failed by another node, job-failover.ts). */
function deadNodeReason(node: string, deadAfterMs: number): string {
  return `the backup engine node "${node}" running this restore stopped (no heartbeat for more than ${deadAfterMs / 1000} s); the restore did not finish`;
}

/**
 * Restores of CSBS checkpoints. `create` validates, records the restore `in_progress` and returns; the bytes are
 * written in the background, moving it to `success` or `fail` with a reason per resource. Every restored byte
 * comes from the store, which checks each chunk's hash, so damaged backup data fails the restore, naming the chunk.
 */
export class Restores implements OrphanableWork {
  readonly scope = "csbs-restore-failover";
  readonly restores: Collection<Restore>;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    metadata: MetadataStore,
    private readonly checkpoints: Checkpoints,
    private readonly inventory: Inventory,
    private readonly store: VolumeBackupStore,
    private readonly clock: Clock,
    private readonly cluster: Cluster = new EmbeddedCluster(),
  ) {
    this.restores = metadata.collection("csbs-restore");
  }

  /** Restores a previous process left running failed: their work died with it. Call once, before serving. */
  recover(): void {
    for (const r of this.restores.all()) if (r.status === "in_progress") this.failRunning(r, RESTART_REASON);
  }

  /**
   * With other nodes live: fails the restores a previous run under this node's name left running (no other node
   * fails them: this name is live again). Call once, before serving requests.
   */
  recoverOwn(): void {
    for (const r of this.restores.all()) if (r.status === "in_progress" && r.node === this.cluster.self.id) this.failRunning(r, RESTART_REASON);
  }

  /** Restores other nodes are running (OrphanableWork: the failover sweep fails them once their node is dead). */
  runningElsewhere(): { key: string; node: string }[] {
    return this.restores
      .all()
      .filter((r): r is Restore & { node: string } => r.status === "in_progress" && r.node !== undefined && r.node !== this.cluster.self.id)
      .map((r) => ({ key: r.uuid, node: r.node }));
  }

  /** Fails restore `uuid` if `deadNode` is still running it, naming the node; whether it did. */
  failOrphan(uuid: string, deadNode: string): boolean {
    const r = this.restores.get(uuid);
    if (!r || r.status !== "in_progress" || r.node !== deadNode) return false;
    this.failRunning(r, deadNodeReason(deadNode, this.cluster.bounds.deadAfterMs));
    return true;
  }

  /** `in_progress` becomes `fail`, every resource `error` with `reason`. */
  private failRunning(r: Restore, reason: string): void {
    const reasons = Object.fromEntries(Object.keys(r.resourcesStatus).map((k) => [k, reason]));
    const statuses = Object.fromEntries(Object.keys(r.resourcesStatus).map((k) => [k, "error" as const]));
    this.put(r, { status: "fail", resourcesStatus: statuses, resourcesReason: { ...r.resourcesReason, ...reasons } });
  }

  create(projectId: string, input: RestoreInput): Restore {
    checkProvider(input.providerId, "restore.provider_id");
    const cp = this.checkpoints.get(projectId, input.checkpointId);
    if (cp.status === "deleted" || cp.status === "deleting") throw new CsbsError("checkpoint_not_found", `Checkpoint (${cp.uuid}) is not found.`, "restore.checkpoint_id");
    if (cp.providerId !== input.providerId) throw invalidParameter("restore.provider_id", "The parameter provider_id is not the same as the value in the checkpoint.");
    const jobs = input.plan.kind === "in_place" ? [this.inPlaceJob(projectId, cp.uuid, input.plan)] : this.newServerJobs(cp.uuid, input.plan);
    const now = this.clock.now();
    const r = this.restores.put({
      uuid: newOpenStackId(),
      projectId,
      providerId: input.providerId,
      checkpointId: cp.uuid,
      restoreTarget: input.restoreTarget,
      parameters: input.parameters,
      status: "in_progress",
      resourcesStatus: Object.fromEntries(jobs.map((j) => [j.key, "restoring" as const])),
      resourcesReason: {},
      restoredServers: {},
      createdAt: now,
      updatedAt: now,
      ...(this.cluster.shared ? { node: this.cluster.self.id } : {}),
    });
    this.background(() => this.run(r.uuid, jobs));
    return r;
  }

  get(projectId: string, restoreId: string): Restore {
    const r = this.restores.get(restoreId);
    if (!r || r.projectId !== projectId) throw new CsbsError("not_found", `Restore ${restoreId} could not be found.`);
    return r;
  }

  list(projectId: string): Restore[] {
    return this.restores.all().filter((r) => r.projectId === projectId);
  }

  /** Stops taking background work and waits for what is running. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Validates the CSBS in-place form; every problem names the request field. */
  private inPlaceJob(projectId: string, checkpointId: string, p: InPlaceRestore): Job {
    const at = "restore.parameters";
    const item = this.checkpoints.getItem(projectId, p.itemId);
    if (item.checkpointId !== checkpointId) throw invalidParameter(`${at}.checkpoint_item_id`, `backup ${item.uuid} is not in checkpoint ${checkpointId}`);
    requireAvailable(item, `${at}.checkpoint_item_id`);
    const vmUuid = vmUuidOf(p.serverId);
    const vm = vmUuid ? this.inventory.vms.get(vmUuid) : undefined;
    if (!vm) throw new CsbsError("server_not_found", `server do not exist: ${p.serverId}`, `${at}.targets.server_id`);
    const own = new Set(this.inventory.vmVolumes(vm.uuid).map((v) => v.uuid));
    const mapped = p.volumes.map((m, i) => {
      const where = `${at}.targets.volumes[${i}]`;
      const backup = item.volumeBackups.find((b) => b.backupId === m.backupId);
      if (!backup) throw invalidParameter(`${where}.backup_id`, `disk backup ${m.backupId} is not part of backup ${item.uuid}`);
      const volUuid = vmUuidOf(m.volumeId);
      const vol = volUuid ? this.inventory.volumes.get(volUuid) : undefined;
      if (!vol || !own.has(vol.uuid)) throw invalidParameter(`${where}.volume_id`, `volume ${m.volumeId} is not a disk of server ${p.serverId}`);
      if (vol.size !== backup.sourceSize) throw invalidParameter(`${where}.volume_id`, `volume ${m.volumeId} is ${vol.size} bytes, disk backup ${m.backupId} holds ${backup.sourceSize}`);
      return { backup, volumeUuid: vol.uuid };
    });
    if (new Set(mapped.map((m) => m.volumeUuid)).size !== mapped.length) throw invalidParameter(`${at}.targets.volumes`, "a volume is the target of more than one disk backup");
    if (mapped.length === 0) throw invalidParameter(`${at}.targets.volumes`, "map at least one disk backup onto a volume");
    return { key: resourceKey(item), item, run: (sig) => this.writeInPlace(vm.uuid, mapped, p.powerOn, sig) };
  }

  private newServerJobs(checkpointId: string, p: NewServerRestore): Job[] {
    const items = this.checkpoints.itemsOf(checkpointId).filter((i) => i.status !== "deleted");
    const chosen = p.servers.size === 0 ? items.filter((i) => i.status === "available") : [...p.servers.keys()].map((id) => {
      const vmUuid = vmUuidOf(id);
      const item = items.find((i) => i.vmUuid === vmUuid);
      if (!item) throw invalidParameter(`restore.parameters["${SERVER_TYPE}#${id}"]`, `checkpoint ${checkpointId} holds no backup of server ${id}`);
      requireAvailable(item, `restore.parameters["${SERVER_TYPE}#${id}"]`);
      return item;
    });
    if (chosen.length === 0) throw new CsbsError("item_in_executing", `checkpoint ${checkpointId} holds no available backup to restore`, "restore.checkpoint_id");
    return chosen.map((item) => {
      const opts = { ...p.defaults, ...([...p.servers].find(([id]) => vmUuidOf(id) === item.vmUuid)?.[1] ?? {}) };
      return { key: resourceKey(item), item, run: (sig) => this.createServer(item, opts, sig) };
    });
  }

  private async run(restoreId: string, jobs: Job[]): Promise<void> {
    const abort = new AbortController();
    for (const job of jobs) {
      let change: Partial<Restore>;
      const cur = this.restores.get(restoreId)!;
      try {
        if (this.closed) abort.abort(new Error(RESTART_REASON));
        const server = await job.run(abort.signal);
        change = { resourcesStatus: { ...cur.resourcesStatus, [job.key]: "available" }, restoredServers: { ...cur.restoredServers, [job.key]: server } };
      } catch (e) {
        change = { resourcesStatus: { ...cur.resourcesStatus, [job.key]: "error" }, resourcesReason: { ...cur.resourcesReason, [job.key]: (e as Error).message } };
      }
      this.put(this.restores.get(restoreId)!, change);
    }
    const done = this.restores.get(restoreId)!;
    this.put(done, { status: Object.values(done.resourcesStatus).every((s) => s === "available") ? "success" : "fail" });
  }

  /** Each disk backup is restored into a scratch file first: damaged data then leaves the server's disk untouched. */
  private async writeInPlace(vmUuid: string, mapped: { backup: VolumeBackupRecord; volumeUuid: string }[], powerOn: boolean, signal: AbortSignal): Promise<string> {
    const vm = this.inventory.vms.get(vmUuid);
    if (!vm) throw new Error(`server ${vmUuid} no longer exists`);
    this.setState(vm, "Stopped");
    for (const m of mapped) {
      signal.throwIfAborted();
      const vol = this.inventory.volumes.get(m.volumeUuid);
      if (!vol) throw new Error(`volume ${m.volumeUuid} no longer exists`);
      const tmp = `${vol.installPath}.csbs-restore-${process.pid}`;
      try {
        await this.store.restore(m.backup.storageDir, m.backup.backupId, tmp, { signal });
        await this.inventory.copyIntoVolume(vol.uuid, tmp);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    const after = this.inventory.vms.get(vmUuid);
    if (after) this.setState(after, powerOn ? "Running" : "Stopped");
    return vmUuid;
  }

  private async createServer(item: CheckpointItem, opts: NewServerOptions, signal: AbortSignal): Promise<string> {
    const ordered = [...item.volumeBackups].sort((a, b) => Number(b.bootable) - Number(a.bootable) || a.deviceId - b.deviceId);
    const images: VolumeImage[] = ordered.map((b) => ({
      type: b.bootable ? "Root" : "Data",
      size: b.sourceSize,
      restoreInto: (dest) => this.store.restore(b.storageDir, b.backupId, dest, { signal }),
    }));
    const source = this.inventory.vms.get(item.vmUuid);
    const vm = await createVmFromImages(
      this.inventory,
      {
        name: opts.name ?? `${item.resourceName}-restored`,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.instanceOfferingUuid ? { instanceOfferingUuid: opts.instanceOfferingUuid } : {}),
        ...(opts.l3NetworkUuids?.length ? { l3NetworkUuids: opts.l3NetworkUuids } : {}),
      },
      images,
      // The source server may be gone (the reason to restore); the engine's first offering and network then serve.
      {
        instanceOfferingUuid: source?.instanceOfferingUuid ?? this.inventory.instanceOfferings.all()[0]?.uuid,
        l3NetworkUuids: source ? source.vmNics.map((n) => n.l3NetworkUuid) : this.inventory.l3Networks.all().slice(0, 1).map((l) => l.uuid),
        ...(source ? { defaultL3NetworkUuid: source.defaultL3NetworkUuid } : {}),
      },
      signal,
    );
    return vm.uuid;
  }

  private setState(vm: VmInstance, state: VmInstance["state"]): void {
    if (vm.state !== state) this.inventory.vms.put({ ...vm, state, lastOpDate: this.clock.now() });
  }

  private put(r: Restore, change: Partial<Restore>): Restore {
    return this.restores.put({ ...r, ...change, updatedAt: this.clock.now() });
  }

  private background(work: () => Promise<void>): void {
    if (this.closed) return;
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (this.closed ? undefined : work()))
      .catch((e: unknown) => console.error("backplan engine: csbs restore failed", e))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }
}

interface Job {
  key: string;
  item: CheckpointItem;
  /** Writes the data; resolves to the server that holds it. */
  run(signal: AbortSignal): Promise<string>;
}

function resourceKey(item: CheckpointItem): string {
  return `${SERVER_TYPE}#${item.resourceId}`;
}

function requireAvailable(item: CheckpointItem, field: string): void {
  if (item.status !== "available") throw new CsbsError("item_in_executing", `backup ${item.uuid} is ${item.status}; only available backups can be restored`, field);
}
