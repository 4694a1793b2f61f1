import { describe, expect, it } from "vitest";
import { parseRecoveryPoints } from "./data_sources.js";

describe("parseRecoveryPoints", () => {
  it("reads a map of groupId → point object, oldest first", () => {
    const out = parseRecoveryPoints({
      "12": { groupId: 12, timestamp: 1_700_000_060_000, cdpTaskUuid: "t" },
      "3": { groupId: 3, timestamp: 1_700_000_000_000 },
    });
    expect(out).toEqual([
      { group_id: 3, time: "2023-11-14T22:13:20.000Z", timestamp_ms: 1_700_000_000_000, cdp_task_uuid: null },
      { group_id: 12, time: "2023-11-14T22:14:20.000Z", timestamp_ms: 1_700_000_060_000, cdp_task_uuid: "t" },
    ]);
  });

  it("reads a map of groupId → time text and a list of objects", () => {
    expect(parseRecoveryPoints({ "1": "2026-11-25T10:00:00Z" })).toEqual([{ group_id: 1, time: "2026-11-25T10:00:00.000Z", timestamp_ms: Date.parse("2026-11-25T10:00:00Z"), cdp_task_uuid: null }]);
    expect(parseRecoveryPoints([{ groupId: 7, timestamp: 0 }])).toEqual([{ group_id: 7, time: "1970-01-01T00:00:00.000Z", timestamp_ms: 0, cdp_task_uuid: null }]);
  });

  it("reads the SDK's shape: a list per key of {id, grpId, size, volId, ts, desc}, one group per grpId", () => {
    const out = parseRecoveryPoints({
      "5": [
        { id: 5, grpId: 5, size: 10, volId: "root", ts: "2026-12-07T15:45:01.000Z", desc: "" },
        { id: 5, grpId: 5, size: 20, volId: "data", ts: "2026-12-07T15:45:00.000Z", desc: "" },
      ],
      "vm-uuid": [{ id: 9, grpId: 4, volId: "root", ts: "2026-12-07T23:44:00+08:00" }],
      "2": [{ id: 2, volId: "root", ts: "1796658240" }],
    });
    expect(out).toEqual([
      { group_id: 2, time: "2026-12-07T15:44:00.000Z", timestamp_ms: 1_796_658_240_000, cdp_task_uuid: null },
      { group_id: 4, time: "2026-12-07T15:44:00.000Z", timestamp_ms: Date.parse("2026-12-07T15:44:00Z"), cdp_task_uuid: null },
      { group_id: 5, time: "2026-12-07T15:45:00.000Z", timestamp_ms: Date.parse("2026-12-07T15:45:00Z"), cdp_task_uuid: null },
    ]);
  });

  it("drops entries without a usable group id", () => {
    expect(parseRecoveryPoints({ x: 1, "0": 2 })).toEqual([]);
    expect(parseRecoveryPoints(null)).toEqual([]);
  });
});
