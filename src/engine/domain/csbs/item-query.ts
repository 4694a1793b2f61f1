import type { CheckpointItem } from "./checkpoints.js";
import { invalidParameter } from "./errors.js";
import { vmUuidOf } from "./vm-ref.js";

export const ITEM_SORT_KEYS = ["created_at", "updated_at", "name", "status", "protected_at", "id"] as const;
export type ItemSortKey = (typeof ITEM_SORT_KEYS)[number];

/** A checkpoint_items query after parsing (CSBS "Querying All Backups" filters). */
export interface ItemQuery {
  checkpointId?: string;
  /** Any status CSBS documents; those this engine never sets (`waiting_protect`, `restoring`...) match nothing. */
  status?: string;
  name?: string;
  az?: string;
  resourceId?: string;
  resourceName?: string;
  resourceType?: string;
  policyId?: string;
  ip?: string;
  imageType?: string;
  startTime?: number;
  endTime?: number;
  sort: { key: ItemSortKey; dir: "asc" | "desc" }[];
  limit: number;
  offset: number;
  marker?: string;
}

export interface ItemPage {
  items: CheckpointItem[];
  /** Whether items remain after this page (the caller builds the `next` link from the last item). */
  more: boolean;
  /** Matches before paging, for `count`. */
  total: number;
}

/**
 * Filters, sorts and pages items. Deleted items only show when `status=deleted` is asked for. Sort ties break
 * by id so pages are stable. An unknown `marker` is an `invalid_argument` naming `marker`.
 */
export function queryItems(all: readonly CheckpointItem[], q: ItemQuery): ItemPage {
  const wantedVm = q.resourceId === undefined ? undefined : (vmUuidOf(q.resourceId) ?? q.resourceId);
  const matching = all.filter(
    (i) =>
      (q.status === undefined ? i.status !== "deleted" : i.status === q.status) &&
      (q.checkpointId === undefined || i.checkpointId === q.checkpointId) &&
      (q.name === undefined || i.name === q.name) &&
      (q.az === undefined || i.vm.zoneUuid === q.az) &&
      (wantedVm === undefined || i.vmUuid === wantedVm || i.resourceId === q.resourceId) &&
      (q.resourceName === undefined || i.resourceName === q.resourceName) &&
      (q.resourceType === undefined || i.resourceType === q.resourceType) &&
      (q.policyId === undefined || i.planId === q.policyId) &&
      (q.ip === undefined || i.vm.privateIp === q.ip) &&
      (q.imageType === undefined || q.imageType === "backup") &&
      (q.startTime === undefined || i.createdAt >= q.startTime) &&
      (q.endTime === undefined || i.createdAt <= q.endTime),
  );
  const sort = q.sort.length > 0 ? q.sort : [{ key: "created_at" as const, dir: "desc" as const }];
  const sorted = [...matching].sort((a, b) => {
    for (const { key, dir } of sort) {
      const c = compare(sortValue(a, key), sortValue(b, key));
      if (c !== 0) return dir === "asc" ? c : -c;
    }
    return compare(a.uuid, b.uuid);
  });
  let start = 0;
  if (q.marker !== undefined) {
    const at = sorted.findIndex((i) => i.uuid === q.marker);
    if (at < 0) throw invalidParameter("marker", `marker ${q.marker} is not a backup of this listing`);
    start = at + 1;
  }
  start += q.offset;
  const items = sorted.slice(start, start + q.limit);
  return { items, more: start + q.limit < sorted.length, total: matching.length };
}

function sortValue(i: CheckpointItem, key: ItemSortKey): string | number {
  switch (key) {
    case "created_at":
      return i.createdAt;
    case "updated_at":
      return i.updatedAt;
    case "name":
      return i.name;
    case "status":
      return i.status;
    case "protected_at":
      return i.protectedAt ?? 0;
    case "id":
      return i.uuid;
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
