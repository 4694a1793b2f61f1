import type { Cluster } from "../../cluster/cluster.js";
import { EmbeddedCluster } from "../../cluster/embedded-cluster.js";
import type { Clock } from "../clock.js";
import type { OrphanableWork } from "../job-failover.js";
import { newOpenStackId } from "../ids.js";
import type { Inventory, VmInstance } from "../inventory.js";
import type { VolumeBackupStore } from "../../storage/backup-store.js";
import type { MetadataStore } from "../../store/metadata-store.js";
import type { Collection } from "../../store/collection.js";
import { CsbsError, invalidParameter } from "./errors.js";
import { checkProvider, SERVER_TYPE, type Policies, type PolicyResource } from "./policies.js";
import { backUpVmVolumes, removeVolumeBackups, type VolumeBackupRecord } from "./vm-volume-backup.js";
import { vmUuidOf } from "./vm-ref.js";

/** Karbor's checkpoint statuses that this engine uses; `deleted` checkpoints stay readable as tombstones. */
export type CheckpointStatus = "protecting" | "available" | "error" | "deleting" | "deleted";
export type ItemStatus = CheckpointStatus;

/** What the per-server `protect` action takes (CSBS "Creating a Backup"). */
export interface ProtectInput {
  backupName?: string;
  description?: string;
  resourceType?: string;
  extraInfo?: Record<string, string>;
  tags?: { key: string; value: string }[];
}

export interface Checkpoint {
  uuid: string;
  projectId: string;
  providerId: string;
  planId: string;
  planName: string;
  /** The plan's resources this checkpoint protects, as they were when it was taken. */
  resources: PolicyResource[];
  status: CheckpointStatus;
  createdAt: number;
  updatedAt: number;
  extraInfo: Record<string, string>;
  autoTrigger: boolean;
  failReason: string | null;
  /** The engine node taking it, when nodes share the metadata: failed by another node if it dies meanwhile. */
  node?: string;
}

/** A VM snapshot kept with the item, for CSBS `backup_data`. */
export interface VmSnapshot {
  name: string;
  vcpus: number;
  ram: number; // MB
  privateIp: string;
  diskGb: number;
  zoneUuid: string;
}

/** One protected VM inside a checkpoint: CSBS calls it a backup (checkpoint_item). */
export interface CheckpointItem {
  uuid: string;
  checkpointId: string;
  projectId: string;
  planId: string;
  name: string;
  description: string;
  resourceId: string;
  resourceName: string;
  resourceType: string;
  vmUuid: string;
  status: ItemStatus;
  createdAt: number;
  updatedAt: number;
  protectedAt: number | null;
  progress: number;
  autoTrigger: boolean;
  vm: VmSnapshot;
  volumeBackups: VolumeBackupRecord[];
  failReason: string | null;
  failOp: "" | "backup" | "delete";
  /** Tags given to a per-server backup (`protect.tags`); absent on policy backups and older records. */
  tags?: { key: string; value: string }[];
}

export interface ExecuteInput {
  planId: string;
  /** Subset of the plan's resource ids to back up (either id form); all of them when absent. */
  resources?: string[];
  autoTrigger?: boolean;
  extraInfo?: Record<string, string>;
}

/** Field names of the request, so errors name what the client sent (CSBS and Karbor bodies differ). */
export interface ExecuteFields {
  providerId: string;
  planId: string;
  resources: string;
}

const RESTART_REASON = "the engine stopped while this checkpoint was protecting; the partial backup was discarded";

/** Why a checkpoint failed whose node died while taking it (failed by another node, job-failover.ts). */
export function deadNodeReason(node: string, deadAfterMs: number): string {
  return `the backup engine node "${node}" taking this checkpoint stopped (no heartbeat for more than ${deadAfterMs / 1000} s); the partial backup was discarded`;
}

/**
 * Checkpoints and their items. Creating one records it as `protecting` and returns at once; the volume copies
 * run in the background and move it to `available` or `error`. Deleting moves `available`/`error` to
 * `deleting` and, in the background, to `deleted` once the copies are removed.
 */
