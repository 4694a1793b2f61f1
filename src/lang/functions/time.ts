/**
 * Date and time functions on RFC 3339 timestamps: `timestamp`, `formatdate`, `timeadd`, `timecmp`,
 * `plantimestamp`; and `uuid`, which like `timestamp` is decided at apply (unknown while planning).
 * A timestamp keeps its own UTC offset through formatting and arithmetic, as Terraform's do.
 */
import { NUMBER, STRING, type Type } from "../types.js";
import { unknownOf } from "../value.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type): Param => ({ name, type });

interface Instant {
  /** Milliseconds since the epoch (UTC). */
  ms: number;
  /** Offset of the written time from UTC, in minutes. */
  offset: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp; throws `FunctionError` on the argument otherwise. */
export function parseTimestamp(s: string, argIndex: number): Instant {
  const m = RFC3339.exec(s);
  if (!m) throw new FunctionError(`not a valid RFC3339 timestamp: ${JSON.stringify(s)}; a timestamp looks like "2026-11-25T16:30:00Z"`, argIndex);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const offset = zone === "Z" || zone === "z" ? 0 : (zone!.startsWith("-") ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec)] as const;
  const local = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], frac ? Math.floor(Number(frac) * 1000) : 0);
  const check = new Date(local);
  if (check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    throw new FunctionError(`not a valid RFC3339 timestamp: ${JSON.stringify(s)} names a date or time that does not exist`, argIndex);
  }
  return { ms: local - offset * 60_000, offset };
}

/** The wall-clock fields of an instant in its own offset. */
function fields(t: Instant): Date {
  return new Date(t.ms + t.offset * 60_000);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function offsetText(offset: number, colon: boolean): string {
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ":" : ""}${pad(a % 60)}`;
}

/** RFC 3339 text of an instant in its own offset (whole seconds, as Terraform prints). */
export function formatRfc3339(t: Instant): string {
  const f = fields(t);
  const date = `${f.getUTCFullYear()}-${pad(f.getUTCMonth() + 1)}-${pad(f.getUTCDate())}`;
  const time = `${pad(f.getUTCHours())}:${pad(f.getUTCMinutes())}:${pad(f.getUTCSeconds())}`;
  return `${date}T${time}${t.offset === 0 ? "Z" : offsetText(t.offset, true)}`;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function formatDate(spec: string, t: Instant): string {
  const f = fields(t);
  const h = f.getUTCHours();
  let out = "";
  let i = 0;
  while (i < spec.length) {
    const c = spec[i]!;
    if (c === "'") {
      const end = spec.indexOf("'", i + 1);
      if (end < 0) throw new FunctionError("unterminated literal '", 0);
      out += end === i + 1 ? "'" : spec.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let j = i;
    while (spec[j] === c) j++;
    const token = spec.slice(i, j);
    i = j;
    switch (token) {
      case "YYYY":
        out += pad(f.getUTCFullYear(), 4);
        break;
      case "YY":
        out += pad(f.getUTCFullYear() % 100);
        break;
      case "MMMM":
        out += MONTHS[f.getUTCMonth()];
        break;
      case "MMM":
        out += MONTHS[f.getUTCMonth()]!.slice(0, 3);
        break;
      case "MM":
        out += pad(f.getUTCMonth() + 1);
        break;
      case "M":
        out += String(f.getUTCMonth() + 1);
        break;
      case "DD":
        out += pad(f.getUTCDate());
        break;
      case "D":
        out += String(f.getUTCDate());
        break;
      case "EEEE":
        out += DAYS[f.getUTCDay()];
        break;
      case "EEE":
        out += DAYS[f.getUTCDay()]!.slice(0, 3);
        break;
      case "hh":
        out += pad(h);
        break;
      case "h":
        out += String(h);
        break;
      case "HH":
        out += pad(h % 12 === 0 ? 12 : h % 12);
        break;
      case "H":
        out += String(h % 12 === 0 ? 12 : h % 12);
        break;
      case "AA":
        out += h < 12 ? "AM" : "PM";
        break;
      case "aa":
        out += h < 12 ? "am" : "pm";
        break;
      case "mm":
        out += pad(f.getUTCMinutes());
        break;
      case "m":
        out += String(f.getUTCMinutes());
        break;
      case "ss":
        out += pad(f.getUTCSeconds());
        break;
      case "s":
        out += String(f.getUTCSeconds());
        break;
      case "ZZZZZ":
        out += offsetText(t.offset, true);
        break;
      case "ZZZZ":
        out += offsetText(t.offset, false);
        break;
      case "ZZZ":
        out += t.offset === 0 ? "UTC" : offsetText(t.offset, false);
        break;
      case "Z":
        out += t.offset === 0 ? "Z" : offsetText(t.offset, true);
        break;
      default:
        throw new FunctionError(`invalid date format verb ${JSON.stringify(token)}: use quotes ('...') around literal letters`, 0);
    }
  }
  return out;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration string ("1h30m", "-10m", "1.5h", "300ms"). */
export function parseDuration(s: string, argIndex: number): number {
  // µ (micro sign) and μ (Greek mu) escaped: the CLI bundle is kept ASCII (see src/cli/bundle.ts).
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/.exec(s);
  if (!m && s !== "0") throw new FunctionError(`invalid duration ${JSON.stringify(s)}: use a number and unit, like "1h30m" or "-10m"`, argIndex);
  if (s === "0") return 0;
  let total = 0;
  for (const part of s.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]!]!;
  }
  return m![1] === "-" ? -total : total;
}

export const timeFunctions: Record<string, FunctionDef> = {
  uuid: {
    params: [],
    returns: STRING,
    impl: (_args, ctx) => (ctx.planning ? unknownOf(STRING) : ctx.randomUUID()),
  },
  timestamp: {
    params: [],
    returns: STRING,
    impl: (_args, ctx) => (ctx.planning ? unknownOf(STRING) : ctx.now().toISOString().replace(/\.\d+Z$/, "Z")),
  },
  formatdate: {
    params: [p("format", STRING), p("time", STRING)],
    returns: STRING,
    impl: ([spec, time]) => formatDate(spec as string, parseTimestamp(time as string, 1)),
  },
  timeadd: {
    params: [p("timestamp", STRING), p("duration", STRING)],
    returns: STRING,
    impl: ([time, dur]) => {
      const t = parseTimestamp(time as string, 0);
      return formatRfc3339({ ms: t.ms + parseDuration(dur as string, 1), offset: t.offset });
    },
  },
  timecmp: {
    params: [p("timestamp_a", STRING), p("timestamp_b", STRING)],
    returns: NUMBER,
    impl: ([a, b]) => Math.sign(parseTimestamp(a as string, 0).ms - parseTimestamp(b as string, 1).ms),
  },
  plantimestamp: {
    params: [],
    returns: STRING,
    impl: (_args, ctx) => formatRfc3339({ ms: Math.floor(ctx.now().getTime() / 1000) * 1000, offset: 0 }),
  },
};
