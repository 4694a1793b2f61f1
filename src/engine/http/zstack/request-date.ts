/**
 * The `Date` of an AccessKey-signed request, read as ZStack's RestServer reads it by default: the pattern
 * `EEE, dd MMM yyyy HH:mm:ss z` with the zone token required but ignored (`checkTimeZone` is false out of the
 * box), the wall-clock time compared with the management node's own local wall clock. So the Go SDK's
 * "… CST", the Java SDK's zone ids and RFC 1123 "… GMT" all parse, and what decides skew is the clock face.
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const PATTERN = /^\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\S+(?:\s+\S+)?)\s*$/;

/**
 * The header's wall-clock time as if it were UTC (epoch ms of the clock face), or undefined when it does not
 * match the pattern or names an impossible date.
 */
export function wallClockOf(header: string): number | undefined {
  const m = PATTERN.exec(header);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return undefined;
  const [day, year, h, min, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (h > 23 || min > 59 || s > 60) return undefined;
  const t = Date.UTC(year, month, day, h, min, Math.min(s, 59));
  return new Date(t).getUTCDate() === day ? t : undefined;
}

/** A node's time zone: an IANA id (`Asia/Shanghai`), `UTC`, or a fixed offset (`+08:00`, `UTC+8`). */
export type NodeZone = { kind: "iana"; id: string } | { kind: "offset"; minutes: number };

/** Parses a zone setting; throws Error with the accepted forms when it is none of them. */
export function parseNodeZone(text: string): NodeZone {
  const off = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(text.trim());
  if (off) {
    const minutes = (Number(off[2]) * 60 + Number(off[3] ?? 0)) * (off[1] === "-" ? -1 : 1);
    if (Math.abs(minutes) > 14 * 60) throw new Error(`time zone offset "${text}" is beyond ±14:00`);
    return { kind: "offset", minutes };
  }
  try {
    const id = new Intl.DateTimeFormat("en-US", { timeZone: text.trim() }).resolvedOptions().timeZone;
    return { kind: "iana", id };
  } catch {
    throw new Error(`"${text}" is not a time zone: use an IANA id such as Asia/Shanghai, UTC, or an offset such as +08:00`);
  }
}

/** The process's own zone (TZ or the system setting): a management node's default. */
export function localNodeZone(): NodeZone {
  return { kind: "iana", id: Intl.DateTimeFormat().resolvedOptions().timeZone };
}

/** Offset of `zone` from UTC at instant `at`, in minutes east. */
export function zoneOffsetMinutes(zone: NodeZone, at: number): number {
  if (zone.kind === "offset") return zone.minutes;
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone.id, timeZoneName: "longOffset" })
    .formatToParts(new Date(at))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? "");
  return m ? (Number(m[2]) * 60 + Number(m[3])) * (m[1] === "-" ? -1 : 1) : 0;
}

/** Milliseconds between the header's clock face and the node's clock face at `now` (positive: header ahead). */
export function wallClockSkewMs(header: number, now: number, zone: NodeZone): number {
  return header - (now + zoneOffsetMinutes(zone, now) * 60_000);
}

const zones = new Map<string, NodeZone>();

/** The zone of an engine's `timeZone` option (undefined: the process's own), parsed once per distinct value. */
export function nodeZoneOf(option: string | undefined): NodeZone {
  if (option === undefined || option === "" || option === "local") return localNodeZone();
  let zone = zones.get(option);
  if (!zone) zones.set(option, (zone = parseNodeZone(option)));
  return zone;
}
