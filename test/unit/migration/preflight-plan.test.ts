import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATION_OPTIONS } from "../../../shared/domain/migration/migration-options.ts";
import type { MigrationPlan } from "../../../shared/domain/migration/migration-plan.ts";
import { buildPlan } from "../../../shared/domain/migration/preflight-plan.ts";
import { preflightFacts } from "../../support/preflight-fixtures.ts";
import {
  baseCluster,
  deployment,
  deploymentPods,
  POOL_NODES,
  pdb,
  pod,
} from "../../support/risk-fixtures.ts";

const [NODE_0, NODE_1] = POOL_NODES;
const AZ = "--resource-group rg-prod-weu --cluster-name prod-weu";

function findings(plan: MigrationPlan) {
  return plan.findings.map((f) => [f.severity, f.code, f.subject]);
}

describe("buildPlan: a simple pool", () => {
  const plan = buildPlan(preflightFacts());

  it("creates a new pool of the old one's shape under a derived name, and finds nothing in the way", () => {
    expect(plan.strategy.chosen).toBe("new-pool");
    expect(plan.newPool).toMatchObject({ name: "azl2poolal3", osSku: "AzureLinux3", count: 2 });
    expect(plan.findings).toEqual([]);
    expect(plan.blocked).toBe(false);
  });

  it("drains the node with fewer budget-protected pods first, and counts the pods as kubectl drain would", () => {
    // NODE_0 holds coredns and web (both under budgets), NODE_1 web only.
    expect(plan.drainOrder).toEqual([NODE_1, NODE_0]);
    expect(plan.pods).toEqual({ evict: 3, skipped: { "daemon-set": 2 }, blocked: [] });
    expect(plan.controllers).toEqual([
      { workload: { kind: "Deployment", namespace: "kube-system", name: "coredns" }, replicas: 1 },
      { workload: { kind: "Deployment", namespace: "shop", name: "web" }, replicas: 3 },
    ]);
  });

  it("writes the runbook with this cluster's names, in the workflow's order", () => {
    expect(plan.runbook.map((step) => step.title)).toEqual([
      "Look at azl2pool and its workloads (no change)",
      "Create pool azl2poolal3 with AzureLinux3",
      "Validate azl2poolal3: nodes Ready on AzureLinux3, daemonsets running",
      "Cordon azl2pool: no new pods on it",
      "Drain azl2pool, in batches the disruption budgets allow, least critical first",
      "Between nodes, check health",
      "Keep azl2pool drained for 4 h so a rollback stays fast",
      "Delete azl2pool",
    ]);
    const commands = plan.runbook.flatMap((step) => step.commands);
    expect(commands).toContain(
      `az aks nodepool add ${AZ} --name azl2poolal3 --mode User --os-type Linux --os-sku AzureLinux3 --node-vm-size Standard_D4s_v5 --node-count 2 --kubernetes-version 1.31.9 --zones 1 2 3`,
    );
    expect(commands).toContain("kubectl taint nodes -l agentpool=azl2pool lifecycle=retiring:NoSchedule");
    expect(commands).toContain(
      `kubectl drain ${NODE_1} --ignore-daemonsets --delete-emptydir-data --grace-period=-1 --timeout=1800s`,
    );
    expect(commands).toContain(`az aks nodepool delete ${AZ} --name azl2pool`);
    expect(plan.rollback.flatMap((step) => step.commands)).toEqual([
      `az aks nodepool scale ${AZ} --name azl2pool --node-count 2`,
      "kubectl taint nodes -l agentpool=azl2pool lifecycle-",
      "kubectl taint nodes -l agentpool=azl2poolal3 lifecycle=retiring:NoSchedule",
      "kubectl drain -l agentpool=azl2poolal3 --ignore-daemonsets --delete-emptydir-data --grace-period=-1 --timeout=1800s",
      `az aks nodepool delete ${AZ} --name azl2poolal3`,
    ]);
  });

  it("lists the workflow's steps and prices the overlap of the pools in step with the drain", () => {
    expect(plan.steps[0]).toBe("Preflight: read azl2pool and its workloads; no change");
    expect(plan.steps).toContain("Gate cutover: an approver reviews the validation");
    expect(plan.steps.some((step) => step.startsWith("Gate override"))).toBe(false);
    // 1 h soak + 2 batches x 0.25 h + 4 h retention = 5.5 h. The new pool at 2 (a node and headroom)
    // through the soak and the first batch, the old pool down to 1 for the second, none kept after:
    // 2 + 0.5 + 0.25 node-hours x 0.5 USD.
    expect(plan.cost).toMatchObject({
      overlapNodeHours: 2.75,
      durationHours: 5.5,
      estimate: { kind: "known", amount: 1.375, currency: "USD" },
    });
    // The seed's way, node by node with the old pool whole until 4 h after: 2 old nodes x 5.5 h.
    const retained = buildPlan(
      preflightFacts({
        facts: {
          options: {
            ...DEFAULT_MIGRATION_OPTIONS,
            batchSize: 1,
            newPoolGrowth: "up-front",
            oldPoolShrink: "at-end",
          },
        },
      }),
    );
    expect(retained.cost).toMatchObject({ overlapNodeHours: 11, durationHours: 5.5 });
    expect(plan.thresholds).toEqual(DEFAULT_MIGRATION_OPTIONS.thresholds);
  });
});

