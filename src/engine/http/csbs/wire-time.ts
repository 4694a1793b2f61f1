/** `2016-12-06T21:20:29.898823`: UTC, microseconds, no zone — how CSBS and Karbor print `created_at`. */
export function csbsTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "").replace(/\.(\d{3})$/, ".$1000");
}

/** `2018-08-20 07:31:32`: how CSBS prints a trigger's `start_time`. */
export function csbsTriggerTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace("T", " ");
}

/** `2026-11-25T17:00:00.000000Z`: Keystone's token timestamps. */
export function keystoneTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
