import type { VerifyProblem, VerifyReport, VolumeBackupStore } from "../storage/backup-store.js";
import type { Collection } from "../store/collection.js";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Cdp } from "./cdp.js";
import type { CheckpointItem } from "./csbs/checkpoints.js";
import type { BackupStorage } from "./inventory.js";
import type { VmBackups } from "./vm-backups.js";

/** A backup the engine's records say is in the storage, and who records it. */
export interface RecordedBackup {
  backupId: string;
  /** e.g. `VolumeBackup[uuid:…]` or `CSBS checkpoint item[uuid:…]`. */
  owner: string;
}

/** A CDP task's listed recovery points on the storage. */
export interface RecordedCdpTask {
  taskUuid: string;
  groupIds: readonly number[];
}

export interface StorageVerifyInput {
  storage: Pick<BackupStorage, "uuid" | "url">;
  store: Pick<VolumeBackupStore, "verify" | "list">;
  backups: readonly RecordedBackup[];
  cdpTasks: readonly RecordedCdpTask[];
  /** The groupIds the task's journal can restore (throws when the journal cannot be opened). */
  journalPoints(taskUuid: string): Promise<readonly number[]>;
}

/** A listed thing whose data is not in the storage. */
export interface MissingItem {
  kind: "missing_backup" | "missing_recovery_point" | "unreadable_journal";
  item: string;
  owner: string;
  detail: string;
}

export interface StorageVerifyReport extends VerifyReport {
  backupStorageUuid: string;
  /** Records pointing at data that is not there (their chunks, when present, are checked by the store). */
  missing: MissingItem[];
}

/**
 * Checks one backup storage end to end: every chunk of every manifest (backups and CDP bases) re-hashed by the
 * store, every backup the engine lists has a manifest, every listed CDP recovery point can be restored from the
 * task's journal. `ok` is false when anything is missing or corrupt.
 */
export async function verifyBackupStorage(input: StorageVerifyInput): Promise<StorageVerifyReport> {
  if (!input.store.verify) throw new Error("this engine's backup store cannot verify its data");
  const chunks = await input.store.verify(input.storage.url);
  const present = new Set(await input.store.list(input.storage.url));
  const missing: MissingItem[] = [];
  for (const b of input.backups) {
    if (!present.has(b.backupId)) {
      missing.push({ kind: "missing_backup", item: b.backupId, owner: b.owner, detail: `backup ${b.backupId} of ${b.owner} has no manifest in ${input.storage.url}` });
    }
  }
  for (const t of input.cdpTasks) {
    let restorable: Set<number>;
    try {
      restorable = new Set(await input.journalPoints(t.taskUuid));
    } catch (e) {
      missing.push({ kind: "unreadable_journal", item: t.taskUuid, owner: `CdpTask[uuid:${t.taskUuid}]`, detail: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const g of t.groupIds) {
      if (!restorable.has(g)) {
        missing.push({ kind: "missing_recovery_point", item: String(g), owner: `CdpTask[uuid:${t.taskUuid}]`, detail: `recovery point ${g} of CDP task ${t.taskUuid} is listed but its journal cannot restore it` });
      }
    }
  }
  return { ...chunks, ok: chunks.ok && missing.length === 0, backupStorageUuid: input.storage.uuid, missing };
}

/** Human-readable lines of a report (the CLI prints them; the API returns the report as JSON). */
export function formatVerifyReport(r: StorageVerifyReport): string[] {
  const lines = [
    `backup storage ${r.backupStorageUuid}: ${r.ok ? "OK" : "DAMAGED"} — ${r.backupsChecked} manifests, ${r.chunksChecked} chunks, ${r.bytesChecked} bytes checked`,
  ];
  for (const p of r.problems) lines.push(`  ${p.kind} ${p.item}: ${p.detail} (used by ${describeUsers(p)})`);
  for (const m of r.missing) lines.push(`  ${m.kind} ${m.item}: ${m.detail}`);
  return lines;
}

function describeUsers(p: VerifyProblem): string {
  return p.backupIds.length ? p.backupIds.join(", ") : "nothing";
}

/**
 * What the engine's records say is on backup storage `storage`: VM backups, CSBS checkpoint items' volume
 * backups (read from the database, so it works offline too) and CDP tasks' listed points.
 */
export function recordedOn(
  store: MetadataStore,
  services: { vmBackups: VmBackups; cdp: Cdp },
  storage: Pick<BackupStorage, "uuid" | "url">,
): Pick<StorageVerifyInput, "backups" | "cdpTasks" | "journalPoints"> {
  const backups: RecordedBackup[] = services.vmBackups.backups
    .all()
    .filter((b) => b.backupStorageUuid === storage.uuid)
    .map((b) => ({ backupId: b.uuid, owner: `VolumeBackup[uuid:${b.uuid}]` }));
  for (const item of store.collection<CheckpointItem>("csbs-checkpoint-item").all()) {
    if (item.status !== "available") continue;
    for (const v of item.volumeBackups) if (v.storageUuid === storage.uuid) backups.push({ backupId: v.backupId, owner: `CSBS checkpoint item[uuid:${item.uuid}]` });
  }
  const cdpTasks = services.cdp.tasks
    .all()
    .filter((t) => t.backupStorageUuid === storage.uuid)
    .map((t) => ({ taskUuid: t.uuid, groupIds: services.cdp.pointsOf(t.uuid).map((p) => p.groupId) }));
  return { backups, cdpTasks, journalPoints: (taskUuid) => services.cdp.restorableGroupIds(taskUuid, storage.url) };
}
