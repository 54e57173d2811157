// The new pool's validation (validatePool) through the real node operations against a simulated cluster
// over HTTPS, with its audit in SQLite: nodes labelled with the target osSku, and the smoke pod's effects
// (run, then removed once finished) each audited.

import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { sha256 } from "../../shared/domain/support/sha256.ts";
import { PRODUCT_NAMESPACE } from "../../shared/kube/node-operations.ts";
import { type PoolValidationRequest, validatePool } from "../../shared/migration/pool-validation.ts";
import { useNodeOperations } from "../support/node-operations-fixture.ts";

const CLUSTER = "aks-validate";
const MIGRATION = "migration:aks-validate:apps:1";

const scenario: ScenarioInput = {
  name: "pool-validation",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-validate",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            { name: "system", mode: "System", osSku: "AzureLinux3", vmSize: "Standard_D4s_v5", count: 1 },
            { name: "appsal3", osSku: "AzureLinux3", vmSize: "Standard_D4s_v5", count: 2 },
          ],
        },
      ],
    },
  ],
};

const on = useNodeOperations(scenario, CLUSTER);

/** The smoke pod of MIGRATION's new pool: named for the pool and the migration. */
const SMOKE_POD = `smoke-appsal3-${sha256(MIGRATION).slice(0, 8)}`;

const request = (smokePod: boolean, migrationId = MIGRATION): PoolValidationRequest => ({
  migrationId,
  step: "validate",
  actor: "workflow",
  reason: "the new pool before cutover",
  clusterId: on.cluster.id,
  pool: "appsal3",
  targetOsSku: "AzureLinux3",
  expectedNodes: 2,
  smokePod,
});

describe("validatePool", () => {
  it("runs the smoke pod and, once it succeeded, removes it: both effects audited before and after", async () => {
    const started = await validatePool(on.ports, request(true));
    expect(started).toMatchObject({ ok: false, settled: false, problems: [] });
    expect(started.smokePod).toEqual({ name: SMOKE_POD, phase: "Pending" });

    await on.clock.advanceBy(10_000);
    const done = await validatePool(on.ports, request(true));
    expect(done).toMatchObject({ ok: true, settled: true, problems: [] });
    expect(done.smokePod).toEqual({ name: SMOKE_POD, phase: "Succeeded" });
    expect(on.cluster.store.get("pods", PRODUCT_NAMESPACE, SMOKE_POD)).toBeUndefined();

    const records = (await on.audit.list(MIGRATION)).map((r) => `${r.action} ${r.stage} ${r.result ?? ""}`);
    expect(records).toEqual([
      "run-smoke-pod intent ",
      "run-smoke-pod outcome started",
      "delete-smoke-pod intent ",
      "delete-smoke-pod outcome deleted",
    ]);
  });

  it("never takes a smoke pod another migration of a pool of that name left for its own", async () => {
    const earlier = "migration:earlier";
    expect((await validatePool(on.ports, request(true, earlier))).smokePod?.phase).toBe("Pending");
    await on.clock.advanceBy(10_000);
    // The earlier migration stopped there: its pod finished and stays.
    const own = await validatePool(on.ports, request(true));
    expect(own).toMatchObject({ ok: false, settled: false, smokePod: { name: SMOKE_POD, phase: "Pending" } });
  });

  it("finds a node without the os-sku label a problem: its OS cannot be told", async () => {
    const [node] = on.cluster.store.list("nodes").filter((n) => n.metadata.labels?.agentpool === "appsal3");
    const name = node?.metadata.name as string;
    const labels = { "kubernetes.azure.com/os-sku": null, "kubernetes.azure.com/os-sku-requested": null };
    await on.core.patchNode(
      { name, body: { metadata: { labels } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const evidence = await validatePool(on.ports, request(false));
    expect(evidence.ok).toBe(false);
    expect(evidence.problems).toEqual([`node ${name} has no os-sku label`]);
  });
});
