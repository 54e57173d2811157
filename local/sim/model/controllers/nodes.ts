// Nodes as the kubelet registers them on an AKS machine and as the node lifecycle controller keeps
// them: AKS labels, nodeInfo of the image, readiness conditions and the taints that follow them.

import { IMAGE_FAMILIES, isWindowsSku } from "../../scenario/os-images.ts";
import { formatKi, formatMilliCores } from "../../scenario/quantity.ts";
import type { SimCluster } from "../cluster.ts";
import type { KubeObject, Taint } from "../kube-types.ts";
import { meta, parseTaint, rfc3339 } from "../objects.ts";
import { type Machine, type SimPool, usesPodCidr } from "../pool.ts";
import { createNodeLease, removeNodeLease } from "./node-leases.ts";
import { beginPodDeletion, finalizePod, isTerminating, markPodNotReady, resumePodsOnNode } from "./pods.ts";

const MS = 1000;
const NOT_READY = "node.kubernetes.io/not-ready";
const UNREACHABLE = "node.kubernetes.io/unreachable";
const UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

export type Readiness = "ready" | "booting" | "unreachable";

function nodeLabels(cluster: SimCluster, pool: SimPool, machine: Machine): Record<string, string> {
  const os = isWindowsSku(machine.osSku) ? "windows" : "linux";
  const zone = machine.zone;
  const labels: Record<string, string> = {
    agentpool: pool.name,
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/instance-type": pool.props.vmSize,
    "beta.kubernetes.io/os": os,
    "failure-domain.beta.kubernetes.io/region": cluster.location,
    "failure-domain.beta.kubernetes.io/zone": zone,
    "kubernetes.azure.com/agentpool": pool.name,
    "kubernetes.azure.com/cluster": cluster.nodeResourceGroup,
    "kubernetes.azure.com/mode": pool.props.mode.toLowerCase(),
    "kubernetes.azure.com/node-image-version": machine.nodeImageVersion,
    "kubernetes.azure.com/nodepool-type": "VirtualMachineScaleSets",
    "kubernetes.azure.com/os-sku": pool.props.osSKU,
    "kubernetes.azure.com/os-sku-effective": machine.osSku,
    "kubernetes.azure.com/os-sku-requested": pool.props.osSKU,
    "kubernetes.azure.com/role": "agent",
    "kubernetes.azure.com/storageprofile": "managed",
    "kubernetes.azure.com/storagetier": "Premium_LRS",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": machine.name,
    "kubernetes.io/os": os,
    "kubernetes.io/role": "agent",
    "node-role.kubernetes.io/agent": "",
    "node.kubernetes.io/instance-type": pool.props.vmSize,
    storageprofile: "managed",
    storagetier: "Premium_LRS",
    "topology.disk.csi.azure.com/zone": zone === "0" ? "" : zone,
    "topology.kubernetes.io/region": cluster.location,
    "topology.kubernetes.io/zone": zone,
  };
  if (pool.props.scaleSetPriority === "Spot") labels["kubernetes.azure.com/scalesetpriority"] = "spot";
  if (os === "windows")
    labels["node.kubernetes.io/windows-build"] = IMAGE_FAMILIES[machine.osSku].kernel
      .split(".")
      .slice(0, 3)
      .join(".");
  return { ...labels, ...pool.props.nodeLabels };
}