export class Checkpoints implements OrphanableWork {
  readonly scope = "csbs-checkpoint-failover";
  readonly checkpoints: Collection<Checkpoint>;
  readonly items: Collection<CheckpointItem>;
  private readonly running = new Set<Promise<void>>();
  private readonly settledListeners: ((cp: Checkpoint) => void)[] = [];
  private closed = false;

  constructor(
    metadata: MetadataStore,
    private readonly policies: Policies,
    private readonly inventory: Inventory,
    private readonly store: VolumeBackupStore,
    private readonly clock: Clock,
    private readonly cluster: Cluster = new EmbeddedCluster(),
  ) {
    this.checkpoints = metadata.collection("csbs-checkpoint");
    this.items = metadata.collection("csbs-checkpoint-item");
    policies.executing = (planId) => this.isExecuting(planId);
  }

  /**
   * Brings state left by a previous process to rest: `protecting` becomes `error` (its partial copies removed)
   * and `deleting` resumes. Call once, before serving requests.
   */
  recover(): void {
    for (const cp of this.checkpoints.all()) {
      if (cp.status === "protecting") {
        this.failProtecting(cp, RESTART_REASON);
      } else if (cp.status === "deleting") {
        const ids = this.itemsOf(cp.uuid).filter((i) => i.status === "deleting").map((i) => i.uuid);
        this.background(() => this.runDelete(cp.uuid, ids));
      }
    }
  }

  /**
   * With other nodes live: fails the checkpoints a previous run under this node's name left `protecting` (no
   * other node fails them: this name is live again). Call once, before serving requests.
   */
  recoverOwn(): void {
    for (const cp of this.checkpoints.all()) {
      if (cp.status === "protecting" && cp.node === this.cluster.self.id) this.failProtecting(cp, RESTART_REASON);
    }
  }

  /** Checkpoints being taken by other nodes (OrphanableWork: the failover sweep fails them once their node is dead). */
  runningElsewhere(): { key: string; node: string }[] {
    return this.checkpoints
      .all()
      .filter((c): c is Checkpoint & { node: string } => c.status === "protecting" && c.node !== undefined && c.node !== this.cluster.self.id)
      .map((c) => ({ key: c.uuid, node: c.node }));
  }

  /** Fails checkpoint `uuid` if `deadNode` is still taking it, naming the node; whether it did. */
  failOrphan(uuid: string, deadNode: string): boolean {
    const cp = this.checkpoints.get(uuid);
    if (!cp || cp.status !== "protecting" || cp.node !== deadNode) return false;
    this.failProtecting(cp, deadNodeReason(deadNode, this.cluster.bounds.deadAfterMs));
    return true;
  }

  /** `protecting` becomes `error` for the checkpoint and its items still protecting; their partial copies go. */
  private failProtecting(cp: Checkpoint, reason: string): void {
    for (const item of this.itemsOf(cp.uuid)) {
      if (item.status === "protecting") {
        this.putItem(item, { status: "error", failReason: reason, failOp: "backup" });
        const copies = item.volumeBackups;
        this.background(() => removeVolumeBackups(this.store, copies));
      }
    }
    this.putCheckpoint(cp, { status: "error", failReason: reason });
  }

  /** Executes a policy: validates, records the checkpoint and items as `protecting`, starts the copies. */
  execute(projectId: string, providerId: string, input: ExecuteInput, fields: ExecuteFields): Checkpoint {
    checkProvider(providerId, fields.providerId);
    const plan = this.policies.get(projectId, input.planId);
    if (plan.providerId !== providerId) {
      throw invalidParameter(fields.providerId, "The parameter provider_id is not the same as the value in the plan.");
    }
    let resources = plan.resources;
    if (input.resources !== undefined) {
      resources = input.resources.map((id, i) => {
        const vmUuid = vmUuidOf(id);
        const r = plan.resources.find((pr) => pr.vmUuid === vmUuid);
        if (!r) throw invalidParameter(`${fields.resources}[${i}]`, `resource ${id} is not protected by backup policy ${plan.uuid}`);
        return r;
      });
    }
    if (resources.length === 0) throw new CsbsError("plan_has_no_resource", "plan has no resource backup: the policy protects no server");
    if (this.isExecuting(plan.uuid)) throw new CsbsError("policy_executing", "The policy is executing backup.");
    const vms = resources.map((r, i): VmInstance => {
      const vm = this.inventory.vms.get(r.vmUuid);
      if (!vm) throw new CsbsError("server_not_found", `server do not exist: resource ${r.id} (${r.name}) of the policy is gone`, `${fields.resources}[${i}]`);
      return vm;
    });
    const autoTrigger = input.autoTrigger ?? false;
    return this.start(projectId, providerId, { uuid: plan.uuid, name: plan.name }, resources, vms, {
      autoTrigger,
      extraInfo: input.extraInfo ?? { created_by: autoTrigger ? "auto" : "manual" },
    });
  }

