// Pool migrations end to end when things go wrong: a daemonset that crashes on the new OS, a budget that
// never allows an eviction, pods stuck Terminating, health signals, gates nobody (or the wrong person)
// answers, and ARM busy or failing. Each runs the real orchestrations on the embedded host against the
// simulated fleet on one virtual clock, people answering through the HTTP API (migration-driver.ts), and
// asserts what the record says and what the simulator's ledger says: no budget broken, no pod lost.

import { ContainerServiceClient } from "@azure/arm-containerservice";
import { describe, expect, it } from "vitest";
import type { FaultInput } from "../../local/sim/scenario/schema.ts";
import { RETIRING_TAINT } from "../../shared/domain/migration/migration-runbook.ts";
import type { Environment } from "./environment.ts";
import {
  ANA,
  approveAll,
  BEN,
  clusterState,
  driveMigration,
  expectLedgerClean,
  expectWorkersServedBy,
  type GateHandler,
  migrationPath,
  post,
  RITA,
  scannedDemoPerTest,
  startMigration,
} from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const scannedDemo = scannedDemoPerTest();

/** The scanned demo fleet, with `faults` injected from the start. */
async function demo(...faults: FaultInput[]): Promise<Environment> {
  const environment = await scannedDemo();
  for (const fault of faults) environment.sim.fleet.faults.add(fault);
  return environment;
}

function events(migration: Json): string[] {
  return migration.history.map((h: Json) => h.event);
}

/** Controller pods (not daemonset) on a pool's nodes, by uid, with the node each runs on. */
function workloadPods(environment: Environment, clusterName: string, pool: string): Map<string, string> {
  const { pods, nodes } = clusterState(environment, clusterName);
  const poolNodes = new Set(
    nodes.filter((n) => n.metadata.labels.agentpool === pool).map((n) => n.metadata.name),
  );
  return new Map(
    pods
      .filter(
        (p) =>
          poolNodes.has(p.spec.nodeName) &&
          p.metadata.ownerReferences?.[0]?.kind !== "DaemonSet" &&
          !p.metadata.deletionTimestamp,
      )
      .map((p) => [p.metadata.uid, p.spec.nodeName]),
  );
}

function retiringTaints(environment: Environment, clusterName: string): string[] {
  return clusterState(environment, clusterName)
    .nodes.filter((n) => (n.spec.taints ?? []).some((t: Json) => t.key === RETIRING_TAINT.key))
    .map((n) => n.metadata.name);
}

/** The drain's shortest timeout, so a blocked eviction turns into a decision after 5 minutes. */
const QUICK_DRAIN = { drainTimeoutSeconds: 300 };

/**
 * Approves every approval gate; at a stuck drain's decision, Ben answers with `decide(first stuck pod)`
 * after checking the record's blockers name that pod. Returns the decisions' pods as they are made.
 */
function decideStuckDrains(
  environment: Environment,
  decide: (pod: { namespace: string; name: string }) => Json,
): { handler: GateHandler; decided: string[] } {
  const approve = approveAll(environment);
  const decided: string[] = [];
  const handler: GateHandler = async (migration) => {
    if (migration.awaiting.gate !== "decision") return approve(migration);
    // A decision that did not take would be asked again and again.
    expect(decided.length, `decided already: ${decided.join(", ")}`).toBeLessThan(8);
    const { pod } = migration.awaiting.evidence.stuck[0];
    expect(migration.blockers).toContainEqual(expect.stringContaining(`${pod.namespace}/${pod.name}`));
    const answer = await post(environment, `${migrationPath(migration.id)}/decisions`, BEN, {
      ...decide(pod),
      comment: `decided on ${pod.name}`,
    });
    expect(answer.status, answer.text).toBe(202);
    decided.push(`${pod.namespace}/${pod.name}`);
    return true;
  };
  return { handler, decided };
}

