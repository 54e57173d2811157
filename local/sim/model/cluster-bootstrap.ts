// A cluster as its scenario describes it, already running: machines up, nodes Ready, workloads with
// their pods Running. The controllers make the pods; this only lays down what the fleet starts with.

import { defaultRequestedSku, effectiveOsSku, IMAGE_FAMILIES } from "../scenario/os-images.ts";
import type { DeploymentSpec, PodTemplateSpec } from "../scenario/schema.ts";
import { systemCsiDrivers, systemDaemonSets, systemDeployments } from "../scenario/system-components.ts";
import type { SimCluster, WorkloadParams } from "./cluster.ts";
import { registerNode } from "./controllers/nodes.ts";
import { type KubeObject, RESOURCE_KINDS } from "./kube-types.ts";
import { meta, pdbObject, podTemplate, selectorFor } from "./objects.ts";
import { defaultMaxPods, propertiesFromSpec } from "./pool.ts";

const MS = 1000;
const DAY_MS = 86400 * MS;

export function bootstrapCluster(cluster: SimCluster): void {
  const start = cluster.now();
  const spec = cluster.spec;
  cluster.instant = true;
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"])
    cluster.ensureNamespace(ns, start - 30 * DAY_MS);
  for (const p of spec.pools) {
    const version = p.orchestratorVersion ?? cluster.kubernetesVersion;
    const requested = p.osSku ?? defaultRequestedSku(p.osType, version);
    const image = p.nodeImageVersion ?? IMAGE_FAMILIES[effectiveOsSku(requested, version)].defaultVersion;
    const maxPods = p.maxPods ?? defaultMaxPods(spec.networkProfile);
    const pool = cluster.addPool(
      p.name,
      propertiesFromSpec(p, cluster.kubernetesVersion, requested, image, maxPods),
      p.kernelVersion,
    );
    for (let i = 0; i < p.count; i++) {
      const machine = cluster.newMachine(pool, start - 3 * DAY_MS);
      machine.state = "running";
      cluster.ctx.ledger.machineStarted(cluster.name, pool.name, machine.name, start);
      registerNode(cluster, pool, machine, { ready: true });
    }
  }
  const w = spec.workloads;
  const csiDrivers = [...(w.systemComponents ? systemCsiDrivers(spec) : []), ...w.csiDrivers];
  for (const driver of csiDrivers) {
    cluster.store.create("csidrivers", {
      apiVersion: "storage.k8s.io/v1",
      kind: "CSIDriver",
      metadata: meta({ name: driver.name, uid: cluster.uid() }, start - 30 * DAY_MS),
      spec: {
        attachRequired: driver.attachRequired,
        podInfoOnMount: driver.podInfoOnMount,
        fsGroupPolicy: driver.fsGroupPolicy,
        volumeLifecycleModes: driver.volumeLifecycleModes,
        requiresRepublish: false,
        storageCapacity: false,
        seLinuxMount: false,
      },
    });
  }
  const created = start - DAY_MS;
  for (const d of [...(w.systemComponents ? systemDeployments() : []), ...w.deployments])
    addDeployment(cluster, d, created);
  for (const s of w.statefulSets) addStatefulSet(cluster, s, created);
  for (const d of [...(w.systemComponents ? systemDaemonSets(spec) : []), ...w.daemonSets]) {
    addDaemonSet(cluster, d.name, d.namespace, d, created);
  }
  for (const k of w.kernelAgents) {
    const ds = addDaemonSet(cluster, k.name, k.namespace, k, created);
    cluster.kernelAgents.set(ds.metadata.uid, k.supportedKernels);
  }
  for (const p of w.pods) {
    cluster.ensureNamespace(p.namespace, created);
    createBarePod(cluster, p.name, p.namespace, p, created);
  }
  cluster.reconcileNow();
  cluster.instant = false;
}

function workloadParams(cluster: SimCluster, spec: PodTemplateSpec): WorkloadParams {
  return {
    startupMs: (spec.startupSeconds ?? cluster.ctx.timings.podStartupSeconds) * MS,
    ...(spec.readySeconds !== undefined ? { readyMs: spec.readySeconds * MS } : {}),
    ...(spec.shutdownSeconds !== undefined ? { shutdownMs: spec.shutdownSeconds * MS } : {}),
  };
}

/** A workload object from the scenario (its pod template, params and PDB); controllers make its pods. */
function addWorkload(
  cluster: SimCluster,
  resource: "deployments" | "statefulsets" | "daemonsets",
  name: string,
  namespace: string,
  spec: PodTemplateSpec & { pdb?: DeploymentSpec["pdb"] },
  kindSpec: Record<string, unknown>,
  createdAt: number,
): KubeObject {
  cluster.ensureNamespace(namespace, createdAt);
  const template = podTemplate(name, spec);
  const labels = template.metadata.labels;
  const object = cluster.store.create(resource, {
    apiVersion: "apps/v1",
    kind: RESOURCE_KINDS[resource].kind,
    metadata: meta({ name, namespace, uid: cluster.uid(), generation: 1, labels }, createdAt),
    spec: { ...kindSpec, selector: selectorFor(labels), template, revisionHistoryLimit: 10 },
    status: {},
  });
  cluster.workloadParams.set(object.metadata.uid, workloadParams(cluster, spec));
  if (spec.pdb) {
    cluster.store.create(
      "poddisruptionbudgets",
      pdbObject(spec.pdb.name ?? name, namespace, selectorFor(labels), spec.pdb, cluster.uid(), createdAt),
    );
  }
  return object;
}

function addDeployment(cluster: SimCluster, d: DeploymentSpec, createdAt: number): void {
  const strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
  addWorkload(
    cluster,
    "deployments",
    d.name,
    d.namespace,
    d,
    { replicas: d.replicas, strategy, progressDeadlineSeconds: 600 },
    createdAt,
  );
}

function addStatefulSet(cluster: SimCluster, s: DeploymentSpec, createdAt: number): void {
  addWorkload(
    cluster,
    "statefulsets",
    s.name,
    s.namespace,
    s,
    {
      replicas: s.replicas,
      serviceName: s.name,
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    },
    createdAt,
  );
}

function addDaemonSet(
  cluster: SimCluster,
  name: string,
  namespace: string,
  spec: PodTemplateSpec,
  createdAt: number,
): KubeObject {
  const updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  return addWorkload(cluster, "daemonsets", name, namespace, spec, { updateStrategy }, createdAt);
}

function createBarePod(
  cluster: SimCluster,
  name: string,
  namespace: string,
  spec: PodTemplateSpec,
  createdAt: number,
): void {
  const template = podTemplate(name, spec);
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta({ name, namespace, uid: cluster.uid(), labels: template.metadata.labels }, createdAt),
    spec: structuredClone(template.spec),
    status: {},
  };
  cluster.preparePod(pod, workloadParams(cluster, spec));
  cluster.store.create("pods", pod);
}
