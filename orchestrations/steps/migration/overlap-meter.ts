// The overlap a migration pays for, metered as it goes: node-hours of both pools beyond the old pool's
// count. A pool created full size and an old pool kept to the end count every old node for the whole
// overlap; a new pool grown with the drain and an old pool shrunk behind it count only the difference.

export class OverlapMeter {
  private baseline: number;
  private sizes = { old: 0, new: 0 };
  private since = 0;
  private nodeHours = 0;

  /** `baseline`: the old pool's count before the migration. */
  constructor(baseline: number, at: number) {
    this.baseline = baseline;
    this.sizes.old = baseline;
    this.since = at;
  }

  /** The old pool as the drain found it (the plan may be days old): its count is the baseline from now. */
  oldPoolFound(count: number, at: number): void {
    this.advance(at);
    this.baseline = count;
    this.sizes.old = count;
  }

  /** A pool's node count changed at `at` (orchestration time, ms). */
  resize(pool: "old" | "new", count: number, at: number): void {
    this.advance(at);
    this.sizes[pool] = count;
  }

  /** Node-hours beyond the baseline until `at`. */
  total(at: number): number {
    this.advance(at);
    return this.nodeHours;
  }

  private advance(at: number): void {
    const extra = Math.max(0, this.sizes.old + this.sizes.new - this.baseline);
    this.nodeHours += (extra * Math.max(0, at - this.since)) / 3_600_000;
    this.since = at;
  }
}