describe("buildPlan: what stands in the way", () => {
  it("blocks on a budget allowing no disruption once, a bare pod, an incompatible target and a failed pool", () => {
    const workloads = baseCluster();
    workloads.pods.push(
      ...deploymentPods("ledger", "bank", [NODE_0]),
      pod("debug", "shop", NODE_1),
      ...deploymentPods("cache", "shop", [NODE_1], {
        volumes: [{ name: "scratch", emptyDir: {} }],
        terminationGracePeriodSeconds: 3600,
      }),
    );
    workloads.deployments.push(deployment("ledger", "bank", 2), deployment("cache", "shop", 2));
    workloads.podDisruptionBudgets.push(
      pdb("ledger", "bank", "ledger", { minAvailable: 2 }, 0),
      pdb("cache", "shop", "cache", { maxUnavailable: 1 }, 1),
    );
    const plan = buildPlan(
      preflightFacts({
        workloads,
        pool: { provisioningState: "Failed" },
        facts: { targetOsSku: "Ubuntu2404" },
      }),
    );
    expect(findings(plan)).toEqual([
      ["blocking", "pool-not-ready", "azl2pool"],
      ["blocking", "target-incompatible", "Ubuntu2404"],
      ["blocking", "pdb-blocks-drain", "PodDisruptionBudget bank/ledger"],
      ["blocking", "bare-pod", "Pod shop/debug"],
      ["warning", "empty-dir", "Deployment shop/cache"],
      ["warning", "grace-over-timeout", "shop/cache-5d8f7c9b4-0"],
    ]);
    expect(plan.findings[1]?.detail).toMatch(
      /Ubuntu2404 runs on Kubernetes 1\.32-1\.38, not 1\.31\.9: upgrade Kubernetes to 1\.32 first/,
    );
    expect(plan.blocked).toBe(true);
    expect(plan.pods.blocked).toEqual([{ namespace: "bank", name: "ledger-5d8f7c9b4-0" }]);
    expect(plan.steps[1]).toBe(
      "Gate override: an approver accepts the blocking findings or rejects the migration",
    );
  });

  it("warns of a single replica, and says when the quota is unknown or too small", () => {
    const workloads = baseCluster();
    workloads.pods.push(...deploymentPods("solo", "shop", [NODE_0]));
    workloads.deployments.push(deployment("solo", "shop", 1));
    const unknownQuota = buildPlan(preflightFacts({ workloads, facts: { quota: undefined } }));
    expect(findings(unknownQuota)).toEqual([
      ["warning", "quota-unknown", "Standard_D4s_v5"],
      ["warning", "single-replica", "Deployment shop/solo"],
    ]);
    const short = buildPlan(
      preflightFacts({ facts: { quota: { family: "standardDSv5Family", limit: 12, used: 8 } } }),
    );
    expect(short.findings).toEqual([
      expect.objectContaining({
        code: "quota-insufficient",
        severity: "blocking",
        detail:
          "the new pool needs 8 vCPUs (2 x Standard_D4s_v5, 4 each) but standardDSv5Family has 4 of 12 free",
      }),
    ]);
  });

  it("refuses a requested pool name that is taken, says the pool is empty, and that it already runs the target", () => {
    const plan = buildPlan(
      preflightFacts({
        pool: { osSku: "AzureLinux3" },
        workloads: { ...baseCluster(), nodes: [] },
        facts: { options: { ...DEFAULT_MIGRATION_OPTIONS, newPoolName: "system" } },
      }),
    );
    expect(findings(plan)).toEqual([
      ["blocking", "already-on-target", "azl2pool"],
      ["blocking", "new-pool-name", "system"],
      ["info", "no-nodes", "azl2pool"],
    ]);
    expect(plan.drainOrder).toEqual([]);
  });
});

