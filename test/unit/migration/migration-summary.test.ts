import { describe, expect, it } from "vitest";
import type { HistoryEntry, Phase } from "../../../shared/domain/migration/migration-record.ts";
import { phaseDurations } from "../../../shared/domain/migration/migration-summary.ts";

const entry = (at: string, phase: Phase): HistoryEntry => ({ at: `2026-12-02T${at}Z`, phase, event: phase });

describe("phaseDurations", () => {
  it("counts each phase until the next entry, the last until the end, and adds up a phase entered again", () => {
    const history = [
      entry("10:00:00", "preflight"),
      entry("10:00:30", "awaiting-start"),
      entry("11:00:30", "draining"),
      entry("11:10:30", "draining"),
      entry("11:20:30", "awaiting-start"),
      entry("11:21:00", "draining"),
      entry("11:31:00", "done"),
    ];
    expect(phaseDurations(history, "2026-12-02T11:31:00Z")).toEqual({
      preflight: 30,
      "awaiting-start": 3630,
      draining: 1800,
      done: 0,
    });
  });

  it("is empty without history, and refuses a time that is not an instant", () => {
    expect(phaseDurations([], "2026-12-02T10:00:00Z")).toEqual({});
    expect(() => phaseDurations([entry("10:00:00", "preflight")], "later")).toThrow(
      /"later" is not an instant/,
    );
  });
});
