import { describe, expect, it } from "vitest";
import type { CheckpointItem } from "./checkpoints.js";
import { queryItems, type ItemQuery } from "./item-query.js";

function item(n: number, change: Partial<CheckpointItem> = {}): CheckpointItem {
  return {
    uuid: `item-${n}`,
    checkpointId: `cp-${n % 2}`,
    projectId: "p",
    planId: "plan",
    name: `manualbk_${String.fromCharCode(100 - n)}`,
    description: "",
    resourceId: "0123456789abcdef0123456789abcdef",
    resourceName: "web",
    resourceType: "OS::Nova::Server",
    vmUuid: "0123456789abcdef0123456789abcdef",
    status: "available",
    createdAt: 1000 + n,
    updatedAt: 2000 - n,
    protectedAt: 3000 + n,
    progress: 100,
    autoTrigger: false,
    vm: { name: "web", vcpus: 1, ram: 1024, privateIp: "10.0.0.1", diskGb: 1, zoneUuid: "z" },
    volumeBackups: [],
    failReason: null,
    failOp: "",
    ...change,
  };
}

const q = (change: Partial<ItemQuery> = {}): ItemQuery => ({ sort: [], limit: 1000, offset: 0, ...change });
const ids = (items: CheckpointItem[]) => items.map((i) => i.uuid);

describe("queryItems", () => {
  const all = [item(1), item(2), item(3), item(4, { status: "deleted" }), item(5, { status: "error", resourceId: "other", vmUuid: "ffffffffffffffffffffffffffffffff" })];

  it("hides deleted items unless asked for, newest first by default", () => {
    expect(ids(queryItems(all, q()).items)).toEqual(["item-5", "item-3", "item-2", "item-1"]);
    expect(ids(queryItems(all, q({ status: "deleted" })).items)).toEqual(["item-4"]);
  });

  it("matches a resource id in its dashed form too", () => {
    expect(ids(queryItems(all, q({ resourceId: "01234567-89ab-cdef-0123-456789abcdef", sort: [{ key: "id", dir: "asc" }] })).items)).toEqual(["item-1", "item-2", "item-3"]);
  });

  it("sorts by several keys and pages with marker, offset and limit", () => {
    const byName = queryItems(all, q({ sort: [{ key: "name", dir: "asc" }] }));
    expect(ids(byName.items)).toEqual(["item-5", "item-3", "item-2", "item-1"]);
    const page = queryItems(all, q({ sort: [{ key: "created_at", dir: "asc" }], marker: "item-1", offset: 1, limit: 1 }));
    expect(ids(page.items)).toEqual(["item-3"]);
    expect(page.more).toBe(true);
    expect(page.total).toBe(4);
  });

  it("filters by checkpoint and time window", () => {
    expect(ids(queryItems(all, q({ checkpointId: "cp-1", startTime: 1002, sort: [{ key: "id", dir: "asc" }] })).items)).toEqual(["item-3", "item-5"]);
    expect(queryItems(all, q({ endTime: 1000 })).items).toEqual([]);
  });

  it("rejects an unknown marker naming the field", () => {
    expect(() => queryItems(all, q({ marker: "nope" }))).toThrow(expect.objectContaining({ field: "marker" }) as Error);
  });
});
