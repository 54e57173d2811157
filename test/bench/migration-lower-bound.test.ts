// The bench's lower bound on a migration's duration, from budgets and start-up times.

import { describe, expect, it } from "vitest";
import { allowedDisruptions, migrationLowerBound } from "../../bench/migration/lower-bound.ts";
import { migrationScenario } from "../../bench/migration/scenario.ts";
import { parseScenario } from "../../local/sim/scenario/load.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";

function scenarioWith(
  workloads: NonNullable<ScenarioInput["subscriptions"]>[number]["clusters"],
): ReturnType<typeof parseScenario> {
  return parseScenario({
    name: "bound",
    timings: { vmProvisionSeconds: 60, nodeBootSeconds: 30, vmDeleteSeconds: 30, podStartupSeconds: 5 },
    subscriptions: [{ id: "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", clusters: workloads }],
  });
}

function cluster(workloads: object) {
  return [
    {
      name: "c",
      resourceGroup: "rg",
      location: "westeurope",
      kubernetesVersion: "1.31.8",
      pools: [{ name: "apps", mode: "System" as const, vmSize: "Standard_D4ds_v5", count: 3 }],
      workloads: { systemComponents: false, ...workloads },
    },
  ];
}

function boundFor(workloads: object) {
  return migrationLowerBound(scenarioWith(cluster(workloads)));
}

describe("the migration lower bound", () => {
  it("counts a budget's allowed disruptions as Kubernetes does: percentages rounded up", () => {
    expect(allowedDisruptions({ maxUnavailable: 1 }, 8)).toBe(1);
    expect(allowedDisruptions({ maxUnavailable: "10%" }, 15)).toBe(2);
    expect(allowedDisruptions({ minAvailable: "80%" }, 8)).toBe(1);
    expect(allowedDisruptions({ minAvailable: 2 }, 3)).toBe(1);
    expect(allowedDisruptions({ minAvailable: "90%" }, 8)).toBe(0);
  });

  it("is provisioning, the slowest workload's rounds after the first, and the VM delete", () => {
    const bound = boundFor({
      deployments: [
        // 6 rounds of 1, each waiting 40 s for the replacement: 5 x 40 = 200 s.
        { name: "slow", replicas: 6, startupSeconds: 40, pdb: { maxUnavailable: 1 } },
        // 2 rounds of 5: 1 x 10 = 10 s.
        { name: "wide", replicas: 10, startupSeconds: 10, pdb: { maxUnavailable: "50%" } },
        // No budget: everything in one round.
        { name: "free", replicas: 30, startupSeconds: 300 },
      ],
    });
    expect(bound.binding?.workload).toBe("default/slow");
    expect(bound.seconds).toBe(60 + 30 + 5 * 40 + 30);
    expect(bound.moveSeconds).toBe(bound.seconds - 30);
    expect(bound.formula).toContain("default/slow: (ceil(6/1) - 1) x 40 s = 200 s");
    expect(bound.formula).toContain(`= ${bound.seconds} s`);
  });

  it.each([
    {
      why: "adds the shutdown to a statefulset's rounds: its replacement waits for the old pod to exit",
      workloads: {
        statefulSets: [
          {
            name: "db",
            replicas: 3,
            startupSeconds: 20,
            terminationGracePeriodSeconds: 60,
            pdb: { minAvailable: 2 },
          },
        ],
      },
      rounds: 3,
      roundSeconds: 80,
    },
    {
      why: "waits out a replacement's readiness too: the budget counts it only once Ready",
      workloads: {
        deployments: [
          { name: "warming", replicas: 4, startupSeconds: 10, readySeconds: 50, pdb: { maxUnavailable: 1 } },
        ],
      },
      rounds: 4,
      roundSeconds: 60,
    },
  ])("$why", ({ workloads, rounds, roundSeconds }) => {
    const bound = boundFor(workloads);
    expect(bound.binding).toMatchObject({ rounds, roundSeconds });
    expect(bound.seconds).toBe(60 + 30 + (rounds - 1) * roundSeconds + 30);
  });

  it("without budgets is provisioning and the delete", () => {
    const bound = boundFor({ deployments: [{ name: "a", replicas: 4 }] });
    expect(bound.binding).toBeUndefined();
    expect(bound.seconds).toBe(120);
  });

  it("finds every bench pool drainable: each budget allows a disruption", () => {
    for (const nodes of [20, 50, 200]) {
      const bound = migrationLowerBound(parseScenario(migrationScenario(nodes)));
      expect(Number.isFinite(bound.seconds), bound.formula).toBe(true);
    }
  });
});
