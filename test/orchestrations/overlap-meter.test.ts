import { describe, expect, it } from "vitest";
import { OverlapMeter } from "../../orchestrations/steps/migration/overlap-meter.ts";

const HOUR = 3_600_000;

describe("OverlapMeter", () => {
  it("counts node-hours beyond the old pool's count", () => {
    const meter = new OverlapMeter(10, 0);
    meter.resize("new", 4, 0);
    meter.resize("old", 6, 2 * HOUR);
    expect(meter.total(3 * HOUR)).toBe(4 * 2 + 0 * 1);
  });

  it("takes the old pool's count found at the drain as the baseline, not the plan's", () => {
    // Planned at 10 nodes; by the drain the old pool has 6: a full 10-node new pool overlaps by 10, not 6.
    const meter = new OverlapMeter(10, 0);
    meter.resize("new", 10, 0);
    meter.oldPoolFound(6, HOUR);
    expect(meter.total(2 * HOUR)).toBe(10 + 10);
  });
});
