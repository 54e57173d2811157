// A fleet rollout end to end on the demo fleet over weeks of virtual time: the product's HTTP API plans
// it from the inventory and starts it, the embedded host runs the real fleet-rollout and its pool
// migrations against the simulated fleet; people approve the migrations' gates and answer a stopped line
// through the API (migration-driver.ts). The simulator's ledger says afterwards what a cluster cannot.

import { describe, expect, it } from "vitest";
import {
  approveAll,
  clusterState,
  driveRollout,
  migrationPath,
  post,
  RITA,
  rolloutPath,
  scannedDemoPerTest,
  startDemoRollout,
} from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const demo = scannedDemoPerTest();

const DAY_MS = 86_400_000;

function poolsOf(rollout: Json): Json[] {
  return rollout.waves.flatMap((wave: Json) => wave.pools);
}

describe("fleet rollout on the simulated fleet", () => {
  it("plans three waves a week apart from the inventory and runs them, each migration approved by people", async () => {
    const environment = await demo();
    const id = await startDemoRollout(environment);
    const rollout = await driveRollout(environment, id, approveAll(environment), () => false);

    expect(rollout.waves.map((wave: Json) => wave.pools.map((p: Json) => `${p.cluster}/${p.pool}`))).toEqual([
      ["aks-prod-eus/batch"],
      ["aks-dev-weu/ubuntu"],
      ["aks-test-neu/workers"],
    ]);
    expect(poolsOf(rollout).map((p) => p.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // Waves a week apart, none started before its day.
    const starts = rollout.waves.map((wave: Json) => Date.parse(wave.start));
    expect(starts[1] - starts[0]).toBe(7 * DAY_MS);
    for (const wave of rollout.waves) {
      const line = rollout.history.find((h: Json) => h.event === `wave ${wave.index} starts`);
      expect(Date.parse(line.at)).toBeGreaterThanOrEqual(Date.parse(wave.start));
    }
    // Each pool's migration is an ordinary migration under its own id, with the cost it measured.
    for (const pool of poolsOf(rollout)) {
      const migration = (await environment.api(migrationPath(pool.migrationId))).body;
      expect(migration).toMatchObject({ outcome: "succeeded", targetOsSku: "AzureLinux3" });
      expect(pool.overlapNodeHours).toBe(migration.summary.overlapNodeHours);
    }
    expect(rollout.spend.actual).toBeGreaterThan(0);
    expect(rollout.spend.forecastOfEnded).toBeGreaterThan(0);
    const { cluster } = clusterState(environment, "aks-test-neu");
    expect([...cluster.pools.keys()]).not.toContain("workers");
    const ledger = environment.sim.ledger();
    expect(ledger.pdbViolations).toEqual([]);
    expect(ledger.outages).toEqual([]);
    expect(ledger.lostPods).toEqual([]);
  }, 60_000);

  it("stops the line when wave 1's migration rolls back, and goes on once an operator resumes with a note", async () => {
    const environment = await demo();
    const id = await startDemoRollout(environment, { noCapacity: true });
    const stopped: Json[] = [];
    const rollout = await driveRollout(environment, id, approveAll(environment), async (waiting) => {
      stopped.push(waiting);
      const answer = await post(environment, `${rolloutPath(id)}/resume`, RITA, {
        note: "westeurope had no capacity: book it before the next wave",
      });
      expect(answer.status, answer.text).toBe(202);
      return true;
    });
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({
      status: "stopped",
      awaiting: { kind: "stop-the-line", wave: 1, accepts: ["resume", "skip", "retry"] },
    });
    expect(stopped[0].awaiting.reason).toBe("aks-dev-weu/ubuntu rolled-back");
    // Nothing of wave 2 had started while the line was stopped.
    expect(stopped[0].waves[2].pools[0].status).toBe("pending");
    expect(poolsOf(rollout).map((p) => p.status)).toEqual(["succeeded", "rolled-back", "succeeded"]);
    expect(rollout.lessons).toEqual([
      expect.objectContaining({
        note: "westeurope had no capacity: book it before the next wave",
        by: RITA.name,
      }),
    ]);
    const trail = (await environment.api(`${rolloutPath(id)}/audit`)).body;
    expect(trail.verification.ok).toBe(true);
    expect(trail.records.map((r: Json) => r.action)).toEqual(
      expect.arrayContaining(["request-rollout", "stop-the-line", "resume-rollout", "start-migration"]),
    );
  }, 60_000);
});
