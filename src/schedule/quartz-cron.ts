/**
 * A leaf module that imports nothing: the engine runs schedules with it and the zstack provider reads a
 * schedule's RPO with it, so both sides agree on what an expression means without either importing the other.
 *
 * Quartz cron expressions, as ZStack's scheduler takes them: `sec min hour day-of-month month day-of-week [year]`.
 * Each field is `*`, a value, a range `a-b`, a step `*\/n`, `a/n` or `a-b/n`, or a comma list of those; months
 * may be JAN–DEC and weekdays SUN–SAT (Quartz numbers weekdays 1 = SUN … 7 = SAT). Exactly one of day-of-month
 * and day-of-week is `?` (Quartz refuses both set). Quartz's `L`, `W` and `#` are refused with a reason rather
 * than half-supported.
 */
export interface CronSchedule {
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  /** Days of the month; null when the field is `?`. */
  daysOfMonth: ReadonlySet<number> | null;
  months: ReadonlySet<number>;
  /** Weekdays as JavaScript numbers them (0 = Sunday); null when the field is `?`. */
  daysOfWeek: ReadonlySet<number> | null;
  /** Years; null for every year. */
  years: ReadonlySet<number> | null;
}

export type CronResult = { ok: true; schedule: CronSchedule } | { ok: false; reason: string };

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The number of the first name (JAN = 1, SUN = 1). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, nameBase: 1 },
  { name: "year", min: 1970, max: 2099 },
];

/** Parses a Quartz cron expression. Never throws: an invalid one gives `ok: false` with a reason for an API error. */
export function parseQuartzCron(expression: string): CronResult {
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length < 6 || parts.length > 7) {
    return { ok: false, reason: `needs 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${parts.length}` };
  }
  const sets: (Set<number> | null)[] = [];
  for (let i = 0; i < parts.length; i++) {
    const spec = FIELDS[i]!;
    const text = parts[i]!.toUpperCase();
    if (text === "?") {
      if (i !== 3 && i !== 5) return { ok: false, reason: `'?' is allowed only in day-of-month and day-of-week, not in ${spec.name}` };
      sets.push(null);
      continue;
    }
    const parsed = parseField(text, spec);
    if (typeof parsed === "string") return { ok: false, reason: `${spec.name} field '${parts[i]}': ${parsed}` };
    sets.push(parsed);
  }
  if ((sets[3] === null) === (sets[5] === null)) {
    return { ok: false, reason: "exactly one of day-of-month and day-of-week must be '?' (Quartz supports setting only one of them)" };
  }
  const dow = sets[5];
  return {
    ok: true,
    schedule: {
      seconds: sets[0]!,
      minutes: sets[1]!,
      hours: sets[2]!,
      daysOfMonth: sets[3] ?? null,
      months: sets[4]!,
      daysOfWeek: dow ? new Set([...dow].map((d) => d - 1)) : null,
      years: parts.length === 7 ? sets[6]! : null,
    },
  };
}

function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    if (/[LW#]/.test(item.replace(/^[A-Z]{3}/, "").replace(/-[A-Z]{3}/, ""))) return "L, W and # are not supported";
    const [range, stepText] = item.split("/") as [string, string | undefined];
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = spec.min;
      hi = spec.max;
    } else {
      const bounds = range.split("-");
      if (bounds.length > 2) return `'${item}' is not a value or range`;
      const a = valueOf(bounds[0]!, spec);
      const b = bounds.length === 2 ? valueOf(bounds[1]!, spec) : undefined;
      if (typeof a === "string") return a;
      if (typeof b === "string") return b;
      lo = a;
      // `a/n` runs from a to the field's end, as in Quartz.
      hi = b ?? (stepText !== undefined ? spec.max : a);
      if (hi < lo) return `range ${range} runs backwards`;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `step '${stepText}' must be a positive integer`;
      step = Number(stepText);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function valueOf(text: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(text) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) return `'${text}' is not a number${spec.names ? " or name" : ""}`;
  const n = Number(text);
  if (n < spec.min || n > spec.max) return `${n} is outside ${spec.min}–${spec.max}`;
  return n;
}

/** How far the search for a next fire time looks ahead before giving up (a 31 FEB never comes). */
const SEARCH_YEARS = 5;

/**
 * The first time strictly after `after` (epoch ms) the schedule fires, evaluated on the wall clock of a zone
 * `offsetMinutes(at)` minutes east of UTC, or undefined when it never fires again within the search window.
 */
export function nextCronFire(s: CronSchedule, after: number, offsetMinutes: (at: number) => number = () => 0): number | undefined {
  const offsetMs = offsetMinutes(after) * 60_000;
  // Wall-clock fields are read from a Date shifted by the offset and used through its UTC getters.
  const d = new Date(Math.floor((after + offsetMs) / 1000) * 1000 + 1000);
  const limit = d.getUTCFullYear() + SEARCH_YEARS;
  while (d.getUTCFullYear() <= limit) {
    if (s.years && !s.years.has(d.getUTCFullYear())) {
      d.setUTCFullYear(d.getUTCFullYear() + 1, 0, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.months.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dayOk = s.daysOfMonth ? s.daysOfMonth.has(d.getUTCDate()) : s.daysOfWeek!.has(d.getUTCDay());
    if (!dayOk) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!s.seconds.has(d.getUTCSeconds())) {
      d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
      continue;
    }
    const at = d.getTime() - offsetMs;
    // Around a zone change the offset may differ at the fire time; re-evaluate there once.
    const there = offsetMinutes(at) * 60_000;
    return there === offsetMs ? at : d.getTime() - there;
  }
  return undefined;
}

/**
 * The longest wait between consecutive firings among the next `samples` firings after `from`: the worst-case
 * age of the newest backup a schedule leaves. Undefined when it fires fewer than twice.
 */
export function longestCronGapMs(s: CronSchedule, from: number, samples = 400): number | undefined {
  let prev = nextCronFire(s, from);
  let longest: number | undefined;
  for (let i = 0; i < samples && prev !== undefined; i++) {
    const next = nextCronFire(s, prev);
    if (next === undefined) break;
    longest = Math.max(longest ?? 0, next - prev);
    prev = next;
  }
  return longest;
}
