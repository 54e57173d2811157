// Calendar dates as the sources state them ("YYYY-MM-DD"), read as UTC days. A date names the first day
// on which the thing it announces is true: "as of November 30, 2025 no longer supported" means the
// 30th is already unsupported.

export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return (
    parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day
  );
}

/** Dates already read: a fleet's assessments and alerts read the same few dates again and again. */
const midnights = new Map<IsoDate, number>();
const MAX_REMEMBERED_DATES = 10_000;

export function utcMidnight(date: IsoDate): number {
  const known = midnights.get(date);
  if (known !== undefined) return known;
  if (!isIsoDate(date)) throw new Error(`"${date}" is not a calendar date (YYYY-MM-DD)`);
  const midnight = Date.parse(`${date}T00:00:00Z`);
  if (midnights.size >= MAX_REMEMBERED_DATES) midnights.clear();
  midnights.set(date, midnight);
  return midnight;
}

export function utcDayOf(instant: Date): IsoDate {
  return instant.toISOString().slice(0, 10);
}

/** Whole days from the UTC day of `now` to `date`: 0 on the day itself, negative once it has passed. */
export function daysUntil(date: IsoDate, now: Date): number {
  return Math.round((utcMidnight(date) - midnightOf(now)) / DAY_MS);
}

/** Whole days from `date` to the UTC day of `now`: how long ago it was. */
export function daysSince(date: IsoDate, now: Date): number {
  return Math.round((midnightOf(now) - utcMidnight(date)) / DAY_MS);
}

/** utcMidnight(utcDayOf(instant)) without formatting the day: JavaScript's days are all 86,400 s long. */
function midnightOf(instant: Date): number {
  const time = instant.getTime();
  if (Number.isNaN(time)) throw new RangeError("Invalid time value");
  return Math.floor(time / DAY_MS) * DAY_MS;
}

/** A source that gives only a month ("2026-11") means its last day. */
export function lastDayOfMonth(month: string): IsoDate {
  const match = ISO_MONTH.exec(month);
  if (!match) throw new Error(`"${month}" is not a month (YYYY-MM)`);
  const [, year, monthNumber] = match.map(Number) as [number, number, number];
  if (monthNumber < 1 || monthNumber > 12) throw new Error(`"${month}" is not a month (YYYY-MM)`);
  return utcDayOf(new Date(Date.UTC(year, monthNumber, 0)));
}

export function earliest(dates: readonly (IsoDate | undefined)[]): IsoDate | undefined {
  return dates.filter((date): date is IsoDate => date !== undefined).sort()[0];
}
