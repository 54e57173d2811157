// The planner on generated fleets and policies: it keeps every limit, starts nothing outside a window or
// inside a freeze, meets deadlines a fleet can meet, reports the ones it cannot, and is deterministic.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcMidnight } from "../../../shared/domain/lifecycle/calendar-date.ts";
import { windowContains } from "../../../shared/domain/migration/maintenance-window.ts";
import { planRollout } from "../../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../../../shared/domain/rollout/rollout-policy.ts";
import {
  DEADLINE,
  fleetArbitrary,
  inputOf,
  migrationsOf,
  peakInFlight,
  policyArbitrary,
  spendPerDay,
} from "./rollout-fleets.ts";

const NOW = "2026-01-05";
const RUNS = { numRuns: 100 };

describe("planRollout on generated fleets", () => {
  it("keeps clusters per wave, pools in flight and the daily budget within the policy", () => {
    fc.assert(
      fc.property(fleetArbitrary(6), policyArbitrary(NOW), (clusters, policy) => {
        const plan = planRollout(inputOf(NOW, clusters, policy));
        for (const wave of plan.waves) {
          expect(new Set(wave.migrations.map((m) => m.clusterId)).size).toBeLessThanOrEqual(
            policy.maxClustersPerWave,
          );
        }
        expect(peakInFlight(plan)).toBeLessThanOrEqual(policy.maxPoolsInFlight);
        if (policy.dailyBudget !== undefined) {
          for (const spend of spendPerDay(plan).values()) {
            expect(spend).toBeLessThanOrEqual(policy.dailyBudget + 1e-6);
          }
        }
        // Every selected pool is planned or reported, never dropped.
        const pools = clusters.reduce((sum, c) => sum + c.nodePools.length, 0);
        const reported = new Set([
          ...migrationsOf(plan).map((m) => `${m.cluster}/${m.pool}`),
          ...plan.misses.map((m) => `${m.cluster}/${m.pool}`),
        ]);
        expect(reported.size).toBe(pools);
      }),
      RUNS,
    );
  });

  it("starts every migration inside its cluster's window and outside every freeze", () => {
    fc.assert(
      fc.property(fleetArbitrary(6), policyArbitrary(NOW), (clusters, policy) => {
        const plan = planRollout(inputOf(NOW, clusters, policy));
        for (const m of migrationsOf(plan)) {
          const cluster = clusters.find((c) => c.name === m.cluster);
          const tagged = policy.windows.find((w) => cluster?.tags?.[w.tag] === w.value);
          const window = tagged?.window ?? policy.defaultWindow;
          const start = new Date(m.start);
          if (window) expect(windowContains(window, start)).toBe(true);
          expect(m.options.maintenanceWindow).toEqual(window);
          for (const freeze of policy.freezes) {
            const inside =
              start.getTime() >= utcMidnight(freeze.from) &&
              start.getTime() < utcMidnight(freeze.to) + 86_400_000;
            expect(inside, `${m.cluster}/${m.pool} starts ${m.start} in ${freeze.from}..${freeze.to}`).toBe(
              false,
            );
          }
        }
      }),
      RUNS,
    );
  });

  it("meets every deadline of a fleet that can meet them, each migration ending before it", () => {
    // 450 days ahead, no budget: any limits finish six clusters within months.
    fc.assert(
      fc.property(fleetArbitrary(6), policyArbitrary(NOW), (clusters, policy) => {
        const { dailyBudget: _ignored, ...unlimited } = policy;
        const plan = planRollout(inputOf(NOW, clusters, unlimited));
        expect(plan.misses).toEqual([]);
        expect(migrationsOf(plan).length).toBe(clusters.reduce((sum, c) => sum + c.nodePools.length, 0));
        for (const m of migrationsOf(plan)) {
          expect(m.deadline).toBe(DEADLINE);
          expect(Date.parse(m.end)).toBeLessThanOrEqual(utcMidnight(DEADLINE));
          expect(m.slackDays).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it("reports each pool that misses an impossible deadline, by how late it ends", () => {
    // Six days before the deadline, one cluster a week: the third cluster cannot start in time.
    const now = "2027-03-25";
    const oneAWeek = { ...DEFAULT_ROLLOUT_POLICY, maxClustersPerWave: 1, maxPoolsInFlight: 1 };
    fc.assert(
      fc.property(fleetArbitrary(5, 3), (clusters) => {
        const plan = planRollout(inputOf(now, clusters, oneAWeek));
        expect(plan.misses.length).toBeGreaterThan(0);
        const late = migrationsOf(plan).filter((m) => Date.parse(m.end) > utcMidnight(DEADLINE));
        expect(plan.misses.map((miss) => `${miss.cluster}/${miss.pool}`).sort()).toEqual(
          late.map((m) => `${m.cluster}/${m.pool}`).sort(),
        );
        for (const miss of plan.misses) {
          const m = late.find((l) => l.cluster === miss.cluster && l.pool === miss.pool);
          const daysLate = Math.ceil((Date.parse(m?.end ?? "") - utcMidnight(DEADLINE)) / 86_400_000);
          expect(miss).toMatchObject({ deadline: DEADLINE, daysLate });
          expect(miss.fix).not.toBe("");
        }
      }),
      { numRuns: 20 },
    );
  });

  it("gives the same plan for the same input", () => {
    fc.assert(
      fc.property(fleetArbitrary(6), policyArbitrary(NOW), (clusters, policy) => {
        const input = inputOf(NOW, clusters, policy);
        expect(planRollout(input)).toEqual(planRollout(structuredClone(input)));
      }),
      { numRuns: 20 },
    );
  });
});
