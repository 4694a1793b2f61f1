import { describe, expect, it } from "vitest";
import { MAX_POINTS_PER_TASK, pointsToKeep } from "./recovery-points.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("pointsToKeep (CDP retention)", () => {
  const now = 100 * DAY;
  const policy = { retentionTimePerDay: 7, hourlyRpSinceDay: 1, dailyRpSinceDay: 3 };

  it("keeps every young point, the newest per hour after hourlyRpSinceDay, per day after dailyRpSinceDay, none past retention", () => {
    const points = [
      { groupId: 1, createDate: now - 8 * DAY }, // past retention
      { groupId: 2, createDate: now - 4 * DAY - 2 * HOUR }, // daily zone, same day as 3
      { groupId: 3, createDate: now - 4 * DAY - HOUR },
      { groupId: 4, createDate: now - 2 * DAY - 30 * 60_000 }, // hourly zone, same hour as 5
      { groupId: 5, createDate: now - 2 * DAY - 20 * 60_000 },
      { groupId: 6, createDate: now - 2 * DAY + 2 * HOUR }, // another hour
      { groupId: 7, createDate: now - HOUR }, // young
      { groupId: 8, createDate: now - 10 * 60_000 },
    ];
    // groupIds 2/3 and 4/5 only share a bucket when their timestamps do; compute what the buckets say.
    const sameDay = Math.floor(points[1]!.createDate / DAY) === Math.floor(points[2]!.createDate / DAY);
    const sameHour = Math.floor(points[3]!.createDate / HOUR) === Math.floor(points[4]!.createDate / HOUR);
    const expected = [...(sameDay ? [] : [2]), 3, ...(sameHour ? [] : [4]), 5, 6, 7, 8];
    expect(pointsToKeep(points, policy, now)).toEqual(expected);
  });

  it("always keeps the newest point, even past retention, and honours the cap", () => {
    expect(pointsToKeep([{ groupId: 1, createDate: 0 }, { groupId: 2, createDate: 1 }], policy, now)).toEqual([2]);
    const many = Array.from({ length: MAX_POINTS_PER_TASK + 5 }, (_, i) => ({ groupId: i + 1, createDate: now - 1000 + i }));
    const kept = pointsToKeep(many, undefined, now);
    expect(kept).toHaveLength(MAX_POINTS_PER_TASK);
    expect(kept[0]).toBe(6);
    expect(pointsToKeep(many, undefined, now, 3)).toEqual([MAX_POINTS_PER_TASK + 3, MAX_POINTS_PER_TASK + 4, MAX_POINTS_PER_TASK + 5]);
  });

  it("keeps everything when thinning is off (0 days)", () => {
    const p = { retentionTimePerDay: 0, hourlyRpSinceDay: 0, dailyRpSinceDay: 0 };
    const points = Array.from({ length: 10 }, (_, i) => ({ groupId: i + 1, createDate: now - 50 * DAY + i }));
    expect(pointsToKeep(points, p, now)).toEqual(points.map((x) => x.groupId));
  });
});