describe("buildPlan: the pool's own state", () => {
  it("blocks on a stopped pool and on one ARM reports no state for (fail closed)", () => {
    const stopped = buildPlan(preflightFacts({ pool: { powerState: "Stopped" } }));
    expect(stopped.findings.map((f) => [f.code, f.detail])).toEqual([
      [
        "pool-not-ready",
        "pool azl2pool is Succeeded, stopped; a migration starts from a Succeeded, running pool",
      ],
    ]);
    const unknown = buildPlan(preflightFacts({ pool: { provisioningState: undefined } }));
    expect(unknown.findings[0]?.detail).toMatch(/^pool azl2pool is not reported;/);
  });
});

describe("buildPlan: the strategy", () => {
  const inPlace = { ...DEFAULT_MIGRATION_OPTIONS, preferredStrategy: "in-place" as const };

  it("updates a Linux pool in place when policy prefers it, and says it has no fast rollback", () => {
    const plan = buildPlan(preflightFacts({ facts: { options: inPlace } }));
    expect(plan.strategy.chosen).toBe("in-place");
    expect(plan.strategy.reasons.join(" ")).toMatch(/cheaper.*no fast rollback/);
    expect(plan.newPool).toBeUndefined();
    expect(plan.runbook.flatMap((s) => s.commands)).toContain(
      `az aks nodepool update ${AZ} --name azl2pool --os-sku AzureLinux3`,
    );
    expect(plan.rollback.flatMap((s) => s.commands)).toEqual([
      `az aks nodepool update ${AZ} --name azl2pool --os-sku AzureLinux`,
    ]);
    // One surge node while the two nodes are reimaged one after another.
    expect(plan.cost).toMatchObject({ overlapNodeHours: 0.5, estimate: { amount: 0.25 } });
  });

  it("cuts the drain by the budgets with batchSize auto, and prices the pools in step with it", () => {
    const stepped = {
      ...DEFAULT_MIGRATION_OPTIONS,
      batchSize: "auto" as const,
      newPoolGrowth: "with-drain" as const,
      oldPoolShrink: "with-drain" as const,
    };
    const plan = buildPlan(
      preflightFacts({ pool: { enableAutoScaling: false }, facts: { options: stepped } }),
    );
    // web allows one disruption and has a pod on each node: one node at a time.
    expect(plan.batches).toEqual([[NODE_1], [NODE_0]]);
    // 1 h soak with the new pool at 2 (a batch and headroom), the first batch with both pools at 2, the
    // second with the old pool down to 1, nothing kept through the 4 h retention (a user pool).
    expect(plan.cost).toMatchObject({ overlapNodeHours: 2 + 0.25 * 2 + 0.25 * 1, durationHours: 5.5 });
    // The runbook does the same by hand: machines deleted after their drain, scaled back on a rollback.
    expect(plan.steps).toContain(
      "Drain 2 node(s), in batches the disruption budgets allow, least critical first, health gates between batches, azl2poolal3 grown two batches ahead, drained machines deleted once past their gate",
    );
    expect(plan.runbook.flatMap((s) => s.commands)).toContain(
      `az aks nodepool delete-machines ${AZ} --name azl2pool --machine-names ${NODE_1}`,
    );
    expect(plan.rollback[0]?.commands).toEqual([
      `az aks nodepool scale ${AZ} --name azl2pool --node-count 2`,
    ]);
  });

  it("tells a retention under an hour in minutes, and one of no length in seconds", () => {
    const retainedFor = (retentionSeconds: number) => {
      const plan = buildPlan(
        preflightFacts({ facts: { options: { ...DEFAULT_MIGRATION_OPTIONS, retentionSeconds } } }),
      );
      return [plan.strategy.reasons.join(" "), ...plan.steps, ...plan.runbook.map((step) => step.title)]
        .filter((text) => /stays|Keep/.test(text))
        .join(" | ");
    };
    expect(retainedFor(600)).toBe(
      "a new pool with AzureLinux3 beside azl2pool, then drain azl2pool: its drained machines are deleted as it empties, the pool itself stays 10 min after the drain, so a rollback scales it back (policy prefers a new pool) | " +
        "Keep azl2pool for 10 min (retention) so a rollback stays fast | " +
        "Keep azl2pool drained for 10 min so a rollback stays fast",
    );
    expect(retainedFor(0)).toContain("the pool itself stays 0 s after the drain");
    expect(retainedFor(5400)).toContain("Keep azl2pool for 1.5 h (retention)");
  });

  it("creates a new pool for Windows even when policy prefers in place, and says why", () => {
    const plan = buildPlan(
      preflightFacts({
        pool: { name: "win22", osType: "Windows", osSku: "Windows2022", orchestratorVersion: "1.33.2" },
        facts: { targetOsSku: "Windows2025", options: inPlace },
      }),
    );
    expect(plan.strategy.chosen).toBe("new-pool");
    expect(plan.strategy.reasons[0]).toBe(
      "in-place was preferred, but Windows versions cannot be switched in place",
    );
    expect(plan.newPool?.name).toBe("ww2025");
  });

  it("fills the runbook with the autoscaler, pre-positioned replicas and quoted labels when the pool has them", () => {
    const plan = buildPlan(
      preflightFacts({
        pool: { enableAutoScaling: true, minCount: 1, maxCount: 5, nodeLabels: { team: "data eng" } },
        facts: {
          options: { ...DEFAULT_MIGRATION_OPTIONS, prePositionReplicas: true, keepNewPoolOnRollback: true },
        },
      }),
    );
    const commands = plan.runbook.flatMap((s) => s.commands);
    expect(commands.find((c) => c.startsWith("az aks nodepool add"))).toMatch(
      / --labels 'team=data eng' --enable-cluster-autoscaler --min-count 1 --max-count 5$/,
    );
    expect(commands).toContain(`az aks nodepool update ${AZ} --name azl2pool --disable-cluster-autoscaler`);
    expect(commands).toContain("kubectl scale deployment/web --namespace shop --replicas=4");
    expect(plan.rollback.map((s) => s.title)).toEqual([
      "Scale azl2pool back to 2 nodes (when its drained machines were deleted)",
      "Let pods back onto azl2pool",
      "Restore azl2pool's autoscaler",
      "Move pods off azl2poolal3 (when pods moved)",
      "Restore replica counts",
      "Delete azl2poolal3",
    ]);
    expect(plan.rollback[2]?.commands).toEqual([
      `az aks nodepool update ${AZ} --name azl2pool --enable-cluster-autoscaler --min-count 1 --max-count 5`,
    ]);
    expect(plan.rollback.at(-1)?.note).toMatch(/Kept for investigation/);
  });
});