  /**
   * Backs up one server outside any policy (CSBS "Creating a Backup", the per-server `protect` action that
   * OTC's and Huawei's `csbs_backup` resources use): a checkpoint with one item, its plan id and name empty.
   */
  protect(projectId: string, providerId: string, resourceId: string, input: ProtectInput): Checkpoint {
    checkProvider(providerId, "provider_id");
    const vmUuid = vmUuidOf(resourceId);
    const vm = vmUuid ? this.inventory.vms.get(vmUuid) : undefined;
    if (!vmUuid || !vm) throw new CsbsError("server_not_found", `server do not exist: ${resourceId}`, "resource_id");
    if (input.resourceType !== undefined && input.resourceType !== SERVER_TYPE) {
      throw new CsbsError("resource_type_unsupported", `resource_type ${input.resourceType} is not supported; use ${SERVER_TYPE}`, "protect.resource_type");
    }
    if (this.checkpoints.all().some((c) => c.status === "protecting" && c.resources.some((r) => r.vmUuid === vmUuid))) {
      throw new CsbsError("item_in_executing", `server ${resourceId} is being backed up`);
    }
    const resource: PolicyResource = { id: resourceId, type: SERVER_TYPE, name: vm.name, extraInfo: null, vmUuid };
    return this.start(projectId, providerId, { uuid: "", name: "" }, [resource], [vm], {
      autoTrigger: false,
      extraInfo: { created_by: "manual", ...input.extraInfo },
      ...(input.backupName !== undefined ? { itemName: input.backupName } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
    });
  }

  /**
   * Whether a resource can be backed up now (CSBS `check_protectable`): a server of the inventory, of type
   * `OS::Nova::Server`, not being backed up. `error_code`/`error_msg` say why not.
   */
  protectable(projectId: string, resourceId: string, resourceType: string): { result: boolean; error_code?: string; error_msg?: string } {
    void projectId;
    const vmUuid = vmUuidOf(resourceId);
    if (resourceType !== SERVER_TYPE) return { result: false, error_code: "CSBS.1601", error_msg: `resource type ${resourceType} is not supported` };
    if (!vmUuid || !this.inventory.vms.get(vmUuid)) return { result: false, error_code: "CSBS.1602", error_msg: `server ${resourceId} does not exist` };
    if (this.checkpoints.all().some((c) => c.status === "protecting" && c.resources.some((r) => r.vmUuid === vmUuid))) {
      return { result: false, error_code: "CSBS.1603", error_msg: `server ${resourceId} is being backed up` };
    }
    return { result: true };
  }

  /** Records a protecting checkpoint with one item per resource and starts backing them up. */
  private start(
    projectId: string,
    providerId: string,
    plan: { uuid: string; name: string },
    resources: PolicyResource[],
    vms: VmInstance[],
    opts: { autoTrigger: boolean; extraInfo: Record<string, string>; itemName?: string; description?: string; tags?: { key: string; value: string }[] },
  ): Checkpoint {
    const now = this.clock.now();
    const autoTrigger = opts.autoTrigger;
    const cp = this.checkpoints.put({
      uuid: newOpenStackId(),
      projectId,
      providerId,
      planId: plan.uuid,
      planName: plan.name,
      resources,
      status: "protecting",
      createdAt: now,
      updatedAt: now,
      extraInfo: opts.extraInfo,
      autoTrigger,
      failReason: null,
      ...(this.cluster.shared ? { node: this.cluster.self.id } : {}),
    });
    const items = resources.map((r, i) => {
      const uuid = newOpenStackId();
      return this.items.put({
        uuid,
        checkpointId: cp.uuid,
        projectId,
        planId: plan.uuid,
        name: opts.itemName ?? `${autoTrigger ? "autobk" : "manualbk"}_${uuid.slice(0, 4)}_${r.name}`,
        description: opts.description ?? "",
        resourceId: r.id,
        resourceName: r.name,
        resourceType: r.type,
        vmUuid: r.vmUuid,
        status: "protecting",
        createdAt: now,
        updatedAt: now,
        protectedAt: null,
        progress: 0,
        autoTrigger,
        vm: this.snapshot(vms[i]!),
        volumeBackups: [],
        failReason: null,
        failOp: "",
        ...(opts.tags ? { tags: opts.tags } : {}),
      });
    });
    this.background(() => this.runProtect(cp.uuid, items.map((i) => i.uuid)));
    return cp;
  }

  /** The checkpoint of the project, `deleted` ones included; else `checkpoint_not_found`. */
  get(projectId: string, checkpointId: string): Checkpoint {
    const cp = this.checkpoints.get(checkpointId);
    if (!cp || cp.projectId !== projectId) throw new CsbsError("checkpoint_not_found", `Checkpoint (${checkpointId}) is not found.`);
    return cp;
  }

  /** The project's checkpoints, oldest first; tombstones only when `includeDeleted`. */
  list(projectId: string, includeDeleted = false): Checkpoint[] {
    return this.checkpoints.all().filter((c) => c.projectId === projectId && (includeDeleted || c.status !== "deleted"));
  }

  getItem(projectId: string, itemId: string): CheckpointItem {
    const item = this.items.get(itemId);
    if (!item || item.projectId !== projectId) throw new CsbsError("checkpoint_item_not_found", `Checkpoint_item (${itemId}) is not found.`);
    return item;
  }

  listItems(projectId: string): CheckpointItem[] {
    return this.items.all().filter((i) => i.projectId === projectId);
  }

  itemsOf(checkpointId: string): CheckpointItem[] {
    return this.items.all().filter((i) => i.checkpointId === checkpointId);
  }

  isExecuting(planId: string): boolean {
    return this.checkpoints.all().some((c) => c.planId === planId && c.status === "protecting");
  }

  /**
   * Starts deleting the checkpoint (or only item `itemId` of it). Allowed from `available` or `error`;
   * `protecting`/`deleting` is `item_in_executing`; an already deleted one reads as not found.
   */
  delete(projectId: string, providerId: string, checkpointId: string, itemId?: string): void {
    checkProvider(providerId, "provider_id");
    const cp = this.get(projectId, checkpointId);
    if (cp.status === "deleted") throw new CsbsError("checkpoint_not_found", `Checkpoint (${checkpointId}) is not found.`);
    let targets = this.itemsOf(cp.uuid).filter((i) => i.status !== "deleted");
    if (itemId !== undefined) {
      const item = targets.find((i) => i.uuid === itemId);
      if (!item) throw new CsbsError("checkpoint_item_not_found", `Checkpoint_item (${itemId}) is not found.`, "checkpoint_items");
      targets = [item];
    }
    const busy = cp.status === "protecting" || cp.status === "deleting" || targets.some((i) => i.status === "protecting" || i.status === "deleting");
    if (busy) throw new CsbsError("item_in_executing", `item in executing: checkpoint ${cp.uuid} is ${cp.status}`);
    for (const item of targets) this.putItem(item, { status: "deleting" });
    this.putCheckpoint(cp, { status: "deleting" });
    const ids = targets.map((i) => i.uuid);
    this.background(() => this.runDelete(cp.uuid, ids));
  }

  /**
   * Karbor's `os-resetState`: sets a settled checkpoint (`available` or `error`) to `available` or `error`, for
   * an operator who knows better. Items are left as they are. Busy or deleted checkpoints are refused.
   */
  resetState(projectId: string, providerId: string, checkpointId: string, state: "available" | "error"): Checkpoint {
    checkProvider(providerId, "provider_id");
    const cp = this.get(projectId, checkpointId);
    if (cp.status !== "available" && cp.status !== "error") {
      throw new CsbsError("item_in_executing", `Checkpoint ${cp.uuid} is ${cp.status}; only available or error checkpoints can be reset.`);
    }
    return this.putCheckpoint(cp, { status: state, failReason: state === "error" ? (cp.failReason ?? "reset to error by an operator") : null });
  }

  /** Calls `listener` each time a checkpoint's backup finishes (`available` or `error`). */
  onSettled(listener: (cp: Checkpoint) => void): void {
    this.settledListeners.push(listener);
  }

  /** Stops taking background work and waits for what is running. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async runProtect(checkpointId: string, itemIds: string[]): Promise<void> {
    for (const id of itemIds) {
      const item = this.items.get(id)!;
      const total = Math.max(1, this.inventory.vmVolumes(item.vmUuid).length);
      try {
        await backUpVmVolumes(this.inventory, this.store, item.vmUuid, item.uuid, (record) => {
          // Recorded before the next volume starts, so a crash leaves no unrecorded copy behind.
          const current = this.items.get(id)!;
          const volumeBackups = [...current.volumeBackups, record];
          this.putItem(current, { volumeBackups, progress: Math.min(99, Math.floor((100 * volumeBackups.length) / total)) });
        });
        const done = this.clock.now();
        this.putItem(this.items.get(id)!, { status: "available", progress: 100, protectedAt: done });
      } catch (e) {
        const current = this.items.get(id)!;
        await removeVolumeBackups(this.store, current.volumeBackups).catch(() => undefined);
        this.putItem(current, { status: "error", failReason: (e as Error).message, failOp: "backup", volumeBackups: [] });
      }
    }
    const items = this.itemsOf(checkpointId);
    const failed = items.find((i) => i.status === "error");
    const settled = this.putCheckpoint(this.checkpoints.get(checkpointId)!, {
      status: failed ? "error" : "available",
      failReason: failed ? `backup of ${failed.resourceName} failed: ${failed.failReason}` : null,
    });
    for (const listener of this.settledListeners) listener(settled);
  }

  private async runDelete(checkpointId: string, itemIds: string[]): Promise<void> {
    let failure: string | null = null;
    for (const id of itemIds) {
      const item = this.items.get(id)!;
      try {
        await removeVolumeBackups(this.store, item.volumeBackups);
        this.putItem(item, { status: "deleted", volumeBackups: [] });
      } catch (e) {
        failure = (e as Error).message;
        this.putItem(item, { status: "error", failReason: failure, failOp: "delete" });
      }
    }
    const rest = this.itemsOf(checkpointId).filter((i) => i.status !== "deleted");
    const cp = this.checkpoints.get(checkpointId)!;
    if (failure) this.putCheckpoint(cp, { status: "error", failReason: `delete failed: ${failure}` });
    else if (rest.length === 0) this.putCheckpoint(cp, { status: "deleted" });
    else this.putCheckpoint(cp, { status: rest.some((i) => i.status === "error") ? "error" : "available" });
  }

  private background(work: () => Promise<void>): void {
    if (this.closed) return;
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (this.closed ? undefined : work()))
      .catch((e: unknown) => console.error("backplan engine: csbs background job failed", e))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private snapshot(vm: VmInstance): VmSnapshot {
    const volumes = this.inventory.vmVolumes(vm.uuid);
    return {
      name: vm.name,
      vcpus: vm.cpuNum,
      ram: Math.round(vm.memorySize / (1024 * 1024)),
      privateIp: vm.vmNics[0]?.ip ?? "",
      diskGb: Math.ceil(volumes.reduce((s, v) => s + v.size, 0) / 1024 ** 3),
      zoneUuid: vm.zoneUuid,
    };
  }

  private putItem(item: CheckpointItem, change: Partial<CheckpointItem>): CheckpointItem {
    return this.items.put({ ...item, ...change, updatedAt: this.clock.now() });
  }

  private putCheckpoint(cp: Checkpoint, change: Partial<Checkpoint>): Checkpoint {
    return this.checkpoints.put({ ...cp, ...change, updatedAt: this.clock.now() });
  }
}
