import type { DataItem, Lost, RetentionJson, VmChange, VmSide } from "../protection/plan-report.js";

/** Shared wording of the protection sections (text, Markdown): numbers a reviewer reads at a glance. */

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** 1536 → "1.5 KiB"; exact below 1 KiB. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** Seconds as the shortest exact text ("15m", "1d2h"). */
export function span(seconds: number): string {
  if (seconds <= 0 || !Number.isInteger(seconds)) return `${seconds}s`;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}

/** An RFC 3339 time as "2026-12-07 09:00:00 UTC". */
export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function rpoText(s: VmSide): string {
  return s.rpo_seconds === null ? "none" : span(s.rpo_seconds);
}

export function retentionText(r: RetentionJson): string {
  return r === null ? "none" : r === "forever" ? "until deleted" : `${r}d`;
}

export function coverageText(s: VmSide): string {
  return s.protected ? `protected by ${s.by.length}` : s.by.length ? "not protected (disabled)" : "not protected";
}

export function vmLabel(v: { vm: string; name: string | null }): string {
  return v.name ? `${v.name} (${v.vm})` : v.vm;
}

/** "1,284 recovery points, 2 backups" with bytes and time span: what a set of data items adds up to. */
export function lostText(l: Lost): string {
  const what = [
    l.recovery_points ? count(l.recovery_points, "recovery point") : "",
    l.backups ? count(l.backups, "VM volume backup") : "",
    l.checkpoints ? count(l.checkpoints, "checkpoint") : "",
  ].filter(Boolean);
  const list = what.length > 1 ? `${what.slice(0, -1).join(", ")} and ${what[what.length - 1]}` : (what[0] ?? "no recovery data");
  const size = l.bytes > 0 ? ` (${bytes(l.bytes)}, ${l.bytes.toLocaleString("en-US")} bytes)` : "";
  const range = l.oldest && l.newest ? `, covering ${when(l.oldest)} to ${when(l.newest)}` : "";
  return `${list}${size}${range}`;
}

const KIND: Readonly<Record<DataItem["kind"], [string, string]>> = {
  "recovery-point": ["recovery point", "recovery points"],
  backup: ["volume backup", "volume backups"],
  checkpoint: ["checkpoint", "checkpoints"],
};

export function itemText(d: DataItem): string {
  const [one, many] = KIND[d.kind];
  const of = d.vm ? ` of ${d.vm_name ?? d.vm}` : "";
  const size = d.bytes !== null ? `, ${bytes(d.bytes)}` : "";
  const range = d.oldest && d.newest ? (d.oldest === d.newest ? `, ${when(d.oldest)}` : `, ${when(d.oldest)} to ${when(d.newest)}`) : "";
  return `${count(d.count, one, many)}${of}${size}${range}`;
}

/** "RPO 10m → 1h, retention 7d → none": only the aspects that change. */
export function changeText(v: VmChange): string {
  const parts: string[] = [];
  if (v.changed.includes("coverage")) parts.push(`${coverageText(v.before)} → ${coverageText(v.after)}`);
  if (v.changed.includes("rpo")) parts.push(`RPO ${rpoText(v.before)} → ${rpoText(v.after)}`);
  if (v.changed.includes("retention")) parts.push(`retention ${retentionText(v.before.retention_days)} → ${retentionText(v.after.retention_days)}`);
  if (v.changed.includes("storage")) parts.push(`storage ${v.before.storages.join(", ") || "none"} → ${v.after.storages.join(", ") || "none"}`);
  if (parts.length === 0 && v.changed.includes("objects")) parts.push(`protected by ${v.before.by.join(", ") || "nothing"} → ${v.after.by.join(", ") || "nothing"}`);
  return parts.join(", ");
}