describe("buildPlan: an old pool whose node images go before the migration ends", () => {
  const SOURCE = "https://github.com/Azure/AKS/issues/4988";
  const planWithRemoval = (date: string) =>
    buildPlan(preflightFacts({ facts: { oldImageRemoval: { date, sourceUrl: SOURCE } } }));

  it("keeps the drained machines when the images are already removed: a rollback could not scale the pool back", () => {
    const removed = planWithRemoval("2026-03-31");
    const shrinking = planWithRemoval("2028-04-30");
    expect(shrinking.oldPoolShrinks).toBe(true);
    // Carried for the drain, which looks again when it begins (a start gate may wait days).
    expect(shrinking.oldImageRemoval).toEqual({ date: "2028-04-30", sourceUrl: SOURCE });
    expect(findings(shrinking)).toEqual([]);
    expect(removed.oldPoolShrinks).toBe(false);
    expect(findings(removed)).toEqual([["warning", "old-pool-kept-whole", "azl2pool"]]);
    expect(removed.findings[0]?.detail).toContain(`were removed (2026-03-31, ${SOURCE})`);
    expect(removed.strategy.reasons.join(" ")).toContain("the old pool stays 4 h after the drain");
    // Its machines kept through the retention: the forecast pays for them.
    expect(removed.cost.overlapNodeHours).toBeGreaterThan(shrinking.cost.overlapNodeHours);
  });

  it("keeps them too when the removal falls inside the migration's forecast, retention included", () => {
    const planned = (date: string) =>
      buildPlan(
        preflightFacts({
          facts: { now: "2026-12-02T22:00:00Z", oldImageRemoval: { date, sourceUrl: SOURCE } },
        }),
      );
    // Two hours after planning: the drain and the 4 h retention run past it.
    const tonight = planned("2026-12-03");
    // Past the forecast, but within a week's slack for approvals and pauses.
    const inFourDays = planned("2026-12-06");
    const inThreeWeeks = planned("2026-12-23");
    expect(tonight.oldPoolShrinks).toBe(false);
    expect(tonight.findings[0]?.detail).toContain(
      "are removed before this migration would end, a week's slack included (2026-12-03",
    );
    expect(inFourDays.oldPoolShrinks).toBe(false);
    expect(inThreeWeeks.oldPoolShrinks).toBe(true);
    // A date that does not parse is taken as removed: the pool keeps its machines.
    const unreadable = planned("2026-13-45");
    expect(unreadable.oldPoolShrinks).toBe(false);
    expect(unreadable.findings[0]?.detail).toContain("a removal date that cannot be read");
  });
});
