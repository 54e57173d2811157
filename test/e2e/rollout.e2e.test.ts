// A fleet rollout end to end on the demo fleet over weeks of virtual time: the product's HTTP API plans
// it from the inventory and starts it, the embedded host runs the real fleet-rollout and its pool
// migrations against the simulated fleet; people approve the migrations' gates and answer a stopped line
// through the API (migration-driver.ts).

import { describe, expect, it } from "vitest";
import { approveAll, driveRollout, post, RITA, rolloutPath, scannedDemoPerTest } from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const demo = scannedDemoPerTest();

/** Three clusters, one a week, one migration at a time, each pool to Azure Linux 3. */
const POLICY = {
  now: "2026-03-02",
  pools: ["aks-prod-eus/batch", "aks-dev-weu/ubuntu", "aks-test-neu/workers"],
  targets: { AzureLinux: "AzureLinux3", Ubuntu2204: "AzureLinux3", Ubuntu: "AzureLinux3" },
  maxClustersPerWave: 1,
  maxPoolsInFlight: 1,
};

describe("fleet rollout on the simulated fleet", () => {
  it("plans three waves from the inventory and runs them over weeks, each migration approved by people", async () => {
    const environment = await demo();
    const started = await post(environment, "/api/rollouts", RITA, POLICY);
    expect(started.status, started.text).toBe(202);
    const plan = (await environment.api(rolloutPath(started.body.id))).body.plan;
    console.log(
      JSON.stringify(
        plan.waves.map((w: Json) => [
          w.index,
          w.start,
          w.migrations.map((m: Json) => `${m.cluster}/${m.pool} ${m.fromOsSku}->${m.targetOsSku}`),
        ]),
        null,
        1,
      ),
      plan.unplanned,
    );
    const rollout = await driveRollout(environment, started.body.id, approveAll(environment), () => false);
    console.log(JSON.stringify(rollout.waves, null, 1), rollout.history.slice(-10));
  });
});
