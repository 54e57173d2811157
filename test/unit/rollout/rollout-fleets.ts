// Generated fleets and policies for the planner's property tests: Ubuntu 22.04 pools on Kubernetes 1.35,
// whose end of support (2027-03-31, the Kubernetes version's) is the deadline the base calendar gives.

import fc from "fast-check";
import type { Cluster } from "../../../shared/domain/fleet/model.ts";
import { utcMidnight } from "../../../shared/domain/lifecycle/calendar-date.ts";
import { BASE_CALENDAR } from "../../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../../shared/domain/lifecycle/lifecycle-calendar.ts";
import type { MaintenanceWindow } from "../../../shared/domain/migration/migration-options.ts";
import type { RolloutInput, RolloutPlan } from "../../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY, type RolloutPolicy } from "../../../shared/domain/rollout/rollout-policy.ts";
import { aCluster, aPool } from "../../support/pool-fixtures.ts";
import { testPriceTable } from "../../support/price-fixtures.ts";

export const DEADLINE = "2027-03-31";
export const CALENDAR = resolveCalendar(BASE_CALENDAR, []);
export const PRICES = testPriceTable();
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const CRITICALITY = ["low", "medium", "high", "critical", undefined] as const;

/** A pool whose deadline is DEADLINE. */
export const ubuntu2204 = (name = "apps", count = 3, vmSize = "Standard_D4s_v5") =>
  aPool({
    name,
    osSku: "Ubuntu2204",
    orchestratorVersion: "1.35.0",
    nodeImageVersion: "AKSUbuntu-2204gen2containerd-202512.06.0",
    count,
    vmSize,
  });

const clusterArbitrary = fc.record({
  pools: fc.array(fc.record({ count: fc.integer({ min: 1, max: 8 }), large: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  }),
  criticality: fc.constantFrom(...CRITICALITY),
  prod: fc.boolean(),
});

export function fleetArbitrary(maxClusters: number, minClusters = 1): fc.Arbitrary<Cluster[]> {
  return fc.array(clusterArbitrary, { minLength: minClusters, maxLength: maxClusters }).map((specs) =>
    specs.map((spec, index) => {
      const name = `c${index}`;
      const tags: Record<string, string> = { env: spec.prod ? "prod" : "dev" };
      if (spec.criticality) tags.criticality = spec.criticality;
      return aCluster(
        { name, tags },
        spec.pools.map((p, i) =>
          ubuntu2204(`p${i}`, p.count, p.large ? "Standard_E8s_v5" : "Standard_D4s_v5"),
        ),
      );
    }),
  );
}

const windowArbitrary: fc.Arbitrary<MaintenanceWindow> = fc.record({
  days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }).map((d) => d.sort()),
  start: fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30))
    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
  durationHours: fc.integer({ min: 1, max: 8 }),
});

/** Any limits, windows, freezes in the first two months, and sometimes a budget. */
export function policyArbitrary(start: string): fc.Arbitrary<RolloutPolicy> {
  const freeze = fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 10 }))
    .map(([offset, length]) => ({
      from: dayAfter(start, offset),
      to: dayAfter(start, offset + length),
    }));
  return fc
    .record({
      maxClustersPerWave: fc.integer({ min: 1, max: 3 }),
      maxPoolsInFlight: fc.integer({ min: 1, max: 3 }),
      prodWindow: fc.option(windowArbitrary, { nil: undefined }),
      defaultWindow: fc.option(windowArbitrary, { nil: undefined }),
      freezes: fc.array(freeze, { maxLength: 2 }),
      dailyBudget: fc.option(fc.integer({ min: 20, max: 400 }), { nil: undefined }),
    })
    .map(({ prodWindow, defaultWindow, dailyBudget, ...rest }) => ({
      ...DEFAULT_ROLLOUT_POLICY,
      ...rest,
      start,
      windows: prodWindow ? [{ tag: "env", value: "prod", window: prodWindow }] : [],
      ...(defaultWindow && { defaultWindow }),
      ...(dailyBudget !== undefined && { dailyBudget }),
    }));
}

export function dayAfter(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

export function inputOf(now: string, clusters: Cluster[], policy: RolloutPolicy): RolloutInput {
  return { now: new Date(`${now}T09:00:00Z`), clusters, calendar: CALENDAR, policy, prices: PRICES };
}

export const migrationsOf = (plan: RolloutPlan) => plan.waves.flatMap((wave) => wave.migrations);

/** Overlap spend per UTC day, recomputed from each migration's cost spread evenly over its hours. */
export function spendPerDay(plan: RolloutPlan): Map<number, number> {
  const days = new Map<number, number>();
  for (const m of migrationsOf(plan)) {
    const start = Date.parse(m.start);
    const end = Date.parse(m.end);
    const perHour = (m.cost ?? 0) / m.durationHours;
    for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
      const hours = (Math.min(end, day + DAY_MS) - Math.max(start, day)) / HOUR_MS;
      days.set(day, (days.get(day) ?? 0) + hours * perHour);
    }
  }
  return days;
}

/** The most migrations running at one instant. */
export function peakInFlight(plan: RolloutPlan): number {
  const edges = migrationsOf(plan).flatMap((m) => [
    { at: Date.parse(m.start), change: 1 },
    { at: Date.parse(m.end), change: -1 },
  ]);
  // An end and a start at the same instant do not overlap: ends first.
  edges.sort((a, b) => a.at - b.at || a.change - b.change);
  let running = 0;
  let peak = 0;
  for (const edge of edges) {
    running += edge.change;
    peak = Math.max(peak, running);
  }
  return peak;
}
