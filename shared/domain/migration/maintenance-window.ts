// When a migration may start: a weekly window in UTC, opening at `start` on each of `days` (every day
// when empty) and lasting `durationHours`, so a window may run past midnight into the next day.

import type { MaintenanceWindow } from "./migration-options.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** Minutes after midnight of "HH:MM" (00:00 to 23:59), or undefined when it is not that. */
export function minutesOfDay(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** The window's openings from the UTC day before `at` to a week after it, in order. */
function openingsAround(window: MaintenanceWindow, at: Date): Date[] {
  const startMinutes = minutesOfDay(window.start);
  if (startMinutes === undefined) {
    throw new Error(`maintenance window start "${window.start}" is not a UTC time "HH:MM"`);
  }
  const midnight = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  const openings: Date[] = [];
  // A window lasts at most a day, so only yesterday's opening can still be open now.
  for (let offset = -1; offset <= 7; offset++) {
    const opening = new Date(midnight + offset * DAY_MS + startMinutes * MINUTE_MS);
    if (window.days.length === 0 || window.days.includes(opening.getUTCDay())) openings.push(opening);
  }
  return openings;
}

export function windowContains(window: MaintenanceWindow, at: Date): boolean {
  const length = window.durationHours * HOUR_MS;
  return openingsAround(window, at).some(
    (opening) => opening.getTime() <= at.getTime() && at.getTime() < opening.getTime() + length,
  );
}

/** `now` itself inside the window, else the window's next opening. */
export function nextWindowStart(window: MaintenanceWindow, now: Date): Date {
  if (windowContains(window, now)) return now;
  const next = openingsAround(window, now).find((opening) => opening.getTime() > now.getTime());
  if (next === undefined) throw new Error(`maintenance window has no day from 0 to 6: ${window.days}`);
  return next;
}
