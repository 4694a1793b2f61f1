/**
 * `java.sql.Timestamp#toString` of a local time: `2017-11-14 22:20:57.123`, fraction without trailing zeros but
 * at least one digit (`...:57.0`). ZStack embeds it in the names of VM backups.
 */
export function javaTimestampString(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const frac = String(d.getMilliseconds()).padStart(3, "0").replace(/0+$/, "") || "0";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}`;
}
