import { describe, expect, it } from "vitest";
import { dependencyScanDue } from "../../shared/domain/inventory/dependency-rotation.ts";
import { utcDayOf } from "../../shared/domain/lifecycle/calendar-date.ts";

const clusters = Array.from(
  { length: 700 },
  (_, i) =>
    `/subscriptions/0f1e2d3c-4b5a-4978-8a6b-${String(i % 7).padStart(12, "0")}/resourceGroups/rg-${i}/providers/Microsoft.ContainerService/managedClusters/aks-${i}`,
);
const days = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => utcDayOf(new Date(Date.parse(from) + i * 86_400_000)));

describe("dependencyScanDue", () => {
  it("scans every cluster every night with a rotation of one night", () => {
    expect(clusters.every((id) => dependencyScanDue(id, "2026-03-02", 1))).toBe(true);
  });

  it("scans each cluster exactly once in any run of N nights, a share of the fleet each night", () => {
    const nights = days("2026-12-28", 7);
    for (const id of clusters) {
      expect(nights.filter((day) => dependencyScanDue(id, day, 7))).toHaveLength(1);
    }
    for (const day of nights) {
      const due = clusters.filter((id) => dependencyScanDue(id, day, 7)).length;
      expect(due).toBeGreaterThan(50);
      expect(due).toBeLessThan(150);
    }
  });

  it("reads ARM ids without regard to case, as ARM does", () => {
    for (const day of days("2026-03-02", 5)) {
      for (const id of clusters.slice(0, 50)) {
        expect(dependencyScanDue(id.toUpperCase(), day, 5)).toBe(dependencyScanDue(id, day, 5));
      }
    }
  });
});
