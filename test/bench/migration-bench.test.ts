// The migration bench on its smallest pool, two strategies: the ledger's accounting holds up (no budget
// broken, no pod lost, overlap as the machines' history says) and no run beats the lower bound.

import { describe, expect, it } from "vitest";
import { migrationLowerBound } from "../../bench/migration/lower-bound.ts";
import { migrationScenario } from "../../bench/migration/scenario.ts";
import { runClient } from "../../bench/migration.bench.ts";
import { parseScenario } from "../../local/sim/scenario/load.ts";

const NODES = 20;
const scenario = parseScenario(migrationScenario(NODES));
const bound = migrationLowerBound(scenario);

describe("the migration bench on 20 nodes", () => {
  it("naive blue-green: both pools at full size until the old one goes; overlap priced, nothing broken", async () => {
    const run = await runClient(scenario, "naive", NODES);
    expect(run.failure).toBeUndefined();
    expect(run.pdbViolations).toBe(0);
    expect(run.outages).toBe(0);
    expect(run.lostPods).toBe(0);
    expect(run.seconds).toBeGreaterThanOrEqual(bound.seconds);
    // The workloads left the old nodes before the old pool went, and no sooner than the bound allows.
    expect(run.movedSeconds).toBeGreaterThanOrEqual(bound.moveSeconds);
    expect(run.movedSeconds).toBeLessThan(run.seconds);
    // The whole old pool runs beside the new one from its nodes' start to the end, less provisioning.
    expect(run.overlapNodeHours).toBeGreaterThan(0);
    expect(run.overlapNodeHours).toBeLessThanOrEqual((NODES * run.seconds) / 3600);
    expect(run.overlapNodeHours).toBeGreaterThan((NODES * (run.seconds - 600)) / 3600);
    expect(run.cost.kind).toBe("known");
    expect(run.peakPending).toBeGreaterThan(0);
  }, 120_000);

  it("AKS surge upgrade: only the surge nodes overlap, far less than a full second pool", async () => {
    const run = await runClient(scenario, "aks-surge", NODES);
    expect(run.pdbViolations).toBe(0);
    expect(run.outages).toBe(0);
    expect(run.lostPods).toBe(0);
    expect(run.seconds).toBeGreaterThanOrEqual(bound.seconds);
    const surge = Math.ceil(NODES / 10);
    expect(run.overlapNodeHours).toBeGreaterThan(0);
    expect(run.overlapNodeHours).toBeLessThanOrEqual((surge * run.seconds) / 3600);
  }, 120_000);
});