function poolTaints(pool: SimPool): Taint[] {
  const taints = pool.props.nodeTaints.map(parseTaint);
  if (pool.props.scaleSetPriority === "Spot")
    taints.push({ key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" });
  return taints;
}

const conditionText = {
  MemoryPressure: ["KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  DiskPressure: ["KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  PIDPressure: ["KubeletHasSufficientPID", "kubelet has sufficient PID available"],
} as const;

/** The kubelet on a machine registers its Node object (NotReady while it boots, unless `ready`). */
export function registerNode(
  cluster: SimCluster,
  pool: SimPool,
  machine: Machine,
  options: { ready: boolean },
): KubeObject {
  const size = cluster.ctx.vmSizes[pool.props.vmSize] ?? { vCPUs: 2, memoryGiB: 8 };
  const resources = pool.resources(size);
  const family = IMAGE_FAMILIES[machine.osSku];
  const now = cluster.now();
  const created = options.ready && cluster.instant ? machine.createdAt : now;
  const ip = cluster.nodeIp();
  const podCidr = usesPodCidr(cluster.spec.networkProfile) ? cluster.podCidr() : undefined;
  const pods = String(pool.props.maxPods);
  const node: KubeObject = {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(
      {
        name: machine.name,
        uid: cluster.uid(),
        labels: nodeLabels(cluster, pool, machine),
        annotations: {
          "csi.volume.kubernetes.io/nodeid": JSON.stringify({
            "disk.csi.azure.com": machine.name,
            "file.csi.azure.com": machine.name,
          }),
          "node.alpha.kubernetes.io/ttl": "0",
          "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        },
      },
      created,
    ),
    spec: {
      ...(podCidr ? { podCIDR: podCidr, podCIDRs: [podCidr] } : {}),
      providerID: `azure:///subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup.toLowerCase()}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${pool.name}-${pool.vmssId}-vmss/virtualMachines/${machine.ordinal}`,
      ...withTaints(poolTaints(pool)),
    },
    status: {
      capacity: {
        cpu: formatMilliCores(resources.capacityMilliCpu),
        "ephemeral-storage": "129886128Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: formatKi(resources.capacityMemoryBytes),
        pods,
      },
      allocatable: {
        cpu: formatMilliCores(resources.allocatableMilliCpu),
        "ephemeral-storage": "119703055367",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: formatKi(resources.allocatableMemoryBytes),
        pods,
      },
      conditions: Object.entries(conditionText).map(([type, [reason, message]]) => ({
        type,
        status: "False",
        lastHeartbeatTime: rfc3339(created),
        lastTransitionTime: rfc3339(created),
        reason,
        message,
      })),
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: machine.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: cluster.rng.hex(32),
        systemUUID: cluster.rng.uuid(),
        bootID: cluster.rng.uuid(),
        kernelVersion: machine.kernelVersion,
        osImage: family.osImage,
        containerRuntimeVersion: family.containerd(machine.orchestratorVersion),
        kubeletVersion: `v${machine.orchestratorVersion}`,
        kubeProxyVersion: family.operatingSystem === "linux" ? `v${machine.orchestratorVersion}` : "",
        operatingSystem: family.operatingSystem,
        architecture: "amd64",
      },
    },
  };
  setReadyCondition(cluster, node, "booting", created);
  cluster.store.create("nodes", node);
  createNodeLease(cluster, node);
  if (!cluster.instant) {
    cluster.recordEvent(node, "Normal", "Starting", "Starting kubelet.", "kubelet", machine.name);
    cluster.recordEvent(
      node,
      "Normal",
      "RegisteredNode",
      `Node ${machine.name} event: Registered Node ${machine.name} in Controller`,
      "node-controller",
    );
  }
  if (options.ready) setReadiness(cluster, node, "ready");
  else
    cluster.timeline.after(cluster.ctx.timings.nodeBootSeconds * MS, () =>
      bootComplete(cluster, machine.name),
    );
  return node;
}

function bootComplete(cluster: SimCluster, nodeName: string): void {
  const node = cluster.node(nodeName);
  if (!node) return;
  const located = cluster.machine(nodeName);
  const faulted = located && nodeNotReadyFault(cluster, located.pool.name, located.machine.ordinal);
  setReadiness(cluster, node, faulted ? "unreachable" : "ready");
}

export function nodeNotReadyFault(cluster: SimCluster, pool: string, ordinal: number): boolean {
  return (
    cluster.ctx.faults.active(
      "node-not-ready",
      (f) => f.cluster === cluster.name && f.pool === pool && f.ordinal === ordinal,
    ).length > 0
  );
}

function readiness(node: KubeObject): Readiness {
  const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
  if (ready?.status === "True") return "ready";
  return ready?.status === "Unknown" ? "unreachable" : "booting";
}

function setReadyCondition(
  cluster: SimCluster,
  node: KubeObject,
  state: Readiness,
  at = cluster.now(),
): void {
  const conditions: Array<Record<string, unknown>> = node.status.conditions;
  const text: Record<Readiness, [string, string, string]> = {
    ready: ["True", "KubeletReady", "kubelet is posting ready status"],
    booting: [
      "False",
      "KubeletNotReady",
      "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    ],
    unreachable: ["Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."],
  };
  const [status, reason, message] = text[state];
  const stamp = rfc3339(at);
  const next = {
    type: "Ready",
    status,
    lastHeartbeatTime: stamp,
    lastTransitionTime: stamp,
    reason,
    message,
  };
  const index = conditions.findIndex((c) => c.type === "Ready");
  if (index === -1) conditions.push(next);
  else conditions[index] = next;
  if (state === "unreachable") {
    for (const c of conditions) {
      if (c.type === "Ready") continue;
      Object.assign(c, {
        status: "Unknown",
        reason: "NodeStatusUnknown",
        message: "Kubelet stopped posting node status.",
        lastTransitionTime: stamp,
      });
    }
  } else {
    for (const c of conditions) {
      const entry = conditionText[c.type as keyof typeof conditionText];
      if (entry && c.status !== "False")
        Object.assign(c, { status: "False", reason: entry[0], message: entry[1], lastTransitionTime: stamp });
    }
  }
}

/** spec.taints as the apiserver serves it: left out when empty (omitempty), never `taints: []`. */
function withTaints(taints: Taint[]): { taints?: Taint[] } {
  return taints.length > 0 ? { taints } : {};
}

function setTaints(node: KubeObject, taints: Taint[]): void {
  if (taints.length > 0) node.spec.taints = taints;
  else delete node.spec.taints;
}

/** Node lifecycle: readiness condition, the taints that follow it, and what it means for the node's pods. */
export function setReadiness(cluster: SimCluster, node: KubeObject, state: Readiness): void {
  const previous = readiness(node);
  if (previous !== state) setReadyCondition(cluster, node, state);
  const key = state === "booting" ? NOT_READY : UNREACHABLE;
  const keep = (node.spec.taints ?? []).filter((t: Taint) => t.key !== NOT_READY && t.key !== UNREACHABLE);
  if (state !== "ready") {
    const added = rfc3339(cluster.now());
    keep.push({ key, effect: "NoSchedule" }, { key, effect: "NoExecute", timeAdded: added });
  }
  setTaints(node, keep);
  cluster.store.touch("nodes", node);
  if (state === "ready" && previous !== "ready") {
    if (!cluster.instant)
      cluster.recordEvent(
        node,
        "Normal",
        "NodeReady",
        `Node ${node.metadata.name} status is now: NodeReady`,
        "kubelet",
        node.metadata.name,
      );
    resumePodsOnNode(cluster, node);
  }
  if (state === "unreachable" && previous !== "unreachable") {
    cluster.recordEvent(
      node,
      "Normal",
      "NodeNotReady",
      `Node ${node.metadata.name} status is now: NodeNotReady`,
      "node-controller",
    );
    for (const pod of cluster.store.podsOnNode(node.metadata.name)) {
      markPodNotReady(cluster, pod);
      scheduleTaintEviction(cluster, node, pod);
    }
  }
  cluster.kick();
}

/** The taint manager deletes pods that do not tolerate NoExecute taints, after their tolerationSeconds. */
function scheduleTaintEviction(cluster: SimCluster, node: KubeObject, pod: KubeObject): void {
  const tolerations: Array<{ key?: string; operator?: string; effect?: string; tolerationSeconds?: number }> =
    pod.spec.tolerations ?? [];
  const matching = tolerations.filter(
    (t) =>
      (t.effect === undefined || t.effect === "NoExecute") &&
      (t.operator === "Exists" ? t.key === undefined || t.key === UNREACHABLE : t.key === UNREACHABLE),
  );
  if (matching.length > 0 && matching.every((t) => t.tolerationSeconds === undefined)) return;
  const seconds =
    matching.length === 0
      ? 0
      : Math.min(...matching.map((t) => t.tolerationSeconds ?? Number.POSITIVE_INFINITY));
  const nodeUid = node.metadata.uid;
  cluster.timeline.after(Math.max(0, seconds) * MS, () => {
    const current = cluster.node(node.metadata.name);
    if (!current || current.metadata.uid !== nodeUid || readiness(current) !== "unreachable") return;
    if (cluster.store.get("pods", pod.metadata.namespace, pod.metadata.name) !== pod || isTerminating(pod))
      return;
    cluster.recordEvent(
      pod,
      "Normal",
      "TaintManagerEviction",
      `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
      "taint-eviction-controller",
    );
    beginPodDeletion(cluster, pod);
    cluster.kick();
  });
}

/** Keeps the unschedulable taint in step with spec.unschedulable, as the node lifecycle controller does. */
export function syncUnschedulableTaint(cluster: SimCluster, node: KubeObject): boolean {
  const taints: Taint[] = node.spec.taints ?? [];
  const has = taints.some((t) => t.key === UNSCHEDULABLE);
  const want = node.spec.unschedulable === true;
  if (has === want) return false;
  setTaints(
    node,
    want
      ? [...taints, { key: UNSCHEDULABLE, effect: "NoSchedule" }]
      : taints.filter((t) => t.key !== UNSCHEDULABLE),
  );
  cluster.store.touch("nodes", node);
  const status = want ? "NodeNotSchedulable" : "NodeSchedulable";
  cluster.recordEvent(
    node,
    "Normal",
    status,
    `Node ${node.metadata.name} status is now: ${status}`,
    "kubelet",
    node.metadata.name,
  );
  return true;
}

/**
 * The Node object goes away: pod garbage collection removes the pods bound to it. `lostWith` says why,
 * for the ledger of controller pods that went down with their machine.
 */
export function removeNode(cluster: SimCluster, nodeName: string, lostWith: string): void {
  const node = cluster.node(nodeName);
  for (const pod of cluster.store.podsOnNode(nodeName)) finalizePod(cluster, pod, lostWith);
  if (node) cluster.store.remove("nodes", node);
  removeNodeLease(cluster, nodeName);
  cluster.kick();
}

/** A machine that still runs re-registers its node shortly after someone deleted the Node object. */
export function scheduleReregistration(cluster: SimCluster, pool: SimPool, machine: Machine): void {
  machine.registration?.cancel();
  machine.registration = cluster.timeline.after(cluster.ctx.timings.nodeReregisterSeconds * MS, () => {
    machine.registration = undefined;
    if (machine.state !== "running" || cluster.node(machine.name)) return;
    registerNode(cluster, pool, machine, { ready: false });
    cluster.kick();
  });
}

/** Applies the pool's labels and taints to its nodes after an ARM update, as AKS does in place. */
export function applyPoolLabelsAndTaints(
  cluster: SimCluster,
  pool: SimPool,
  previousLabels: Record<string, string>,
  previousTaints: string[],
): void {
  const removedTaints = new Set(previousTaints);
  for (const machine of pool.liveMachines()) {
    const node = cluster.node(machine.name);
    if (!node) continue;
    const labels = { ...node.metadata.labels };
    for (const key of Object.keys(previousLabels)) delete labels[key];
    node.metadata.labels = { ...labels, ...pool.props.nodeLabels };
    const taints: Taint[] = (node.spec.taints ?? []).filter(
      (t: Taint) => !removedTaints.has(`${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`),
    );
    for (const text of pool.props.nodeTaints) {
      const taint = parseTaint(text);
      if (!taints.some((t) => t.key === taint.key && t.effect === taint.effect)) taints.push(taint);
    }
    setTaints(node, taints);
    cluster.store.touch("nodes", node);
  }
  cluster.kick();
}
