// The product's node operations on a simulated cluster, for adapter tests of the drain's effects: a
// paused simulator on a scenario for the test file, the cluster, KubeNodeOperations over HTTPS (the
// simulator's kubeconfig), a CoreV1Api for the test's own moves, and an audit repository in SQLite.

import { dirname } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import type { SimCluster } from "../../local/sim/model/cluster.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import type { Simulator } from "../../local/sim/simulator.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import type { AuditRepository } from "../../shared/domain/ports/migrations.ts";
import { KubeconfigDirectory } from "../../shared/kube/kube-connection.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS } from "../../shared/kube/kube-requests.ts";
import { KubeNodeOperations } from "../../shared/kube/node-operations.ts";
import { startFixture } from "../sim/fixture.ts";
import { useSqliteFiles } from "./state-stores.ts";

export interface NodeOperationsWorld {
  sim: Simulator;
  clock: VirtualClock;
  cluster: SimCluster;
  core: k8s.CoreV1Api;
  audit: AuditRepository;
  /** What the drain's and validation's functions take. */
  ports: { nodes: KubeNodeOperations; audit: AuditRepository; clock: VirtualClock };
}

/** The world, filled in before the file's tests and closed after them. */
export function useNodeOperations(scenario: ScenarioInput, clusterName: string): NodeOperationsWorld {
  const sqlite = useSqliteFiles();
  const world = {} as NodeOperationsWorld;
  beforeAll(async () => {
    const { sim, clock } = await startFixture({ scenario });
    clock.pause();
    const cluster = sim.fleet.clusters.find((c) => c.name === clusterName);
    if (!cluster) throw new Error(`the scenario has no cluster ${clusterName}`);
    const kubeconfig = sim.kubeconfigPath(clusterName);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const nodes = new KubeNodeOperations(new KubeconfigDirectory(dirname(kubeconfig)), {
      ...DEFAULT_KUBE_REQUEST_OPTIONS,
      clock,
    });
    const audit = sqliteRepositories(sqlite.open(sqlite.newFile())).audit;
    Object.assign(world, {
      sim,
      clock,
      cluster,
      core: kc.makeApiClient(k8s.CoreV1Api),
      audit,
      ports: { nodes, audit, clock },
    });
  });
  afterAll(() => world.sim?.close());
  return world;
}
