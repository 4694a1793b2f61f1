/**
 * ZStack's wire timestamps: Gson's default US pattern for `java.sql.Timestamp`, e.g. `Nov 14, 2017 10:20:57 PM`
 * (day and 12-hour hour not zero-padded, ASCII space before AM/PM, management node local time, no zone).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** Formats epoch milliseconds in the engine's local time zone. */
export function formatZStackDate(ms: number): string {
  const d = new Date(ms);
  const h24 = d.getHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()} ${h12}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${h24 < 12 ? "AM" : "PM"}`;
}

const ZSTACK_DATE = /^(\w{3}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{1,2}):(\d{1,2}) (AM|PM)$/;

/** Parses a ZStack timestamp (local time) back to epoch milliseconds; undefined when `text` is not one. */
export function parseZStackDate(text: string): number | undefined {
  const m = ZSTACK_DATE.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] as (typeof MONTHS)[number]);
  const hour12 = Number(m[4]);
  if (month < 0 || hour12 < 1 || hour12 > 12) return undefined;
  const hour = (hour12 % 12) + (m[7] === "PM" ? 12 : 0);
  const d = new Date(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d.getTime();
}
