/**
 * The CSBS trigger pattern: an iCalendar document with one VEVENT whose RRULE uses only FREQ (WEEKLY or DAILY),
 * BYDAY, BYHOUR and BYMINUTE. CSBS further requires at most 24 time points a day, at least one hour apart.
 */
export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";

export interface TriggerRule {
  freq: "WEEKLY" | "DAILY";
  /** Days the rule fires on; DAILY rules fire every day and carry all seven. */
  byDay: Weekday[];
  /** Hours (0–23), ascending, no duplicates. */
  byHour: number[];
  /** Minutes (0–59), ascending, no duplicates. */
  byMinute: number[];
}

export type PatternResult = { ok: true; rule: TriggerRule } | { ok: false; reason: string };

const WEEKDAYS: readonly Weekday[] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const ALLOWED_KEYS = new Set(["FREQ", "BYDAY", "BYHOUR", "BYMINUTE"]);
const MAX_POINTS_PER_DAY = 24;
const MIN_GAP_MINUTES = 60;

/**
 * Parses and validates a trigger pattern. Lines may end in CRLF (the documented form) or LF. Never throws: an
 * invalid pattern gives `ok: false` with a reason fit for an API error message.
 */
export function parseTriggerPattern(pattern: string): PatternResult {
  const lines = pattern.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const expectedFrame = ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR"];
  const frame = lines.filter((l) => !l.startsWith("RRULE:"));
  if (frame.length !== 4 || frame.some((l, i) => l !== expectedFrame[i]) || lines[0] !== "BEGIN:VCALENDAR" || lines.at(-1) !== "END:VCALENDAR") {
    return fail("must be BEGIN:VCALENDAR, BEGIN:VEVENT, one RRULE line, END:VEVENT, END:VCALENDAR");
  }
  const rrules = lines.filter((l) => l.startsWith("RRULE:"));
  if (rrules.length !== 1 || lines[2] !== rrules[0]) return fail("must contain exactly one RRULE line inside the VEVENT");
  const parts = new Map<string, string>();
  for (const part of rrules[0]!.slice("RRULE:".length).split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return fail(`RRULE part "${part}" is not KEY=VALUE`);
    const key = part.slice(0, eq).toUpperCase();
    if (!ALLOWED_KEYS.has(key)) return fail(`RRULE key ${key} is not supported (only FREQ, BYDAY, BYHOUR, BYMINUTE)`);
    if (parts.has(key)) return fail(`RRULE key ${key} appears twice`);
    parts.set(key, part.slice(eq + 1));
  }
  const freq = parts.get("FREQ");
  if (freq !== "WEEKLY" && freq !== "DAILY") return fail(`FREQ must be WEEKLY or DAILY, got ${freq === undefined ? "nothing" : freq}`);

  let byDay: Weekday[];
  const dayText = parts.get("BYDAY");
  if (freq === "WEEKLY") {
    if (dayText === undefined) return fail("a WEEKLY rule needs BYDAY");
    const days = dayText.split(",");
    const bad = days.find((d) => !(WEEKDAYS as readonly string[]).includes(d));
    if (bad !== undefined) return fail(`BYDAY value "${bad}" is not one of ${WEEKDAYS.join(",")}`);
    if (new Set(days).size !== days.length) return fail("BYDAY lists a day twice");
    byDay = WEEKDAYS.filter((d) => days.includes(d));
  } else {
    if (dayText !== undefined) return fail("a DAILY rule must not have BYDAY");
    byDay = [...WEEKDAYS];
  }

  const hours = parseNumberList(parts.get("BYHOUR"), "BYHOUR", 0, 23);
  if (!hours.ok) return hours;
  const minutes = parseNumberList(parts.get("BYMINUTE"), "BYMINUTE", 0, 59);
  if (!minutes.ok) return minutes;

  const points = hours.values.flatMap((h) => minutes.values.map((m) => h * 60 + m)).sort((a, b) => a - b);
  if (points.length > MAX_POINTS_PER_DAY) return fail(`the rule fires ${points.length} times a day; at most ${MAX_POINTS_PER_DAY} are allowed`);
  for (let i = 0; i < points.length; i++) {
    // The gap wraps around midnight: 23:30 and 00:10 are 40 minutes apart.
    const next = i + 1 < points.length ? points[i + 1]! : points[0]! + 24 * 60;
    if (points.length > 1 && next - points[i]! < MIN_GAP_MINUTES) {
      return fail(`backups must be at least one hour apart; ${clock(points[i]!)} and ${clock(next % (24 * 60))} are not`);
    }
  }
  return { ok: true, rule: { freq, byDay, byHour: hours.values, byMinute: minutes.values } };
}

/** The next time (epoch ms, UTC) strictly after `after` at which the rule fires. */
export function nextOccurrence(rule: TriggerRule, after: number): number {
  const start = new Date(after);
  const dayStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let d = 0; d <= 7; d++) {
    const day = dayStart + d * 86_400_000;
    const weekday = WEEKDAYS[(new Date(day).getUTCDay() + 6) % 7]!;
    if (!rule.byDay.includes(weekday)) continue;
    for (const h of rule.byHour) {
      for (const m of rule.byMinute) {
        const t = day + (h * 60 + m) * 60_000;
        if (t > after) return t;
      }
    }
  }
  // Unreachable for a validated rule: every rule fires at least once a week.
  throw new Error("trigger rule never fires");
}

function parseNumberList(
  text: string | undefined,
  key: string,
  min: number,
  max: number,
): { ok: true; values: number[] } | { ok: false; reason: string } {
  if (text === undefined) return fail(`the rule needs ${key}`);
  const values: number[] = [];
  for (const item of text.split(",")) {
    if (!/^\d{1,2}$/.test(item)) return fail(`${key} value "${item}" is not a number`);
    const n = Number(item);
    if (n < min || n > max) return fail(`${key} value ${n} is outside ${min}–${max}`);
    if (values.includes(n)) return fail(`${key} lists ${n} twice`);
    values.push(n);
  }
  return { ok: true, values: values.sort((a, b) => a - b) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
