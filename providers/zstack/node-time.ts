/**
 * The management node's time zone, for the AccessKey `Date` header. ZStack compares that header's clock face
 * with its own local clock face and (by default) ignores the zone written in it, so a client must write the
 * node's local time — as ZStack's Go and Java SDKs do with the client's local zone or a configured zone id.
 */
export type NodeTimeZone = { kind: "iana"; id: string } | { kind: "offset"; minutes: number };

/**
 * Parses the `time_zone` setting: an IANA id (`Asia/Shanghai`), `UTC`, a fixed offset (`+08:00`, `UTC+8`) or
 * `local` (the zone of the machine running backplan, the Go SDK's choice). Returns an error text naming the
 * accepted forms for anything else.
 */
export function parseNodeTimeZone(text: string): NodeTimeZone | { error: string } {
  const t = text.trim();
  if (t === "local") return { kind: "iana", id: Intl.DateTimeFormat().resolvedOptions().timeZone };
  const off = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (off) {
    const minutes = (Number(off[2]) * 60 + Number(off[3] ?? 0)) * (off[1] === "-" ? -1 : 1);
    if (Math.abs(minutes) > 14 * 60 || Number(off[3] ?? 0) > 59) return { error: `"${text}" is beyond ±14:00` };
    return { kind: "offset", minutes };
  }
  try {
    return { kind: "iana", id: new Intl.DateTimeFormat("en-US", { timeZone: t }).resolvedOptions().timeZone };
  } catch {
    return { error: `"${text}" is not a time zone: use an IANA id such as Asia/Shanghai, UTC, an offset such as +08:00, or local` };
  }
}

function offsetMinutes(zone: NodeTimeZone, at: Date): number {
  if (zone.kind === "offset") return zone.minutes;
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone.id, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? "");
  return m ? (Number(m[2]) * 60 + Number(m[3])) * (m[1] === "-" ? -1 : 1) : 0;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * `EEE, dd MMM yyyy HH:mm:ss z` in the node's zone: the clock face is the node's local time; the zone is written
 * as `GMT` or `GMT+08:00` (Java's general time zone form) rather than an abbreviation such as `CST`, which Java
 * would read as US Central if the node has `checkTimeZone` turned on.
 */
export function nodeDate(now: Date, zone: NodeTimeZone): string {
  const offset = offsetMinutes(zone, now);
  const f = new Date(now.getTime() + offset * 60_000);
  const two = (n: number) => String(n).padStart(2, "0");
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const z = offset === 0 ? "GMT" : `GMT${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  return `${DAYS[f.getUTCDay()]}, ${two(f.getUTCDate())} ${MONTHS[f.getUTCMonth()]} ${f.getUTCFullYear()} ${two(f.getUTCHours())}:${two(f.getUTCMinutes())}:${two(f.getUTCSeconds())} ${z}`;
}