describe("pool migration faults on the simulated fleet", () => {
  it("a daemonset crash-looping on Azure Linux 3 stops aks-prod-weu/apps at validation and leaves the cluster as it was", async () => {
    const environment = await demo();
    const before = workloadPods(environment, "aks-prod-weu", "apps");
    expect(before.size).toBeGreaterThan(0);
    const id = await startMigration(environment, "aks-prod-weu", "apps");
    const migration = await driveMigration(environment, id, approveAll(environment));

    expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("rolled-back");
    expect(migration.summary.rolledBack.reason).toMatch(/runtime-guard/);
    expect(events(migration)).not.toContainEqual(expect.stringMatching(/^gate cutover/));
    const { cluster } = clusterState(environment, "aks-prod-weu");
    expect([...cluster.pools.keys()].sort()).toEqual(["apps", "system", "win"]);
    expect(retiringTaints(environment, "aks-prod-weu")).toEqual([]);
    expect(workloadPods(environment, "aks-prod-weu", "apps")).toEqual(before);
    expectLedgerClean(environment);
  });

  describe("a budget that never allows an eviction (pdb-blocks on report-worker's budget)", () => {
    async function blockedBudget(): Promise<{ environment: Environment; id: string }> {
      const environment = await demo({
        kind: "pdb-blocks",
        cluster: "aks-prod-eus",
        namespace: "batch",
        pdb: "report-worker",
      });
      return { environment, id: await startMigration(environment, "aks-prod-eus", "batch", QUICK_DRAIN) };
    }

    it("pauses the drain at gate decision naming the pod; rollback puts the old pool back in service", async () => {
      const { environment, id } = await blockedBudget();
      const { handler, decided } = decideStuckDrains(environment, () => ({ decision: "rollback" }));
      const migration = await driveMigration(environment, id, handler);

      expect(decided).toHaveLength(1);
      expect(decided[0]).toMatch(/^batch\/report-worker-/);
      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("rolled-back");
      expect(migration.nodes.drained).toBe(0);
      expect(events(migration)).toContainEqual(expect.stringMatching(/^gate decision: rollback/));
      const { cluster } = clusterState(environment, "aks-prod-eus");
      expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
      expect(retiringTaints(environment, "aks-prod-eus")).toEqual([]);
      expectWorkersServedBy(environment, "batch");
      expectLedgerClean(environment);
    });

    it("a person's delete-pod lets the drain go on, pod by pod, to the end", async () => {
      const { environment, id } = await blockedBudget();
      const { handler, decided } = decideStuckDrains(environment, (pod) => ({ decision: "delete-pod", pod }));
      const migration = await driveMigration(environment, id, handler);

      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("succeeded");
      expect(migration.nodes).toEqual({ drained: 4, total: 4 });
      // Every protected pod went only by a person's decision, each once.
      expect(decided).toHaveLength(8);
      expect(new Set(decided).size).toBe(8);
      expectWorkersServedBy(environment, "batchal3");
      expectLedgerClean(environment);
    });
  });

  it("pods stuck Terminating past their grace period wait for a decision; a plain delete-pod is refused, force-delete-pod goes on", async () => {
    const environment = await demo({
      kind: "pod-stuck-terminating",
      cluster: "aks-prod-eus",
      namespace: "batch",
      podPrefix: "report-worker-",
    });
    const id = await startMigration(environment, "aks-prod-eus", "batch", QUICK_DRAIN);
    const stuckReasons: string[] = [];
    const refusals: string[] = [];
    const { handler, decided } = decideStuckDrains(environment, (pod) => ({
      decision: "force-delete-pod",
      pod,
    }));
    const migration = await driveMigration(environment, id, async (record) => {
      if (record.awaiting.gate === "decision") {
        stuckReasons.push(...record.awaiting.evidence.stuck.map((s: Json) => s.reason));
        const { pod } = record.awaiting.evidence.stuck[0];
        const plain = await post(environment, `${migrationPath(record.id)}/decisions`, BEN, {
          decision: "delete-pod",
          pod,
        });
        refusals.push(`${plain.status} ${plain.body.error?.reason}`);
      }
      return handler(record);
    });

    expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("succeeded");
    expect(migration.nodes).toEqual({ drained: 4, total: 4 });
    // Each decision took: no pod was asked about twice.
    expect(decided.length).toBeGreaterThan(0);
    expect(new Set(decided).size).toBe(decided.length);
    expect(new Set(stuckReasons)).toEqual(new Set(["terminating-past-grace"]));
    expect(refusals).toHaveLength(decided.length);
    expect(refusals[0]).toMatch(
      /^409 .* is stuck terminating-past-grace, which takes skip-pod or force-delete-pod/,
    );
    expectWorkersServedBy(environment, "batchal3");
    expectLedgerClean(environment);
  });

  describe("a new node NotReady while the old pool drains", () => {
    /** Takes new node 0 down once the first old node is drained; brings it back when `recovers(record)`. */
    function nodeDownDuringDrain(environment: Environment, recovers: (migration: Json) => boolean) {
      let faultId: string | undefined;
      let recovered = false;
      return (migration: Json) => {
        if (!faultId && migration.phase === "draining" && migration.nodes.drained >= 1) {
          faultId = environment.sim.fleet.faults.add({
            kind: "node-not-ready",
            cluster: "aks-prod-eus",
            pool: "batchal3",
            ordinal: 0,
          }).id;
        }
        if (faultId && !recovered && recovers(migration)) {
          recovered = environment.sim.fleet.faults.remove(faultId);
        }
      };
    }

    it("a signal that clears within its grace time lets the drain go on", async () => {
      const environment = await demo();
      const id = await startMigration(environment, "aks-prod-eus", "batch");
      const waiting = (migration: Json) =>
        events(migration).some((e) => e.startsWith("waiting for health signals to clear"));
      const migration = await driveMigration(environment, id, approveAll(environment), {
        onStep: nodeDownDuringDrain(environment, waiting),
      });

      expect(waiting(migration)).toBe(true);
      expect(events(migration)).toContainEqual(
        expect.stringMatching(/NotReady.*aks-batchal3-|aks-batchal3-.*NotReady/),
      );
      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("succeeded");
      expect(migration.nodes).toEqual({ drained: 4, total: 4 });
      expectWorkersServedBy(environment, "batchal3");
      expectLedgerClean(environment);
    });

    it("a signal that persists rolls back: old pool serving again, taint off, autoscaler settings back", async () => {
      const environment = await demo();
      const { cluster } = clusterState(environment, "aks-prod-eus");
      const batch = cluster.pools.get("batch");
      if (!batch) throw new Error("no batch pool");
      Object.assign(batch.props, { enableAutoScaling: true, minCount: 2, maxCount: 6 });
      const id = await startMigration(environment, "aks-prod-eus", "batch", {
        thresholds: { persistSeconds: 60 },
      });
      const migration = await driveMigration(environment, id, approveAll(environment), {
        onStep: nodeDownDuringDrain(environment, (record) => record.phase === "rolling-back"),
      });

      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("rolled-back");
      const { reason, restored } = migration.summary.rolledBack;
      expect(reason).toMatch(/^health signal persisted: .*aks-batchal3-/);
      // A drained batch's machines are deleted once past its gate (the default): when the signal came
      // after their delete was asked, the pool comes back to its count first.
      const shrunk = events(migration).some((e) => e.startsWith("deleting the drained"));
      expect(restored).toEqual([
        ...(shrunk ? ["batch scaled back to 4 nodes"] : []),
        "taint removed from 4 old nodes",
        "autoscaler restored",
        "pods drained back to the old pool",
        "new pool batchal3 deleted",
      ]);
      expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
      expect(batch.props).toMatchObject({ enableAutoScaling: true, minCount: 2, maxCount: 6 });
      expect(retiringTaints(environment, "aks-prod-eus")).toEqual([]);
      expectWorkersServedBy(environment, "batch");
      expectLedgerClean(environment);
    });
  });

  describe("gates", () => {
    it("refuses the requester's approval (403) and one for a gate not awaited (409), the gate still open; a rejection ends it with nothing changed", async () => {
      const environment = await demo();
      const before = workloadPods(environment, "aks-prod-eus", "batch");
      const id = await startMigration(environment, "aks-prod-eus", "batch");
      const approvals = `${migrationPath(id)}/approvals`;
      let awaitingAfterRefusals: Json;
      const migration = await driveMigration(environment, id, async (record) => {
        expect(record.awaiting.gate).toBe("start");
        const asked = { gate: "start", decision: "approve", comment: "mine, so fine" };
        const byRequester = await post(
          environment,
          approvals,
          { ...RITA, roles: [...RITA.roles, ...ANA.roles] },
          asked,
        );
        expect(byRequester.status).toBe(403);
        expect(byRequester.body.error.reason).toMatch(/rita@contoso.com requested this migration/);
        const early = await post(environment, approvals, BEN, { ...asked, gate: "cutover" });
        expect(early.status).toBe(409);
        expect(early.body.error.reason).toMatch(/awaits gate "start", not "cutover"/);
        awaitingAfterRefusals = (await environment.api(migrationPath(id))).body.awaiting;
        const rejected = await post(environment, approvals, ANA, {
          gate: "start",
          decision: "reject",
          comment: "not this week",
        });
        expect(rejected.status, rejected.text).toBe(202);
        return true;
      });

      expect(awaitingAfterRefusals).toMatchObject({ gate: "start", since: migration.history[0].at });
      expect(migration.outcome).toBe("rejected");
      expect(events(migration)).toContainEqual("gate start: reject: not this week");
      expect(events(migration).filter((e) => /^gate (start|cutover):/.test(e))).toEqual([
        "gate start: reject: not this week",
      ]);
      const { cluster } = clusterState(environment, "aks-prod-eus");
      expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
      expect(retiringTaints(environment, "aks-prod-eus")).toEqual([]);
      expect(workloadPods(environment, "aks-prod-eus", "batch")).toEqual(before);
      expectLedgerClean(environment);
    });

    it("unanswered, gate start sends one reminder past its timeout, then expires", async () => {
      const environment = await demo();
      await environment.topicAlerts();
      const id = await startMigration(environment, "aks-prod-eus", "batch", {
        gateTimeoutSeconds: 60,
        gateExpirySeconds: 300,
      });
      const migration = await driveMigration(environment, id, () => false);

      expect(migration.outcome).toBe("expired");
      expect(events(migration)).toContainEqual("gate start expired unanswered");
      const expiredAt = migration.history.find((h: Json) => h.event === "gate start expired unanswered").at;
      expect(Date.parse(expiredAt) - Date.parse(migration.history[0].at)).toBe(300_000);
      const notices = (await environment.topicAlerts()).filter(
        (message) => message.kind === "migration" && message.migrationId === id,
      );
      expect(notices.map((n) => n.title)).toEqual(['Gate "start" unanswered']);
      const { cluster } = clusterState(environment, "aks-prod-eus");
      expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
      expectLedgerClean(environment);
    });
  });

  describe("ARM", () => {
    /** An operator scales aks-prod-eus's system pool through ARM; the operation holds the cluster a while. */
    async function scaleSystemPool(environment: Environment): Promise<void> {
      const target = environment.sim.clusters.find((c) => c.name === "aks-prod-eus");
      if (!target) throw new Error("no aks-prod-eus");
      const arm = new ContainerServiceClient(environment.sim.credential, target.subscriptionId, {
        ...environment.sim.azureClientOptions(),
        retryOptions: { maxRetries: 0 },
      });
      const system = await arm.agentPools.get(target.resourceGroup, target.name, "system");
      // Only sent: the operation runs on the simulator's clock, nobody waits for it here.
      await arm.agentPools
        .createOrUpdate(target.resourceGroup, target.name, "system", { ...system, count: 4 })
        .submitted();
    }

    it("409 OperationNotAllowed while another operation runs on the cluster: the migration waits, then goes on", async () => {
      const environment = await demo();
      const id = await startMigration(environment, "aks-prod-eus", "batch");
      const approve = approveAll(environment);
      const migration = await driveMigration(environment, id, async (record) => {
        if (record.awaiting.gate === "start") await scaleSystemPool(environment);
        return approve(record);
      });

      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("succeeded");
      const busy = events(migration).filter((e) =>
        e.startsWith("ARM is busy with another operation on batchal3"),
      );
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]).toMatch(/system/);
      const { cluster } = clusterState(environment, "aks-prod-eus");
      expect([...cluster.pools.keys()].sort()).toEqual(["batchal3", "system"]);
      expect(cluster.pools.get("system")?.props.count).toBe(4);
      expectLedgerClean(environment);
    });

    it("a failed create of the new pool rolls back with nothing left behind", async () => {
      const environment = await demo({
        kind: "arm-operation-fails",
        cluster: "aks-prod-eus",
        pool: "batchal3",
        operation: "create",
        code: "AllocationFailed",
        message: "Allocation failed: no capacity for Standard_E8s_v5 in eastus.",
      });
      const before = workloadPods(environment, "aks-prod-eus", "batch");
      const id = await startMigration(environment, "aks-prod-eus", "batch");
      const migration = await driveMigration(environment, id, approveAll(environment));

      expect(migration.outcome, events(migration).slice(-6).join("\n")).toBe("rolled-back");
      expect(migration.summary.rolledBack.reason).toMatch(/^creating batchal3 failed: .*Allocation failed/);
      expect(migration.summary.rolledBack.restored).toEqual(["new pool batchal3 deleted"]);
      const { cluster, nodes } = clusterState(environment, "aks-prod-eus");
      expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
      expect(nodes.filter((n) => n.metadata.labels.agentpool === "batchal3")).toEqual([]);
      expect(workloadPods(environment, "aks-prod-eus", "batch")).toEqual(before);
      expectLedgerClean(environment);
    });
  });
});
