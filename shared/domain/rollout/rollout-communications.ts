// The seed article's "Communication cadence" as dated events per wave: the announcement 4-6 weeks
// before, test findings and the runbook 2-4 weeks before, the window lock and sign-offs 1-2 weeks before.
// A wave too close for the notice gets its event today, marked late, never a date in the past.

import { type IsoDate, utcDayOf, utcMidnight } from "../lifecycle/calendar-date.ts";

const DAY_MS = 86_400_000;

export type CommunicationKind = "announcement" | "testing-and-runbook" | "window-lock-and-sign-off";

export interface CommunicationEvent {
  wave: number;
  kind: CommunicationKind;
  /** When to send it: the recommended window's first day, or today when that has passed. */
  date: IsoDate;
  /** The recommended dates, both included. */
  window: { from: IsoDate; to: IsoDate };
  late: boolean;
  text: string;
}

/** Weeks before the wave's first day: [earliest, latest]. */
const CADENCE: readonly { kind: CommunicationKind; weeks: [number, number]; what: string }[] = [
  {
    kind: "announcement",
    weeks: [6, 4],
    what: "announce the target window and the dependency list; ask app teams to test their workloads on a test pool",
  },
  {
    kind: "testing-and-runbook",
    weeks: [4, 2],
    what: "share the test findings, publish the runbook, raise the incompatibilities found",
  },
  { kind: "window-lock-and-sign-off", weeks: [2, 1], what: "lock the window and collect the sign-offs" },
];

export function waveCommunications(
  wave: { index: number; start: IsoDate; clusters: readonly string[] },
  today: IsoDate,
): CommunicationEvent[] {
  const waveDay = utcMidnight(wave.start);
  const dayBefore = (weeks: number) => utcDayOf(new Date(waveDay - weeks * 7 * DAY_MS));
  const clusters = wave.clusters.join(", ");
  return CADENCE.map(({ kind, weeks: [earliest, latest], what }) => {
    const window = { from: dayBefore(earliest), to: dayBefore(latest) };
    const late = today > window.to;
    const date = window.from < today ? today : window.from;
    const daysNotice = Math.round((waveDay - utcMidnight(date)) / DAY_MS);
    const lateNote = late
      ? ` LATE: ${daysNotice} day(s) of notice instead of the ${latest * 7} or more the practice recommends`
      : "";
    return {
      wave: wave.index,
      kind,
      date,
      window,
      late,
      text: `wave ${wave.index} (${clusters}) starts ${wave.start}: ${what}.${lateNote}`,
    };
  });
}
