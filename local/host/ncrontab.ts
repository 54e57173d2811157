// Timer-trigger schedules as the Functions host reads them: a six-field NCRONTAB expression
// ({second} {minute} {hour} {day} {month} {day-of-week}), or a TimeSpan ("hh:mm:ss", "d.hh:mm:ss").
// Semantics follow NCrontab (github.com/atifaziz/NCrontab, CrontabSchedule.cs and CrontabFieldImpl.cs):
// names match by case-insensitive prefix, "a/n" means a through the maximum in steps of n, and day of month
// and day of week must both match. Times are UTC.

export interface Schedule {
  readonly expression: string;
  /** The first occurrence strictly after `after` (epoch ms). */
  next(after: number): number;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 6, names: DAYS },
];

function parseValue(text: string, field: FieldSpec, expression: string): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      throw new Error(
        `Schedule "${expression}": ${field.name} ${value} is outside ${field.min}-${field.max}.`,
      );
    }
    return value;
  }
  const index = field.names?.findIndex((name) => name.toLowerCase().startsWith(text.toLowerCase())) ?? -1;
  if (text === "" || index === -1) {
    throw new Error(`Schedule "${expression}": "${text}" is not a valid ${field.name}.`);
  }
  return index + field.min;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const element of text.split(",")) {
    const [range = "", stepText] = element.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new Error(
        `Schedule "${expression}": step "${stepText}" in the ${field.name} field must be a positive integer.`,
      );
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = field.min;
      to = field.max;
    } else if (range.includes("-")) {
      const [first = "", last = ""] = range.split("-");
      from = parseValue(first, field, expression);
      to = parseValue(last, field, expression);
      if (to < from)
        throw new Error(`Schedule "${expression}": the ${field.name} range ${range} runs backwards.`);
    } else {
      from = parseValue(range, field, expression);
      to = stepText === undefined ? from : field.max;
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

function timeSpanSchedule(expression: string, match: RegExpExecArray): Schedule {
  const [, days = "0", hours = "0", minutes = "0", seconds = "0"] = match;
  const interval =
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000;
  if (interval <= 0)
    throw new Error(`Schedule "${expression}": a TimeSpan schedule must be longer than zero.`);
  return { expression, next: (after) => after + interval };
}

const DAY_MS = 86_400_000;
const HORIZON_MS = 3653 * DAY_MS;

export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const span = TIME_SPAN.exec(trimmed);
  if (span) return timeSpanSchedule(trimmed, span);
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 6) {
    throw new Error(
      `Schedule "${expression}" has ${parts.length} field(s); a timer trigger needs six ` +
        "({second} {minute} {hour} {day} {month} {day-of-week}) or a TimeSpan such as 00:05:00.",
    );
  }
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((part, i) =>
    parseField(part, FIELDS[i] as FieldSpec, trimmed),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const next = (after: number): number => {
    let t = Math.floor(after / 1000) * 1000 + 1000;
    const limit = after + HORIZON_MS;
    // Skips whole months, days, hours and minutes that cannot match.
    while (t <= limit) {
      const d = new Date(t);
      if (!months.has(d.getUTCMonth() + 1)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      } else if (!days.has(d.getUTCDate()) || !weekdays.has(d.getUTCDay())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + DAY_MS;
      } else if (!hours.has(d.getUTCHours())) {
        t = Math.floor(t / 3_600_000) * 3_600_000 + 3_600_000;
      } else if (!minutes.has(d.getUTCMinutes())) {
        t = Math.floor(t / 60_000) * 60_000 + 60_000;
      } else if (!seconds.has(d.getUTCSeconds())) {
        t += 1000;
      } else {
        return t;
      }
    }
    throw new Error(`Schedule "${trimmed}" does not fire within ten years.`);
  };
  // Refuse a schedule that can never match (say, 31 February) when it is read, not when it is due.
  next(Date.UTC(2000, 0, 1));
  return { expression: trimmed, next };
}
