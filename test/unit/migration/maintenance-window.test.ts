import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextWindowStart, windowContains } from "../../../shared/domain/migration/maintenance-window.ts";
import type { MaintenanceWindow } from "../../../shared/domain/migration/migration-options.ts";

const at = (iso: string) => new Date(iso);
// 2026-12-05 is a Saturday (6), 2026-12-06 a Sunday (0).
const SATURDAY_NIGHT: MaintenanceWindow = { days: [6], start: "22:00", durationHours: 4 };

describe("nextWindowStart", () => {
  it("is now itself inside the window, also past midnight of the opening day", () => {
    expect(nextWindowStart(SATURDAY_NIGHT, at("2026-12-05T23:10:00Z"))).toEqual(at("2026-12-05T23:10:00Z"));
    expect(nextWindowStart(SATURDAY_NIGHT, at("2026-12-06T01:59:59Z"))).toEqual(at("2026-12-06T01:59:59Z"));
  });

  it("is the next opening outside it, next week once this week's has closed", () => {
    expect(nextWindowStart(SATURDAY_NIGHT, at("2026-12-05T21:59:00Z"))).toEqual(at("2026-12-05T22:00:00Z"));
    expect(nextWindowStart(SATURDAY_NIGHT, at("2026-12-06T02:00:00Z"))).toEqual(at("2026-12-12T22:00:00Z"));
    expect(nextWindowStart(SATURDAY_NIGHT, at("2026-12-02T12:00:00Z"))).toEqual(at("2026-12-05T22:00:00Z"));
  });

  it("opens every day when no day is named", () => {
    const daily: MaintenanceWindow = { days: [], start: "02:00", durationHours: 1 };
    expect(nextWindowStart(daily, at("2026-12-02T03:00:00Z"))).toEqual(at("2026-12-03T02:00:00Z"));
  });

  it("refuses a malformed start instead of guessing (fail closed)", () => {
    expect(() =>
      nextWindowStart({ days: [], start: "2am", durationHours: 1 }, at("2026-12-02T03:00:00Z")),
    ).toThrow(/"2am" is not a UTC time/);
  });

  const windows = fc.record({
    days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 7 }),
    start: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
    durationHours: fc.integer({ min: 1, max: 24 }),
  });
  const instants = fc.date({
    min: at("2020-01-01T00:00:00Z"),
    max: at("2040-01-01T00:00:00Z"),
    noInvalidDate: true,
  });

  it("property: never before now, inside the window, and no instant between now and it is inside", () => {
    fc.assert(
      fc.property(windows, instants, (window, now) => {
        const start = nextWindowStart(window, now);
        expect(start.getTime()).toBeGreaterThanOrEqual(now.getTime());
        expect(windowContains(window, start)).toBe(true);
        if (start.getTime() > now.getTime()) {
          // Openings fall on whole minutes: the minute before is the last moment it could have been open.
          expect(windowContains(window, new Date(start.getTime() - 60_000))).toBe(false);
          expect(windowContains(window, now)).toBe(false);
        }
      }),
    );
  });
});
